#!/usr/bin/env bash
# What `make run` runs: the app on http://127.0.0.1:${PORT:-8000}/ with demo data, plus a
# Celery worker and beat when Redis is reachable.
#
# Development defaults (settings.py reads the environment, then .env, then these defaults):
#   DEBUG=true (always, here)          SQLite at ./db.sqlite3 unless DATABASE_URL is set
#   broker: REDIS_URL (redis://127.0.0.1:6379/0)
#   email: files in .run/emails unless EMAIL_URL is set
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

export PATH="$ROOT/.venv/bin:$PATH"
export DEBUG=true
export PORT="${PORT:-8000}"
export PYTHONUNBUFFERED=1

mkdir -p .run/emails

say() { echo "run-dev: $*"; }

python manage.py migrate --noinput
python manage.py seed_demo

# Ask Django for the values it will really use (environment > .env > settings defaults).
eval "$(python - <<'PY'
import os
import shlex

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")
django.setup()
from django.conf import settings  # noqa: E402

db = settings.DATABASES["default"]
values = {
    "BROKER_URL": settings.CELERY_BROKER_URL,
    "DB_DESC": f"{db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}",
    "EMAIL_BACKEND_NAME": settings.EMAIL_BACKEND,
    "EMAIL_DIR": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "EMAIL_HOST_DESC": f"{getattr(settings, 'EMAIL_HOST', '')}:{getattr(settings, 'EMAIL_PORT', '')}",
}
for key, value in values.items():
    print(f"{key}={shlex.quote(value)}")
PY
)"

# redis_ping URL: exit 0 when a Redis server answers there.
redis_ping() {
  python - "$1" <<'PY'
import sys

import redis

try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1, socket_timeout=1).ping()
except Exception:
    sys.exit(1)
PY
}

# redis_local_port URL: print the port when the URL is a redis:// on this machine.
redis_local_port() {
  python - "$1" <<'PY'
import sys
from urllib.parse import urlsplit

url = urlsplit(sys.argv[1])
if url.scheme == "redis" and url.hostname in ("127.0.0.1", "localhost"):
    print(url.port or 6379)
PY
}

# Hide any password in the URL before printing it.
BROKER_SHOWN=$(python -c 'import re, sys; print(re.sub(r"//[^@/]*@", "//***@", sys.argv[1]))' "$BROKER_URL")

redis_up=0
if redis_ping "$BROKER_URL"; then
  redis_up=1
else
  port=$(redis_local_port "$BROKER_URL")
  if [ -n "$port" ] && command -v redis-server >/dev/null 2>&1; then
    say "Redis is not answering at $BROKER_SHOWN; starting a local redis-server on port $port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      if redis_ping "$BROKER_URL"; then redis_up=1; break; fi
      sleep 0.5
    done
  fi
fi

echo
say "app:      http://127.0.0.1:$PORT/   (admin: http://127.0.0.1:$PORT/admin/)"
say "database: $DB_DESC"
case "$EMAIL_BACKEND_NAME" in
  *filebased*) say "email:    written as files to $EMAIL_DIR (nothing is sent)" ;;
  *smtp*) say "email:    sent by SMTP to $EMAIL_HOST_DESC" ;;
  *) say "email:    $EMAIL_BACKEND_NAME" ;;
esac

# Honcho gets no .env of its own (-e /dev/null): settings.py reads .env itself, and honcho's
# copy would override DEBUG=true above.
if [ "$redis_up" -eq 1 ]; then
  say "broker:   Redis at $BROKER_SHOWN; starting web, worker and beat"
  echo
  exec honcho -e /dev/null -f Procfile.dev start -p "$PORT"
fi

cat <<MSG

  ************************************************************************************
  Redis is not reachable at $BROKER_SHOWN: the web app runs, and every email
  waits in the outbox (see /admin/accountability/outboundemail/) until a worker can
  deliver it. Start Redis (for example: sudo scripts/ensure-services.sh --redis-only)
  and run make run again.
  ************************************************************************************

MSG
exec honcho -e /dev/null -f Procfile.dev start -p "$PORT" web
