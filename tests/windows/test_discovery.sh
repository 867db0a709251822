#!/usr/bin/env bash
# Where pgmigrate.exe finds libpq.dll (and psql.exe) with an empty PATH: the EDB registry key,
# the default install path on D:, --pg-bin, PGMIGRATE_PG_BIN; and what works with no
# libpq.dll anywhere (--version, help, new, env), and how its absence is reported.
# This test owns the bare prefix's D: mapping and registry key: it adds them for a while.
. "$(dirname "$0")/lib.sh"

APP_DIR=$(winpath "$PGM_WIN_DIR/app")
D_BIN_UNIX="$WIN_DDRIVE/Program Files/PostgreSQL/18/bin"
# the places of `env --json` (the first N), one per line: source|dir|version|service|psql|libpq
places() {
    jfield '"\n".join("%s|%s|%s|%s|%s|%s" % (p["source"], p["dir"], p["version"], p["service"], p["psql"], p["libpq"]) for p in o["pg_places"][:'"${1:-}"'])'
}
mig 000001 disc "CREATE TABLE disc (id int);" "DROP TABLE disc;"

# ---------------------------------------------------------------- the installed machine, PATH empty
pgm env --json
expect_rc 0
expect_eq "$(places)" "exe folder|$APP_DIR|None|None|False|False
registry|$WIN_REG_BIN|18.1|$WIN_SERVICE|False|True
default|$WIN_D_BIN|18|None|True|True" "pg_places: exe folder, registry, D: default, nothing from PATH"
pgm env
expect_rc 0
expect_contains "$OUT" "  registry          $WIN_REG_BIN  (PostgreSQL 18.1)  libpq"$'\n'"                      service $WIN_SERVICE"
expect_contains "$OUT" "  default           $WIN_D_BIN  (PostgreSQL 18)  psql  libpq"
# libpq.dll comes from the first place that has it: the registry's folder
pgm up
expect_rc 0
expect_contains "$OUT" "applied  000001_disc"
expect_eq "$(tracked)" "1|f"
pgm down
expect_rc 0
expect_eq "$(tracked)" "" "down through the registry's libpq"

# --pg-bin and PGMIGRATE_PG_BIN come first, in that order (Z: paths of the Linux folder)
PKG_BIN=$(winpath "$WIN_DDRIVE/Program Files/PostgreSQL/18/bin")
PGMIGRATE_PG_BIN=$(winpath "$PGM_WIN_DIR/app") pgm --pg-bin "$PKG_BIN" env --json
expect_rc 0
expect_eq "$(places 3)" "--pg-bin|$PKG_BIN|None|None|True|True
PGMIGRATE_PG_BIN|$APP_DIR|None|None|False|False
registry|$WIN_REG_BIN|18.1|$WIN_SERVICE|False|True" "--pg-bin, then PGMIGRATE_PG_BIN (the exe folder, listed once)"
pgm --pg-bin "$PKG_BIN" up
expect_rc 0
expect_eq "$(tracked)" "1|f" "up with --pg-bin"
pgm down
expect_rc 0

# ---------------------------------------------------------------- no libpq.dll anywhere (bare prefix)
# a fresh copy of pgmigrate.exe alone in its folder, no D:, no registry key, PATH empty
pgm_bare --version
expect_rc 0
expect_contains "$OUT" "pgmigrate " "--version"
expect_eq "$ERR" "" "--version stderr"
pgm_bare help
expect_rc 0
expect_contains "$OUT" "Usage: pgmigrate [options] <command> [arguments]"
pgm_bare new create_orders
expect_rc 0
expect_contains "$OUT" "created migrations\\000002_create_orders.up.sql"
[ -f migrations/000002_create_orders.up.sql ] && [ -f migrations/000002_create_orders.down.sql ] ||
    fail "new without libpq did not create its files"
CHECKS=$((CHECKS + 1))
rm -f migrations/000002_create_orders.*
pgm_bare --pg-bin 'Z:\nowhere\at\all' new create_orders
expect_rc 0
expect_contains "$OUT" "000002_create_orders.down.sql" "new with --pg-bin pointing nowhere"
rm -f migrations/000002_create_orders.*
# lint reads files only: no libpq needed either
pgm_bare lint --format gcc
expect_rc 0
expect_contains "$OUT" "migrations\\000001_disc.up.sql:1:1: warning: CREATE TABLE disc without IF NOT EXISTS fails when the table already exists [PGM001]"
expect_contains "$OUT" "migrations\\000001_disc.down.sql:1:1: warning: DROP TABLE disc without IF EXISTS"
pgm_bare lint --json --disable PGM001,PGM002,PGM006
expect_rc 0
expect_eq "$(jget summary errors):$(jget summary warnings)" "0:0" "lint --disable without libpq"
pgm_bare env --json
expect_rc 0
expect_eq "$(places)" "exe folder|$APP_DIR|None|None|False|False" "pg_places without PostgreSQL"
pgm_bare up
expect_rc 5
expect_contains "$ERR" "error: could not load libpq"
expect_contains "$ERR" "DETAIL: libpq.dll was not found"
expect_contains "$ERR" "--pg-bin DIR" "hint"
pgm_bare up --json
expect_rc 5
expect_eq "$(jget error code)" connection
pgm_bare psql -c '\dt'
expect_rc 1
expect_contains "$ERR" "psql.exe was not found"
expect_contains "$ERR" "--pg-bin DIR" "psql hint"
pgm_bare --pg-bin 'Z:\nowhere\at\all' up
expect_rc 5
expect_contains "$ERR" "could not load libpq" "--pg-bin pointing nowhere"
# PGMIGRATE_PG_BIN alone is enough
PGMIGRATE_PG_BIN=$PKG_BIN pgm_bare up
expect_rc 0
expect_eq "$(tracked)" "1|f" "up with PGMIGRATE_PG_BIN"
PGMIGRATE_PG_BIN=$PKG_BIN pgm_bare down
expect_rc 0

# ---------------------------------------------------------------- the registry alone
REG_KEY='HKLM\SOFTWARE\PostgreSQL\Installations\postgresql-x64-18'
on_exit "WINEPREFIX='$WIN_BARE' wine reg delete 'HKLM\\SOFTWARE\\PostgreSQL' /f >/dev/null 2>&1"
on_exit "rm -f '$WIN_BARE/dosdevices/d:'"
REG_BASE=$(winpath "$WIN_DDRIVE/Program Files/PostgreSQL/18")
WINEPREFIX=$WIN_BARE wine reg add "$REG_KEY" /v "Base Directory" /t REG_SZ /d "$REG_BASE" /f >/dev/null
WINEPREFIX=$WIN_BARE wine reg add "$REG_KEY" /v "Version" /t REG_SZ /d "18.1" /f >/dev/null
# an older install listed too: the newest version comes first
WINEPREFIX=$WIN_BARE wine reg add 'HKLM\SOFTWARE\PostgreSQL\Installations\postgresql-x64-16' \
    /v "Base Directory" /t REG_SZ /d 'C:\Program Files\PostgreSQL\16' /f >/dev/null
WINEPREFIX=$WIN_BARE wine reg add 'HKLM\SOFTWARE\PostgreSQL\Installations\postgresql-x64-16' \
    /v "Version" /t REG_SZ /d "16.4" /f >/dev/null
pgm_bare env --json
expect_rc 0
expect_eq "$(places)" "exe folder|$APP_DIR|None|None|False|False
registry|$REG_BASE\\bin|18.1|None|True|True
registry|C:\\Program Files\\PostgreSQL\\16\\bin|16.4|None|False|False" "pg_places with the registry only"
pgm_bare up
expect_rc 0
expect_eq "$(tracked)" "1|f" "up through the registry alone"
pgm_bare down
expect_rc 0
WINEPREFIX=$WIN_BARE wine reg delete 'HKLM\SOFTWARE\PostgreSQL' /f >/dev/null

# ---------------------------------------------------------------- the D: default alone
ln -sfn "$WIN_DDRIVE" "$WIN_BARE/dosdevices/d:"
pgm_bare env --json
expect_rc 0
expect_eq "$(places)" "exe folder|$APP_DIR|None|None|False|False
default|$WIN_D_BIN|18|None|True|True" "pg_places with D: only"
pgm_bare up
expect_rc 0
expect_eq "$(tracked)" "1|f" "up through D:\\Program Files\\PostgreSQL\\18\\bin alone"
pgm_bare status
expect_rc 0
expect_contains "$OUT" "applied  000001  disc"
rm -f "$WIN_BARE/dosdevices/d:"
pgm_bare status
expect_rc 5
expect_contains "$ERR" "could not load libpq" "D: unmapped again"

# ---------------------------------------------------------------- the C: default alone, and a version above 16.9
# C:\Program Files\PostgreSQL\17\bin (a link to the package's bin folder); two more registry
# installs whose versions sort as numbers: 16.10 is newer than 16.9
C_PG="$WIN_BARE/drive_c/Program Files/PostgreSQL"
on_exit "rm -rf '$C_PG'"
mkdir -p "$C_PG/17"
ln -sfn "$D_BIN_UNIX" "$C_PG/17/bin"
for v in 16.9 16.10; do
    WINEPREFIX=$WIN_BARE wine reg add "HKLM\\SOFTWARE\\PostgreSQL\\Installations\\pg-$v" \
        /v "Base Directory" /t REG_SZ /d "C:\\nothing\\$v" /f >/dev/null
    WINEPREFIX=$WIN_BARE wine reg add "HKLM\\SOFTWARE\\PostgreSQL\\Installations\\pg-$v" \
        /v "Version" /t REG_SZ /d "$v" /f >/dev/null
done
pgm_bare env --json
expect_rc 0
expect_eq "$(places)" "exe folder|$APP_DIR|None|None|False|False
registry|C:\\nothing\\16.10\\bin|16.10|None|False|False
registry|C:\\nothing\\16.9\\bin|16.9|None|False|False
default|C:\\Program Files\\PostgreSQL\\17\\bin|17|None|True|True" "registry newest first (16.10 before 16.9), then the C: default"
pgm_bare up
expect_rc 0
expect_eq "$(tracked)" "1|f" "up through C:\\Program Files\\PostgreSQL\\17\\bin alone"
pgm_bare down
expect_rc 0
WINEPREFIX=$WIN_BARE wine reg delete 'HKLM\SOFTWARE\PostgreSQL' /f >/dev/null
rm -rf "$C_PG"

# ---------------------------------------------------------------- PATH alone
# the last step: a PATH folder that holds libpq.dll (wine puts WINEPATH in front of PATH)
WINEPATH=$PKG_BIN pgm_bare env --json
expect_rc 0
expect_eq "$(places)" "exe folder|$APP_DIR|None|None|False|False
PATH|$PKG_BIN|None|None|True|True" "pg_places with PATH only"
WINEPATH=$PKG_BIN pgm_bare up
expect_rc 0
expect_eq "$(tracked)" "1|f" "up through a PATH folder"
WINEPATH=$PKG_BIN pgm_bare doctor
expect_contains "$OUT" "detail: loaded from $PKG_BIN\\libpq.dll; folders holding libpq.dll, in search order: $PKG_BIN (PATH)" \
    "doctor names the file loaded and where it came from"
WINEPATH=$PKG_BIN pgm_bare down
expect_rc 0
