#!/usr/bin/env bash
# The public header stands alone, like libgit2's headertest: each header of
# include/pgmigrate compiles as the only include of a translation unit, as
# C99 and as C++11, with -pedantic and warnings as errors; included twice it
# still compiles; from C++ its functions keep their C names (extern "C").
. "$(dirname "$0")/lib.sh"

CC=${CC:-cc}
CXX=${CXX:-c++}
check() { CHECKS=$((CHECKS + 1)); }
for tool in "$CC" "$CXX" nm; do
    command -v "$tool" >/dev/null 2>&1 && continue
    [ "${CI:-}" = true ] && fail "$tool is not installed (scripts/deps.sh installs it)"
    echo "note: $tool is not installed: the header test is skipped" >&2
    exit 0
done

headers=("$PGM_SRC"/include/pgmigrate/*.h)
[ -e "${headers[0]}" ] || fail "no public header under include/pgmigrate"
for h in "${headers[@]}"; do
    name=pgmigrate/$(basename "$h")
    printf '#include <%s>\n#include <%s>\nint pgm_headertest(void);\nint pgm_headertest(void) { return (int)sizeof(pgm_options); }\n' \
        "$name" "$name" > t.c
    cp t.c t.cpp
    RC=0; OUT=$("$CC" -std=c99 -pedantic -Wall -Wextra -Werror -Wstrict-prototypes -I "$PGM_SRC/include" -c t.c -o t_c.o 2>&1) || RC=$?
    [ "$RC" = 0 ] || fail "$name does not compile alone as C99 -pedantic"
    check
    RC=0; OUT=$("$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -I "$PGM_SRC/include" -c t.cpp -o t_cxx.o 2>&1) || RC=$?
    [ "$RC" = 0 ] || fail "$name does not compile alone as C++11 -pedantic"
    check
    # a C++ caller must reach the C library's symbols by their C names
    printf '#include <%s>\nint call(void);\nint call(void) { return pgm_ctx_new(0, 0); }\n' "$name" > c.cpp
    RC=0; OUT=$("$CXX" -std=c++11 -I "$PGM_SRC/include" -c c.cpp -o c.o 2>&1) || RC=$?
    [ "$RC" = 0 ] || fail "a C++ call into $name does not compile"
    OUT=$(nm c.o)
    echo "$OUT" | grep -qE ' U _?pgm_ctx_new$' || fail "from C++, $name's pgm_ctx_new is not a C symbol (extern \"C\" missing?)"
    check
done
