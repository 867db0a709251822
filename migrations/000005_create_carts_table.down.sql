-- 000005_create_carts_table.down.sql
-- Reverts 000005 in reverse dependency order: cart_items (which references carts)
-- and its indexes first, then carts and its indexes.
DROP INDEX IF EXISTS idx_cart_items_product_id;
DROP INDEX IF EXISTS idx_cart_items_cart_id;
DROP TABLE IF EXISTS cart_items CASCADE;
DROP INDEX IF EXISTS idx_carts_user_id_active;
DROP INDEX IF EXISTS idx_carts_user_id;
DROP TABLE IF EXISTS carts CASCADE;
