"""Web processes cut off a long query (DATABASE_STATEMENT_TIMEOUT_MS); management commands and
workers are not limited unless told. Checked in a fresh process, as gunicorn would load it."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = """
import os, django
{entry}
from django.db import connection, OperationalError
from accountability.middleware import is_statement_timeout
try:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.5)")
    print("finished")
except OperationalError as exc:
    print("cancelled" if is_statement_timeout(exc) else "other")
"""


def _run(entry: str, **env: str) -> str:
    database = settings.DATABASES["default"]
    # The maintenance database: pg_sleep needs no table, and it is there before any test database.
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/postgres"
    environ = {k: v for k, v in os.environ.items() if k != "CHECKINS_PROCESS"}
    environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="accountability.settings", DEBUG="true", **env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(entry=entry)],
        env=environ,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


WEB = "from accountability.wsgi import application"
COMMAND = "django.setup()"


@pytest.mark.parametrize("entry", [WEB, "from accountability.asgi import application"])
def test_a_web_process_cancels_a_query_that_runs_past_the_timeout(entry):
    assert _run(entry, DATABASE_STATEMENT_TIMEOUT_MS="100") == "cancelled"


def test_a_web_process_lets_a_query_within_the_timeout_finish():
    assert _run(WEB, DATABASE_STATEMENT_TIMEOUT_MS="5000") == "finished"


def test_management_commands_and_migrations_are_not_limited():
    assert _run(COMMAND, DATABASE_STATEMENT_TIMEOUT_MS="100") == "finished"


def test_workers_have_their_own_limit_off_by_default():
    assert _run(COMMAND, CHECKINS_PROCESS="worker", DATABASE_STATEMENT_TIMEOUT_MS="100") == "finished"
    assert _run(COMMAND, CHECKINS_PROCESS="worker", WORKER_DATABASE_STATEMENT_TIMEOUT_MS="100") == "cancelled"
