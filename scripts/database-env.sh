# Sourced by backup.sh and restore.sh: the database Django really uses (environment > .env >
# settings defaults), as shell variables DB_VENDOR, DB_NAME, PGHOST, PGPORT, PGUSER, PGPASSWORD.
PY="${PYTHON:-$(command -v .venv/bin/python || command -v python3)}"
eval "$("$PY" - <<'PY'
import os
import shlex

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")
django.setup()
from django.db import connection  # noqa: E402

db = connection.settings_dict
values = {"DB_VENDOR": connection.vendor, "DB_NAME": str(db["NAME"])}
if connection.vendor == "postgresql":
    values.update(
        PGHOST=db.get("HOST") or "", PGPORT=str(db.get("PORT") or ""), PGUSER=db.get("USER") or "",
        PGPASSWORD=db.get("PASSWORD") or "",
    )
for key, value in values.items():
    print(f"{key}={shlex.quote(value)}")
PY
)"
export PGHOST PGPORT PGUSER PGPASSWORD 2>/dev/null || true
