-- 000008_create_payments_table.down.sql
-- Reverts 000008: drops the indexes it created, then the payments table itself.
DROP INDEX IF EXISTS idx_payments_status;
DROP INDEX IF EXISTS idx_payments_order_id;
DROP TABLE IF EXISTS payments CASCADE;
