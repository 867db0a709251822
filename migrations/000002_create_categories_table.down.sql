-- 000002_create_categories_table.down.sql
-- Reverts 000002: drops the index it created, then the categories table itself.
-- CASCADE removes foreign keys that later tables may still hold on categories.
DROP INDEX IF EXISTS idx_categories_parent_id;
DROP TABLE IF EXISTS categories CASCADE;
