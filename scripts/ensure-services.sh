#!/usr/bin/env bash
# Make sure the services the test suite needs are up on this machine (Debian 12, as root):
#   PostgreSQL on 127.0.0.1:5432, user "postgres" without a password (trust on loopback)
#   Redis      on 127.0.0.1:6379
#   Chromium   at /usr/bin/chromium (Debian's package; Playwright drives it)
# Installs what is missing with apt-get, starts what is stopped, and leaves running services
# alone. Safe to run any number of times. Prints one line per service.
#
# Usage: scripts/ensure-services.sh [--no-chromium] [--redis-only]
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_DB=accountability
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
CHROMIUM=/usr/bin/chromium
WAIT_SECONDS=60

want_postgres=1
want_chromium=1
for arg in "$@"; do
  case "$arg" in
    --no-chromium) want_chromium=0 ;;
    --redis-only) want_postgres=0; want_chromium=0 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ensure-services: unknown option: $arg" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  fi
fi

log() { echo "ensure-services: $*"; }
die() { echo "ensure-services: ERROR: $*" >&2; exit 1; }

apt_updated=0
apt_install() {
  [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ] || die "need root (or sudo) to install: $*"
  if [ "$apt_updated" -eq 0 ]; then
    $SUDO apt-get update -qq >/dev/null
    apt_updated=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# tcp_open HOST PORT: is something accepting TCP connections there?
tcp_open() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

# wait_for NAME CHECK_FUNCTION: poll for up to WAIT_SECONDS.
wait_for() {
  local name=$1 check=$2 i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if "$check"; then return 0; fi
    sleep 1
  done
  die "$name did not become ready within ${WAIT_SECONDS}s"
}

# --- PostgreSQL ------------------------------------------------------------------------

pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

pg_version() { { ls /etc/postgresql 2>/dev/null || true; } | sort -V | tail -n 1; }

pg_start() {
  local v
  v=$(pg_version)
  [ -n "$v" ] || die "PostgreSQL is installed but /etc/postgresql is empty"
  if [ ! -d "/etc/postgresql/$v/main" ]; then
    $SUDO pg_createcluster "$v" main >/dev/null
  fi
  # "already running" (exit 2) is fine; a real failure shows up in wait_for below.
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
}

# Loopback connections as any user without a password: a local test database, nothing more.
pg_trust_loopback() {
  local v hba
  v=$(pg_version)
  hba="/etc/postgresql/$v/main/pg_hba.conf"
  [ -f "$hba" ] || return 0
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    # Insert before the first rule so it wins over the packaged scram-sha-256 lines.
    $SUDO sed -i '0,/^[[:space:]]*\(local\|host\)/s//host    all             all             127.0.0.1\/32            trust\nhost    all             all             ::1\/128                 trust\n&/' "$hba"
    # Reload a running cluster; a stopped one reads the file when it starts.
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$v" main reload >/dev/null 2>&1 || true
    sleep 1
  fi
}

pg_can_login() {
  command -v psql >/dev/null 2>&1 || return 0
  psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  local did
  if pg_ready; then
    did="already running"
  elif [ -n "$(pg_version)" ]; then
    pg_start
    wait_for PostgreSQL pg_ready
    did="started"
  else
    apt_install postgresql
    pg_trust_loopback
    pg_start
    wait_for PostgreSQL pg_ready
    did="installed and started"
  fi
  local note=""
  if ! pg_can_login && [ -n "$(pg_version)" ]; then
    pg_trust_loopback
    pg_can_login || die "cannot log in to PostgreSQL at $PG_HOST:$PG_PORT as postgres without a password"
    note=" (loopback auth set to trust)"
  fi
  # tests/settings.py points at this database by default; pytest-django creates test_<name>
  # itself, but makemigrations --check looks at the real one.
  if command -v psql >/dev/null 2>&1 && pg_can_login \
    && [ -z "$(psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc \
      "select 1 from pg_database where datname = '$PG_DB'")" ]; then
    psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc "create database $PG_DB" >/dev/null
    note="$note (created database $PG_DB)"
  fi
  log "postgresql: $did on $PG_HOST:$PG_PORT$note"
}

# --- Redis -----------------------------------------------------------------------------

redis_ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
  else
    tcp_open "$REDIS_HOST" "$REDIS_PORT"
  fi
}

redis_start() {
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no \
    --logfile /tmp/redis-"$REDIS_PORT".log >/dev/null
}

ensure_redis() {
  local did
  if redis_ready; then
    did="already running"
  else
    if command -v redis-server >/dev/null 2>&1; then
      did="started"
    else
      apt_install redis-server
      did="installed and started"
    fi
    # The package's own service may have come up on install; start ours only if it did not.
    redis_ready || redis_start
    wait_for Redis redis_ready
  fi
  log "redis: $did on $REDIS_HOST:$REDIS_PORT"
}

# --- Chromium --------------------------------------------------------------------------

ensure_chromium() {
  if [ -x "$CHROMIUM" ]; then
    log "chromium: already installed at $CHROMIUM"
  else
    apt_install chromium
    [ -x "$CHROMIUM" ] || die "chromium installed but $CHROMIUM is missing"
    log "chromium: installed at $CHROMIUM"
  fi
}

if [ "$want_postgres" -eq 1 ]; then ensure_postgres; fi
ensure_redis
if [ "$want_chromium" -eq 1 ]; then ensure_chromium; else log "chromium: skipped"; fi
