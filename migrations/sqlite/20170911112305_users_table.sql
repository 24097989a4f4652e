-- Mirrors Alembic revision e517276bb1c2 ("users table") of the Flask tutorial.
-- SQLite ignores VARCHAR lengths, so the CHECKs make the column sizes real.
CREATE TABLE "user" (
    id            INTEGER PRIMARY KEY NOT NULL,
    username      VARCHAR(64)  NOT NULL CHECK (length(username) <= 64),
    email         VARCHAR(120) NOT NULL CHECK (length(email) <= 120),
    password_hash VARCHAR(256)
);
CREATE UNIQUE INDEX ix_user_email ON "user" (email);
CREATE UNIQUE INDEX ix_user_username ON "user" (username);
