-- The PostgreSQL form of ../sqlite/20261205083800_usernames_unique_by_how_they_look.sql,
-- which says why: usernames are unique by how they look (UTS #39 skeletons,
-- computed by the app and filled in at every start).
ALTER TABLE "user" ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX ix_user_username_skeleton ON "user" (username_skeleton);
