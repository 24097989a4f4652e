-- Mirrors Alembic revision 780739b227a7 ("posts table").
CREATE TABLE post (
    id        INTEGER PRIMARY KEY NOT NULL,
    body      VARCHAR(140) NOT NULL CHECK (length(body) <= 140),
    timestamp DATETIME NOT NULL,
    user_id   INTEGER NOT NULL REFERENCES "user" (id)
);
CREATE INDEX ix_post_timestamp ON post (timestamp);
CREATE INDEX ix_post_user_id ON post (user_id);
