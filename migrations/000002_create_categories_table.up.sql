-- 000002_create_categories_table.up.sql
-- Creates the product category tree. parent_id points back at categories so that
-- sub-categories can be nested; a deleted parent leaves its children at the top level.
-- slug is the URL-safe name used in storefront links, so it must be UNIQUE.
CREATE TABLE IF NOT EXISTS categories (
    id SERIAL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    slug VARCHAR(120) NOT NULL UNIQUE,
    description TEXT,
    parent_id INTEGER REFERENCES categories(id) ON DELETE SET NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
-- Foreign key index: lists the children of a category and speeds up ON DELETE SET NULL.
CREATE INDEX IF NOT EXISTS idx_categories_parent_id ON categories(parent_id);
