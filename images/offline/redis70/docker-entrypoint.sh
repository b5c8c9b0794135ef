#!/bin/bash
set -euo pipefail

if [ "${1:0:1}" = "-" ]; then
    set -- redis-server "$@"
fi
if [ "${1:-}" != "redis-server" ]; then
    exec "$@"
fi
case "${2:-}" in
    -v | --version | -h | --help | --test-memory) exec "$@" ;;
esac
shift

password="${REDIS_PASSWORD:-}"
if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
    password="$(< "$REDIS_PASSWORD_FILE")"
fi
unset REDIS_PASSWORD REDIS_PASSWORD_FILE

if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    run_as=(setpriv --reuid=redis --regid=redis --init-groups)
else
    run_as=()
fi

options=(
    --dir /data
    --bind 0.0.0.0
    --port 6379
    --protected-mode no
    --appendonly no
    --daemonize no
)

if [ -n "$password" ]; then
    quoted="$(printf '%s' "$password" | od -An -v -tx1 | tr -d ' \n' | sed 's/../\\x&/g')"
    exec "${run_as[@]}" redis-server - "${options[@]}" "$@" \
        < <(printf 'requirepass "%s"\n' "$quoted")
fi
exec "${run_as[@]}" redis-server "${options[@]}" "$@" < /dev/null
