-- 000006_create_orders_table.down.sql
-- Reverts 000006: drops the indexes it created, then the orders table itself.
-- CASCADE removes foreign keys that later tables (order_items, payments) may hold.
DROP INDEX IF EXISTS idx_orders_status;
DROP INDEX IF EXISTS idx_orders_billing_address_id;
DROP INDEX IF EXISTS idx_orders_shipping_address_id;
DROP INDEX IF EXISTS idx_orders_user_id;
DROP TABLE IF EXISTS orders CASCADE;
