#!/usr/bin/env bash
# Hostile files for pgmigrate.exe under wine (issue 15): a device name as the env file (NUL)
# is refused at once (GetFileType is not FILE_TYPE_DISK); a UTF-16 migration, as Windows
# PowerShell 5.1's `>` and Out-File write it, and one with a NUL byte are refused with their
# own file:line:col and nothing of the batch runs.
. "$(dirname "$0")/lib.sh"

pgm --env-file NUL validate --offline
expect_rc 1
expect_contains "$ERR" 'could not read the env file "NUL"' "--env-file NUL"
expect_contains "$ERR" "it is a character device (such as NUL or CON), not a regular file" "--env-file NUL"

mig 000001 a "CREATE TABLE a (x int);"
printf 'CREATE TABLE b (x int);\r\n' | iconv -f UTF-8 -t UTF-16 >migrations/000002_b.up.sql
pgm up
expect_rc 6
expect_contains "$ERR" 'migrations\000002_b.up.sql:1:1: error: the file is UTF-16, not UTF-8' "UTF-16"
expect_contains "$ERR" "PowerShell 5.1" "UTF-16: where it comes from"
expect_eq "$(tracked)" "" "UTF-16: nothing of the batch ran"
printf 'CREATE TABLE b (x int) \0;\r\n' >migrations/000002_b.up.sql
pgm up
expect_rc 6
expect_contains "$ERR" 'migrations\000002_b.up.sql:1:24: error: the file has a NUL byte' "NUL byte"
expect_eq "$(tracked)" "" "NUL byte: nothing of the batch ran"
