-- Usernames are unique by how they look: once alice has an account, Cyrillic
-- аlice (its first letter is U+0430), a1ice and aIice cannot open a second
-- one. Chapter 6's index on `username` compares exactly, so each of them
-- could register. Unicode's "confusable skeleton" (UTS #39) maps every name
-- to a prototype of how it looks: `а`, `1` and `I` all become `l` or `a`, and
-- invisible characters disappear. Two names that look alike have the same
-- skeleton, so a unique index on the skeleton refuses the second, however it
-- races the form's check. (The form first puts a name in RFC 8265's one
-- spelling, so ａｌｉｃｅ is stored as alice; see common/src/forms/usernames.rs.)
--
-- SQLite cannot compute a skeleton: it needs Unicode's confusables table. So
-- the app computes it (`User::insert` and `User::update_profile` store it
-- beside the name), and this migration only makes the column and its index.
-- Rows from before it get NULL, which a unique index lets repeat. Right after
-- the migrations, at every start, the app fills them in
-- (`User::refresh_username_skeletons` in common/src/models.rs). If a database
-- already holds two names that look alike, we don't pick a winner: which
-- account keeps the name is for the people who own them to decide. So that
-- step fills in nothing and stops the start instead, with a message that names
-- the users (by id) and says how to rename one; the app logs it and refuses to
-- start. Fix the names, then start again.
--
-- The exact index on `username` stays: a row written without its skeleton (by
-- hand, say) is still unique by name. It is made again after the new one,
-- because SQLite checks the most recently made index first: a second `susan`
-- still fails with "UNIQUE constraint failed: user.username", as chapter 6's
-- bug does on every step's pages and in the book, and only a look-alike
-- reaches the skeleton's index. `SaveError` reads either as the name taken.
ALTER TABLE "user" ADD COLUMN username_skeleton TEXT;
CREATE UNIQUE INDEX ix_user_username_skeleton ON "user" (username_skeleton);
DROP INDEX ix_user_username;
CREATE UNIQUE INDEX ix_user_username ON "user" (username);
