#!/usr/bin/env bash
# `make backup [FILE=path]`: a consistent copy of the database Django uses (DATABASE_URL).
#   PostgreSQL: pg_dump's custom format (compressed; pg_restore reads it), taken in one snapshot
#               while the app runs.
#   SQLite (development): SQLite's online backup API, safe while the app writes.
# Without FILE: backups/checkins-<UTC time>.dump (or .sqlite3). Prints the file written.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/database-env.sh

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ "$DB_VENDOR" = postgresql ]; then
  file="${1:-backups/checkins-$stamp.dump}"
  mkdir -p "$(dirname "$file")"
  pg_dump --format=custom --no-password --file="$file" "$DB_NAME"
elif [ "$DB_VENDOR" = sqlite ]; then
  file="${1:-backups/checkins-$stamp.sqlite3}"
  mkdir -p "$(dirname "$file")"
  "$PY" - "$DB_NAME" "$file" <<'PY'
import sqlite3
import sys

source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
PY
else
  echo "backup: no backup for a $DB_VENDOR database" >&2
  exit 2
fi
echo "$file"
