#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are running for the test suite.
# A service that is not reachable is installed from Debian's packages (when missing) and started.
# Nothing is ever skipped: if a service cannot be brought up, this script fails.
#   scripts/services.sh           bring both up (installing them when missing; needs root)
#   scripts/services.sh --check   only check that both answer; fail with a clear message otherwise
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432
REDIS_HOST=127.0.0.1 REDIS_PORT=6379

reachable() {  # host port
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

wait_for() {  # name host port
    for _ in $(seq 1 60); do
        if reachable "$2" "$3"; then
            echo "==> $1 is up at $2:$3"
            return 0
        fi
        sleep 0.5
    done
    echo "error: $1 did not come up at $2:$3" >&2
    return 1
}

apt_install() {
    if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $* missing and not running as root with apt-get; install it first" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [[ -z "${APT_UPDATED:-}" ]]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    apt-get install -y -qq --no-install-recommends "$@"
}

start_postgres() {
    local installed=""
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        echo "==> installing PostgreSQL"
        apt_install postgresql
        installed=1
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    if [[ -n "$installed" ]]; then
        # A fresh cluster: the test suite connects as postgres over TCP without a password.
        local hba="/etc/postgresql/$version/main/pg_hba.conf"
        sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    if ! reachable "$PG_HOST" "$PG_PORT"; then
        echo "==> starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    if [[ -n "$installed" ]]; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    fi
}

start_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "==> installing Redis"
        apt_install redis-server
    fi
    if ! reachable "$REDIS_HOST" "$REDIS_PORT"; then
        echo "==> starting Redis"
        redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no
    fi
}

if [[ "${1:-}" == "--check" ]]; then
    # Only check (used before pytest): a clear message instead of a wall of connection errors.
    ok=1
    reachable "$PG_HOST" "$PG_PORT" || { echo "error: PostgreSQL is not reachable at $PG_HOST:$PG_PORT" >&2; ok=""; }
    reachable "$REDIS_HOST" "$REDIS_PORT" || { echo "error: Redis is not reachable at $REDIS_HOST:$REDIS_PORT" >&2; ok=""; }
    [[ -n "$ok" ]] || { echo "       start them with: scripts/services.sh (as root), or run .ci/run" >&2; exit 1; }
    exit 0
fi

if ! reachable "$PG_HOST" "$PG_PORT"; then
    start_postgres
fi
wait_for PostgreSQL "$PG_HOST" "$PG_PORT"

if ! reachable "$REDIS_HOST" "$REDIS_PORT"; then
    start_redis
fi
wait_for Redis "$REDIS_HOST" "$REDIS_PORT"
