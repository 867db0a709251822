-- 000008_create_payments_table.up.sql
-- Creates payments: each attempt to pay for an order (an order may have several,
-- e.g. a failed card then a successful one). Payments are financial records, so an
-- order that has payments cannot be deleted (RESTRICT). The provider's transaction
-- id is UNIQUE so the same webhook cannot be recorded twice.
CREATE TABLE IF NOT EXISTS payments (
    id SERIAL PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE RESTRICT,
    amount NUMERIC(12,2) NOT NULL CHECK (amount > 0),
    currency VARCHAR(3) NOT NULL DEFAULT 'USD',
    method VARCHAR(30) NOT NULL CHECK (method IN ('credit_card', 'debit_card', 'paypal', 'bank_transfer', 'cash_on_delivery')),
    status VARCHAR(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'authorized', 'captured', 'failed', 'refunded', 'cancelled')),
    provider VARCHAR(50),
    transaction_id VARCHAR(255) UNIQUE,
    paid_at TIMESTAMP,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
-- Foreign key index: lists an order's payments and enforces RESTRICT cheaply.
CREATE INDEX IF NOT EXISTS idx_payments_order_id ON payments(order_id);
-- Reconciliation jobs look for payments by status (e.g. stuck 'pending' ones).
CREATE INDEX IF NOT EXISTS idx_payments_status ON payments(status);
