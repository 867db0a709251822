#!/usr/bin/env bash
# pg.sh - a private, throw-away PostgreSQL server for pgmigrate's tests.
#   pg.sh start DIR [--bin BINDIR] [--port PORT]   initdb DIR/data if needed, start on
#          127.0.0.1 (free port 20000-60000 unless --port), write DIR/pg.env, print the port
#   pg.sh stop DIR                                  stop it (never fails), remove DIR/pg.env
#   pg.sh psql DIR [psql args...]                   psql against it (password via PGPASSWORD)
#   pg.sh createdb DIR NAME                         (re)create database NAME (dropped first)
# BINDIR defaults to $PG15_BIN, else /usr/lib/postgresql/15/bin. As root the server runs as
# the OS user 'postgres' (or a system user 'pgmigrate', created when needed).
# Env: PGM_TEST_PASSWORD (default pgm-secret-pw), PGM_PG_FSYNC (default off).
set -euo pipefail

PW=${PGM_TEST_PASSWORD:-pgm-secret-pw}
DEFAULT_BIN=${PG15_BIN:-/usr/lib/postgresql/15/bin}

log() { echo "pg.sh: $*" >&2; }
die() { echo "pg.sh: ERROR: $*" >&2; exit 1; }
usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# run_as USER CMD...: run CMD as USER (as yourself when USER is empty), from a
# directory USER can enter.
run_as() {
    local user=$1; shift
    if [ -n "$user" ]; then
        (cd / && runuser -u "$user" -- "$@")
    else
        "$@"
    fi
}

# client_tool NAME: NAME from BINDIR when it has it (the npm PG18 has only
# postgres/initdb/pg_ctl), else the system's newest, else whatever is on PATH.
client_tool() {
    local name=$1 d
    if [ -n "${BINDIR:-}" ] && [ -x "$BINDIR/$name" ]; then echo "$BINDIR/$name"; return; fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5nr); do
        if [ -x "$d/$name" ]; then echo "$d/$name"; return; fi
    done
    command -v "$name" || die "$name not found (run scripts/deps.sh)"
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
    local st
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

port_in_use() {
    local p=$1
    if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
        return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
}

pick_port() {
    local i p
    for i in $(seq 1 200); do
        p=$(( 20000 + ((RANDOM << 15) | RANDOM) % 40001 ))
        port_in_use "$p" || { echo "$p"; return; }
    done
    die "no free port found in 20000-60000"
}

# The OS user the server runs as: '' when not root.
server_osuser() {
    is_root || { echo ""; return; }
    if getent passwd postgres >/dev/null; then echo postgres; return; fi
    if ! getent passwd pgmigrate >/dev/null; then
        log "creating system user pgmigrate to run PostgreSQL"
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pgmigrate
    fi
    echo pgmigrate
}

# check_reachable USER PATH: every directory from / down to PATH must be enterable by USER.
check_reachable() {
    local user=$1 path=$2 d="" part
    [ -n "$user" ] || return 0
    local IFS=/
    for part in $path; do
        [ -n "$part" ] || continue
        d="$d/$part"
        runuser -u "$user" -- test -x "$d" ||
            die "directory $d is not traversable by OS user '$user' (which runs the server); fix with: chmod o+x '$d'"
    done
}

absdir() { mkdir -p "$1" && (cd "$1" && pwd -P); }

# Values of an existing DIR/pg.env, read in a subshell so nothing leaks.
env_value() { [ -f "$DIR/pg.env" ] && (set +u; . "$DIR/pg.env"; eval "printf '%s' \"\${$1:-}\""); }

# env_line NAME VALUE: an export line; VALUE single-quoted unless it is plainly safe.
env_line() {
    if [[ $2 =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
        printf 'export %s=%s\n' "$1" "$2"
    else
        printf "export %s='%s'\n" "$1" "${2//\'/\'\\\'\'}"
    fi
}

write_env() {
    local port=$1 pid osuser=$2 sockdir=$3 tmp="$DIR/pg.env.tmp"
    pid=$(head -n1 "$DIR/data/postmaster.pid")
    {
        echo "# written by scripts/pg.sh start; source it"
        env_line PGM_PG_BIN "$BINDIR"
        env_line PGM_PG_DATA "$DIR/data"
        env_line PGM_PG_PID "$pid"
        env_line PGHOST 127.0.0.1
        env_line PGPORT "$port"
        env_line PGUSER postgres
        env_line PGM_TEST_PASSWORD "$PW"
        env_line PGM_PG_OSUSER "$osuser"
        env_line PGM_PG_SOCKDIR "$sockdir"
        env_line TEST_DATABASE_URL "postgres://postgres:$(urlencode "$PW")@127.0.0.1:$port/postgres?sslmode=disable"
    } > "$tmp"
    mv "$tmp" "$DIR/pg.env"
}

urlencode() {
    local s=$1 out="" c i
    for (( i = 0; i < ${#s}; i++ )); do
        c=${s:i:1}
        case "$c" in
            [a-zA-Z0-9.~_-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

cmd_start() {
    local port="" osuser sockdir fresh=0 opts log attempt
    BINDIR=$DEFAULT_BIN
    while [ $# -gt 0 ]; do
        case "$1" in
            --bin) [ $# -ge 2 ] || usage; BINDIR=$2; shift 2 ;;
            --port) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
            *) die "start: unknown argument '$1'" ;;
        esac
    done
    [ -d "$BINDIR" ] || die "BINDIR $BINDIR does not exist (run scripts/deps.sh)"
    BINDIR=$(cd "$BINDIR" && pwd -P)
    local b
    for b in initdb pg_ctl postgres; do
        [ -x "$BINDIR/$b" ] || die "$BINDIR/$b not found or not executable"
    done
    local isready; isready=$(client_tool pg_isready)

    # Already running? Then just report the port.
    if [ -f "$DIR/pg.env" ]; then
        local oldport oldpid
        oldport=$(env_value PGPORT); oldpid=$(env_value PGM_PG_PID)
        if pid_alive "$oldpid" && [ -n "$oldport" ] &&
           "$isready" -q -t 3 -h 127.0.0.1 -p "$oldport" >/dev/null 2>&1; then
            echo "$oldport"
            return 0
        fi
        log "stale $DIR/pg.env (server not running); starting again"
        rm -f "$DIR/pg.env"
    fi

    osuser=$(server_osuser)
    if [ -n "$osuser" ]; then
        check_reachable "$osuser" "$DIR"
        chown -R "$osuser:" "$DIR"
        run_as "$osuser" test -x "$BINDIR/postgres" ||
            die "$BINDIR/postgres is not executable by OS user '$osuser' (chmod -R a+rX the install and make its parents traversable)"
    fi

    # Unix socket directory: DIR itself unless its path is too long for a socket name.
    sockdir=$DIR
    if [ "${#DIR}" -gt 80 ]; then
        sockdir=$(cat "$DIR/sockdir" 2>/dev/null || true)
        if [ -z "$sockdir" ] || [ ! -d "$sockdir" ]; then
            sockdir=$(mktemp -d /tmp/pgm-sock.XXXXXX)
            echo "$sockdir" > "$DIR/sockdir"
        fi
        chmod 755 "$sockdir"
        if [ -n "$osuser" ]; then chown "$osuser:" "$sockdir" "$DIR/sockdir"; fi
    fi

    if [ ! -f "$DIR/data/PG_VERSION" ]; then
        fresh=1
        rm -rf "$DIR/data"
        local pwfile="$DIR/.pwfile"
        (umask 077; printf '%s\n' "$PW" > "$pwfile")
        if [ -n "$osuser" ]; then chown "$osuser:" "$pwfile"; fi
        log "initdb $DIR/data ($("$BINDIR/postgres" --version))"
        if ! run_as "$osuser" "$BINDIR/initdb" -D "$DIR/data" -U postgres \
                --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" \
                -E UTF8 --locale=C > "$DIR/initdb.log" 2>&1; then
            rm -f "$pwfile"
            cat "$DIR/initdb.log" >&2
            die "initdb failed (see $DIR/initdb.log)"
        fi
        rm -f "$pwfile"
    elif run_as "$osuser" "$BINDIR/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
        log "a server is already running on $DIR/data without pg.env; stopping it first"
        run_as "$osuser" "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    fi

    log=$DIR/server.log
    for attempt in 1 2 3; do
        local p=${port:-$(pick_port)}
        opts="-c listen_addresses=127.0.0.1 -c port=$p"
        opts+=" -c unix_socket_directories=$(printf %q "$sockdir")"
        opts+=" -c fsync=${PGM_PG_FSYNC:-off} -c max_connections=60 -c shared_buffers=32MB"
        opts+=" -c log_min_messages=warning"
        : > "$log"
        if [ -n "$osuser" ]; then chown "$osuser:" "$log"; fi
        if run_as "$osuser" "$BINDIR/pg_ctl" -D "$DIR/data" -l "$log" -o "$opts" -w -t 60 start >&2; then
            port=$p
            break
        fi
        # A port picked by us may have been taken in the meantime: try another.
        if [ -z "$port" ] && [ "$attempt" -lt 3 ] && grep -q 'could not bind\|could not create any TCP/IP sockets' "$log"; then
            log "port $p was taken; retrying on another port"
            continue
        fi
        echo "---- tail of $log ----" >&2
        tail -n 40 "$log" >&2 || true
        die "PostgreSQL failed to start in $DIR/data"
    done

    # An existing cluster may have been made with another password: make it the current one.
    if [ "$fresh" = 0 ]; then
        local psql; psql=$(client_tool psql)
        printf '%s\n' "ALTER ROLE postgres PASSWORD :'pw'" |
            PGPASSWORD= "$psql" -X -q -v ON_ERROR_STOP=1 -v pw="$PW" \
                -h "$sockdir" -p "$port" -U postgres -d postgres >/dev/null ||
            die "could not set the password of role postgres"
    fi

    write_env "$port" "$osuser" "$sockdir"
    log "PostgreSQL running: 127.0.0.1:$port, data $DIR/data, env $DIR/pg.env"
    echo "$port"
}

cmd_stop() {
    [ -d "$DIR" ] || return 0
    local pid="" osuser="" bindir sockdir=""
    bindir=$DEFAULT_BIN
    if [ -f "$DIR/pg.env" ]; then
        pid=$(env_value PGM_PG_PID); osuser=$(env_value PGM_PG_OSUSER)
        bindir=$(env_value PGM_PG_BIN); sockdir=$(env_value PGM_PG_SOCKDIR)
    fi
    if [ -f "$DIR/data/postmaster.pid" ]; then
        [ -n "$pid" ] || pid=$(head -n1 "$DIR/data/postmaster.pid" 2>/dev/null || true)
        if is_root && [ -z "$osuser" ]; then
            osuser=$(stat -c %U "$DIR/data")
            [ "$osuser" != root ] || osuser=""
        fi
        if [ -x "$bindir/pg_ctl" ] &&
           run_as "$osuser" "$bindir/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >&2; then
            # pg_ctl returns once postmaster.pid is gone; give the process a moment to exit.
            local j
            for j in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
        fi
    fi
    if pid_alive "$pid" && grep -q '^postgres' "/proc/$pid/comm" 2>/dev/null; then
        log "pg_ctl stop did not stop it; killing postmaster $pid"
        kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.2; done
        if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$DIR/pg.env"
    case "$sockdir" in
        /tmp/pgm-sock.*) rm -rf "$sockdir"; rm -f "$DIR/sockdir" ;;
    esac
    if [ -f "$DIR/sockdir" ]; then
        sockdir=$(cat "$DIR/sockdir")
        case "$sockdir" in /tmp/pgm-sock.*) rm -rf "$sockdir" ;; esac
        rm -f "$DIR/sockdir"
    fi
    return 0
}

# Load DIR/pg.env for the client commands.
load_env() {
    [ -f "$DIR/pg.env" ] || die "no server running in $DIR (no $DIR/pg.env); run: pg.sh start $DIR"
    # shellcheck disable=SC1091
    . "$DIR/pg.env"
    BINDIR=$PGM_PG_BIN
    export PGPASSWORD=$PGM_TEST_PASSWORD PGDATABASE=${PGDATABASE:-postgres}
}

cmd_psql() {
    load_env
    local psql; psql=$(client_tool psql)
    exec "$psql" -X "$@"
}

cmd_createdb() {
    [ $# -eq 1 ] && [ -n "$1" ] || die "usage: pg.sh createdb DIR NAME"
    load_env
    local psql ident; psql=$(client_tool psql)
    ident="\"${1//\"/\"\"}\""
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
        "$psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
        -c "DROP DATABASE IF EXISTS $ident WITH (FORCE)" \
        -c "CREATE DATABASE $ident" >/dev/null
}

[ $# -ge 2 ] || usage
CMD=$1 DIR=$2
shift 2
case "$CMD" in
    start) DIR=$(absdir "$DIR"); cmd_start "$@" ;;
    stop) [ $# -eq 0 ] || die "stop takes no options"
          if [ -d "$DIR" ]; then DIR=$(cd "$DIR" && pwd -P); fi
          cmd_stop || true ;;
    psql) DIR=$(cd "$DIR" 2>/dev/null && pwd -P) || die "no such directory: $2"; cmd_psql "$@" ;;
    createdb) DIR=$(cd "$DIR" 2>/dev/null && pwd -P) || die "no such directory: $2"; cmd_createdb "$@" ;;
    *) usage ;;
esac
