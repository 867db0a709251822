#!/usr/bin/env bash
# Paths with spaces, an apostrophe and non-ASCII letters: a project in "Zoë's project"
# (under wine: Z:\...\Zoë's project\ecommerce-backend), used as the current folder, through
# --path and --env-file as Windows paths, with migration names in Spanish; `new` writes there.
. "$(dirname "$0")/lib.sh"

PROJ="$WORK/Zoë's project/ecommerce-backend"
mkdir -p "$PROJ/migrations"
WPROJ=$(winpath "$PROJ")
case "$WPROJ" in Z:\\*"\\Zoë's project\\ecommerce-backend") ;; *) fail "winpath: $WPROJ" ;; esac
ls_migrations() { (cd "$PROJ/migrations" && LC_ALL=C ls | tr '\n' ' '); }

# ---------------------------------------------------------------- the project folder as the current folder
cd "$PROJ"
mig 000001 create_products "CREATE TABLE products (id int, name text DEFAULT 'Zoë''s café');" "DROP TABLE products;"
mig 000002 añadir_reseñas "-- reseñas de los clientes
CREATE TABLE reseñas (id int, texto text);" "DROP TABLE reseñas;"
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000001_create_products"
expect_contains "$OUT" "applied  000002_añadir_reseñas"
expect_eq "$(tracked)" "2|f"
expect_eq "$(q "SELECT name FROM products WHERE false UNION ALL SELECT column_default FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'name'")" \
    "'Zoë''s café'::text" "the default, in UTF-8"
table_exists "reseñas" || fail "table reseñas missing"
pgm status
expect_rc 0
expect_contains "$OUT" "applied  000002  añadir_reseñas"
pgm status --json
expect_rc 0
expect_eq "$(jget status migrations.1.name)" "añadir_reseñas" "status --json name"

pgm new add_reviews_index
expect_rc 0
expect_eq "$OUT" "created migrations\\000003_add_reviews_index.up.sql
created migrations\\000003_add_reviews_index.down.sql"
expect_eq "$(ls_migrations)" "000001_create_products.down.sql 000001_create_products.up.sql 000002_añadir_reseñas.down.sql 000002_añadir_reseñas.up.sql 000003_add_reviews_index.down.sql 000003_add_reviews_index.up.sql " "files after new"
printf 'CREATE INDEX idx_reseñas ON reseñas (id);\n' >migrations/000003_add_reviews_index.up.sql
printf 'DROP INDEX idx_reseñas;\n' >migrations/000003_add_reviews_index.down.sql
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000003_add_reviews_index"
pgm down
expect_rc 0
expect_contains "$OUT" "reverted 000003_add_reviews_index"

# ---------------------------------------------------------------- below the project folder: cmd\migrate
mkdir -p "$PROJ/cmd/migrate"
cd "$PROJ/cmd/migrate"
pgm env
expect_rc 0
expect_contains "$OUT" "path:      ..\\..\\migrations  (from a parent folder)"
pgm status
expect_rc 0
expect_contains "$OUT" "applied  000002  añadir_reseñas"
pgm new from_below
expect_rc 0
expect_eq "$OUT" "created ..\\..\\migrations\\000004_from_below.up.sql
created ..\\..\\migrations\\000004_from_below.down.sql" "new below the project folder"
[ -f "$PROJ/migrations/000004_from_below.up.sql" ] || fail "new below the project folder: $(ls_migrations)"
CHECKS=$((CHECKS + 1))
rm "$PROJ"/migrations/000004_from_below.*
rm -rf "$PROJ/cmd"
cd "$PROJ"

# ---------------------------------------------------------------- from another folder: --path Z:\...\Zoë's project\...
cd "$WORK"
rm -rf migrations
pgm --path "$WPROJ\\migrations" status
expect_rc 0
expect_contains "$OUT" "applied  000002  añadir_reseñas"
expect_contains "$OUT" "pending  000003  add_reviews_index"
pgm --path "$WPROJ\\migrations" new "add_price_index"
expect_rc 0
expect_eq "$OUT" "created $WPROJ\\migrations\\000004_add_price_index.up.sql
created $WPROJ\\migrations\\000004_add_price_index.down.sql" "new through --path"
[ -f "$PROJ/migrations/000004_add_price_index.up.sql" ] && [ -f "$PROJ/migrations/000004_add_price_index.down.sql" ] ||
    fail "new --path did not create its files in $PROJ/migrations: $(ls_migrations)"
CHECKS=$((CHECKS + 1))
printf 'SELECT 1;\n' >"$PROJ/migrations/000004_add_price_index.up.sql"
printf 'SELECT 1;\n' >"$PROJ/migrations/000004_add_price_index.down.sql"
pgm --path "$WPROJ\\migrations" up
expect_rc 0
expect_contains "$OUT" "applied  000004_add_price_index"
expect_eq "$(tracked)" "4|f"
# an error in a file there: the position names the Windows path, letters intact
printf -- '-- ¡otra migración!\r\nALTER TABLE reseñas ADD COLUMN estrellas int CHECK (estrellas BETWEEN 1 AND 5)),\r\n' \
    >"$PROJ/migrations/000005_estrellas.up.sql"
pgm --path "$WPROJ\\migrations" up
expect_rc 1
expect_contains "$ERR" "$WPROJ\\migrations\\000005_estrellas.up.sql:2:" "error position in Zoë's project"
expect_contains "$ERR" "     2 | ALTER TABLE reseñas ADD COLUMN"
pgm --path "$WPROJ\\migrations" up --json
expect_rc 1
expect_eq "$(jget error file)" "$WPROJ\\migrations\\000005_estrellas.up.sql" "json file"
rm -f "$PROJ/migrations/000005_estrellas.up.sql"

# ---------------------------------------------------------------- --env-file in that folder, PGMIGRATE_PATH in it
unset DATABASE_URL
printf '%s\r\n' "# the project's settings" \
    "DATABASE_URL='postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/${DB}?sslmode=disable'" \
    "PGMIGRATE_PATH=$WPROJ\\migrations" >"$PROJ/.env"
pgm --env-file "$WPROJ\\.env" env --json
expect_rc 0
expect_eq "$(jfield 'o["env_file"]')" "$WPROJ\\.env" "env_file"
expect_eq "$(jfield 'o["path"]')" "$WPROJ\\migrations" "path from the .env in Zoë's project"
expect_eq "$(jfield 'o["database_from"]')" ".env"
pgm --env-file "$WPROJ\\.env" down 2
expect_rc 0
expect_contains "$OUT" "reverted 000004_add_price_index"
expect_contains "$OUT" "reverted 000003_add_reviews_index"
expect_eq "$(tracked)" "2|f" "down 2 through --env-file"
# the .env of the current folder, found without --env-file
cd "$PROJ"
pgm status
expect_rc 0
expect_contains "$OUT" "version:  2"
pgm down --all
expect_rc 0
expect_eq "$(tracked)" "" "down --all from Zoë's project"
