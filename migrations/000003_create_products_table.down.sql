-- 000003_create_products_table.down.sql
-- Reverts 000003: drops the index it created, then the products table itself.
-- CASCADE removes foreign keys that later tables (cart_items, order_items, reviews) may hold.
DROP INDEX IF EXISTS idx_products_category_id;
DROP TABLE IF EXISTS products CASCADE;
