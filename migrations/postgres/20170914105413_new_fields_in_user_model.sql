-- The PostgreSQL form of ../sqlite/20170914105413_new_fields_in_user_model.sql
-- (Alembic revision 37f06a334dbf).
ALTER TABLE "user" ADD COLUMN about_me VARCHAR(140);
ALTER TABLE "user" ADD COLUMN last_seen TIMESTAMP;
