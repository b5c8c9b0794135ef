#!/bin/bash
set -Eeuo pipefail

log() {
    printf 'entrypoint: %s\n' "$*" >&2
}

load_password() {
    if [ -n "${POSTGRES_PASSWORD:-}" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        log "set only one of POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE"
        exit 1
    fi
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        POSTGRES_PASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
    fi
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        log "database is uninitialized and POSTGRES_PASSWORD (or _FILE) is not set"
        exit 1
    fi
}

run_init_files() {
    local f
    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)
                if [ -x "$f" ]; then
                    log "running $f"
                    "$f"
                else
                    log "sourcing $f"
                    . "$f"
                fi
                ;;
            *.sql)
                log "running $f"
                psql_init < "$f"
                ;;
            *.sql.gz)
                log "running $f"
                gunzip -c "$f" | psql_init
                ;;
            *)
                log "ignoring $f"
                ;;
        esac
    done
    shopt -u nullglob
}

psql_init() {
    psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc \
        --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "$@"
}

init_database() {
    load_password
    log "initializing $PGDATA"
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 \
        ${POSTGRES_INITDB_ARGS:-}
    printf '\nlisten_addresses = '"'"'*'"'"'\n' >> "$PGDATA/postgresql.conf"
    printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    if [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" \
            --dbname postgres -v db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
    fi
    run_init_files
    pg_ctl -D "$PGDATA" -m fast -w stop
    log "initialization complete"
}

if [ "${1:0:1}" = "-" ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$PGDATA"
        chown postgres:postgres "$PGDATA"
        chmod 700 "$PGDATA"
        exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
    fi

    export POSTGRES_USER="${POSTGRES_USER:-postgres}"
    export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        init_database
    fi
    unset POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE
fi

exec "$@"
