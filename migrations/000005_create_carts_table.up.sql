-- 000005_create_carts_table.up.sql
-- Creates shopping carts and their line items. A cart belongs to a user and is
-- 'active' until checkout converts it into an order (or it is abandoned).
-- A user may have at most one active cart, and a product appears once per cart.
CREATE TABLE IF NOT EXISTS carts (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'converted', 'abandoned')),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Foreign key index: finds a user's carts and speeds up ON DELETE CASCADE.
CREATE INDEX IF NOT EXISTS idx_carts_user_id ON carts(user_id);
-- Business rule: only one active cart per user (partial unique index).
CREATE UNIQUE INDEX IF NOT EXISTS idx_carts_user_id_active ON carts(user_id) WHERE status = 'active';

CREATE TABLE IF NOT EXISTS cart_items (
    id SERIAL PRIMARY KEY,
    cart_id INTEGER NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (cart_id, product_id)
);
-- Foreign key indexes: load a cart's items, and find carts holding a product.
CREATE INDEX IF NOT EXISTS idx_cart_items_cart_id ON cart_items(cart_id);
CREATE INDEX IF NOT EXISTS idx_cart_items_product_id ON cart_items(product_id);
