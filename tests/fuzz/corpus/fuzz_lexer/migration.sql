CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TABLE users IS 'people; who log in';
INSERT INTO users (email) VALUES ('a@b.c') ON CONFLICT DO NOTHING;
DO $$ BEGIN RAISE NOTICE 'x;y'; END $$;
