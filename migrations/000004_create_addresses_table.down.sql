-- 000004_create_addresses_table.down.sql
-- Reverts 000004: drops the index it created, then the addresses table itself.
-- CASCADE removes foreign keys that later tables (orders) may still hold on addresses.
DROP INDEX IF EXISTS idx_addresses_user_id;
DROP TABLE IF EXISTS addresses CASCADE;
