-- 000009_create_reviews_table.down.sql
-- Reverts 000009: drops the reviews table; its two indexes are dropped with it.
DROP TABLE IF EXISTS reviews CASCADE;
