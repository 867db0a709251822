-- 000001_create_users_table.down.sql
-- Reverts 000001: drops the users table (its UNIQUE email index goes with it).
-- CASCADE removes foreign keys that later tables may still hold on users.
DROP TABLE IF EXISTS users CASCADE;
