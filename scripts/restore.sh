#!/usr/bin/env bash
# `make restore FILE=path`: put a backup made by backup.sh into the database Django uses
# (DATABASE_URL), replacing what is there. Stop the web app, worker and beat first.
#   PostgreSQL: pg_restore --clean --if-exists in one transaction (all or nothing).
#   SQLite: SQLite's backup API copies the file over the database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
file="${1:-}"
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "restore: name a backup file: make restore FILE=backups/checkins-....dump" >&2
  exit 2
fi
source scripts/database-env.sh

if [ "$DB_VENDOR" = postgresql ]; then
  pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --no-password \
    --dbname="$DB_NAME" "$file"
elif [ "$DB_VENDOR" = sqlite ]; then
  "$PY" - "$file" "$DB_NAME" <<'PY'
import sqlite3
import sys

source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
PY
else
  echo "restore: no restore for a $DB_VENDOR database" >&2
  exit 2
fi
echo "restored $file into $DB_NAME"
