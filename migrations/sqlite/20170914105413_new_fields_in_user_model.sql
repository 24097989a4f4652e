-- Mirrors Alembic revision 37f06a334dbf ("new fields in user model").
ALTER TABLE "user" ADD COLUMN about_me VARCHAR(140) CHECK (length(about_me) <= 140);
ALTER TABLE "user" ADD COLUMN last_seen DATETIME;
