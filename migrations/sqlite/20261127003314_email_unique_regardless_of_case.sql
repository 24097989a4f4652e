-- Email addresses are unique regardless of case: once john@example.com has an
-- account, JOHN@Example.com cannot open a second one. The tutorial's
-- `validate_email` (and chapter 6's index) compare exactly, so both could
-- register. Here the index itself ignores case, so no request, however it races
-- the form's check, can store a second spelling of a taken address.
--
-- COLLATE NOCASE, rather than an index on lower(email), because SQLite then
-- still names the column when the index refuses a write ("UNIQUE constraint
-- failed: user.email"), which is how `routes::unique_violation` turns it into
-- the form error. NOCASE folds ASCII letters only, as SQLite's lower() does;
-- `User::email_taken` compares with the same collation, so the check and the
-- index always agree.
--
-- A database from before this migration may already hold two addresses that
-- differ only in case. Building the index would then fail with a bare "UNIQUE
-- constraint failed". We don't pick a winner: which account keeps the address
-- is for the people who own them to decide. So the migration stops with the
-- message below instead, sqlx rolls it back (every migration runs in a
-- transaction), and the app refuses to start and logs the message. Fix the
-- rows, then start again: the migration runs on the next start. To list them:
--   SELECT lower(email), group_concat(username) FROM "user"
--   GROUP BY email COLLATE NOCASE HAVING count(*) > 1;
--
-- SQL has no "fail with this message" statement; RAISE() is allowed only
-- inside a trigger. So a throwaway table gets a trigger that raises, and one
-- row goes into it if there are duplicates.
CREATE TEMP TABLE email_case_check (duplicates INTEGER NOT NULL);
CREATE TEMP TRIGGER email_case_check_refuses BEFORE INSERT ON email_case_check
WHEN NEW.duplicates > 0
BEGIN
    SELECT RAISE(ABORT, 'Some users have email addresses that differ only in case. Email addresses are now unique regardless of case: change or remove the extra ones, then start the app again. To list them: SELECT lower(email), group_concat(username) FROM "user" GROUP BY email COLLATE NOCASE HAVING count(*) > 1;');
END;
INSERT INTO email_case_check (duplicates)
SELECT count(*) FROM (
    SELECT 1 FROM "user" GROUP BY email COLLATE NOCASE HAVING count(*) > 1
);
DROP TABLE email_case_check;

-- Same name as chapter 6's index, which this one replaces: a case-insensitive
-- unique index is also a case-sensitive one.
DROP INDEX ix_user_email;
CREATE UNIQUE INDEX ix_user_email ON "user" (email COLLATE NOCASE);
