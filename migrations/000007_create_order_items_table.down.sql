-- 000007_create_order_items_table.down.sql
-- Reverts 000007: drops the indexes it created, then the order_items table itself.
DROP INDEX IF EXISTS idx_order_items_product_id;
DROP INDEX IF EXISTS idx_order_items_order_id;
DROP TABLE IF EXISTS order_items CASCADE;
