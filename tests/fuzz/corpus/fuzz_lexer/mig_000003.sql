-- 000003_create_products_table.up.sql
-- Creates the product catalogue. sku is the stock-keeping code shared with the
-- warehouse, so it is UNIQUE; price and stock can never go negative.
-- Deleting a category leaves its products uncategorised instead of deleting them.
CREATE TABLE IF NOT EXISTS products (
    id SERIAL PRIMARY KEY,
    category_id INTEGER REFERENCES categories(id) ON DELETE SET NULL,
    sku VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    price NUMERIC(12,2) NOT NULL CHECK (price >= 0),
    stock_quantity INTEGER NOT NULL DEFAULT 0 CHECK (stock_quantity >= 0),
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Foreign key index: category listing pages filter products by category_id.
CREATE INDEX IF NOT EXISTS idx_products_category_id ON products(category_id);
