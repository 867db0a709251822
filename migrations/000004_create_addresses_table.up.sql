-- 000004_create_addresses_table.up.sql
-- Creates the address book: each user keeps shipping and billing addresses that
-- checkout can pick from. Addresses belong to their user and go when the user goes.
CREATE TABLE IF NOT EXISTS addresses (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address_type VARCHAR(20) NOT NULL DEFAULT 'shipping' CHECK (address_type IN ('shipping', 'billing')),
    recipient_name VARCHAR(200) NOT NULL,
    line1 VARCHAR(255) NOT NULL,
    line2 VARCHAR(255),
    city VARCHAR(100) NOT NULL,
    state VARCHAR(100),
    postal_code VARCHAR(20) NOT NULL,
    country_code VARCHAR(2) NOT NULL CHECK (char_length(country_code) = 2),
    phone VARCHAR(32),
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Foreign key index: loads a user's address book and speeds up ON DELETE CASCADE.
CREATE INDEX IF NOT EXISTS idx_addresses_user_id ON addresses(user_id);
