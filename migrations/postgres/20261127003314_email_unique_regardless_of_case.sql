-- The PostgreSQL form of ../sqlite/20261127003314_email_unique_regardless_of_case.sql,
-- which says why: email addresses are unique regardless of case.
--
-- PostgreSQL has no NOCASE collation; an index on lower(email) does the same,
-- and `User::email_taken` compares lower(email) = lower($1), so the check and
-- the index agree, and the query uses the index. (PostgreSQL's lower() folds
-- every letter, SQLite's only ASCII ones.)
--
-- As in SQLite, a database that already holds two spellings of one address
-- stops here with a message, and nothing is changed (the migration runs in a
-- transaction). PostgreSQL can raise it directly.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM "user" GROUP BY lower(email) HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'Some users have email addresses that differ only in case. Email addresses are now unique regardless of case: change or remove the extra ones, then start the app again. To list them: SELECT lower(email), string_agg(username, '','') FROM "user" GROUP BY lower(email) HAVING count(*) > 1;';
    END IF;
END
$$;

DROP INDEX ix_user_email;
CREATE UNIQUE INDEX ix_user_email ON "user" (lower(email));
