"""Backups that restore (issue 19): `make backup` / `make restore` on a seeded PostgreSQL
database into a fresh one, every table's rows found again; and the SQLite file of development.

These run the real scripts (scripts/backup.sh, restore.sh) in subprocesses, against databases
of their own next to the test database, dropped afterwards."""

import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]


def _connect(name: str):
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"] or None, dbname=name
    )
    conn.autocommit = True
    return conn


def _query(name: str, query, params=None) -> list[tuple]:
    conn = _connect(name)
    try:
        with conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_databases():
    """Two empty databases, dropped afterwards."""
    names = [f"{settings.DATABASES['default']['NAME']}_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("src", "dst")]
    for name in names:
        _query("postgres", sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield names
    for name in names:
        _query("postgres", sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_CLOCK"))}
    env.update(
        DJANGO_SETTINGS_MODULE="accountability.settings",
        DEBUG="true",
        DATABASE_URL=database_url,
        # The seed's emails wait in the outbox: no worker is asked (a broker nobody listens on).
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        REDIS_URL="redis://127.0.0.1:1/0",
        PYTHON=str(ROOT / ".venv" / "bin" / "python"),
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _row_counts(name: str) -> dict[str, int]:
    tables = [row[0] for row in _query(name, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {
        table: _query(name, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))[0][0] for table in tables
    }


def test_a_seeded_postgresql_database_restores_into_a_fresh_one_with_every_row(fresh_databases, tmp_path):
    source, target = fresh_databases
    python = str(ROOT / ".venv" / "bin" / "python")
    _run([python, "manage.py", "migrate", "--noinput"], _env(_url(source)))
    _run([python, "manage.py", "seed_demo"], _env(_url(source)))
    backup = tmp_path / "checkins.dump"

    assert _run(["bash", "scripts/backup.sh", str(backup)], _env(_url(source))).strip() == str(backup)
    assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    _run(["bash", "scripts/restore.sh", str(backup)], _env(_url(target)))

    before, after = _row_counts(source), _row_counts(target)
    assert before == after
    assert before["accountability_user"] > 10 and before["checkins_checkin"] > 50
    assert before["django_migrations"] > 0 and before["accountability_auditevent"] >= 0
    assert len(before) > 40
    # The restored audit trail is append-only still (its trigger came back with it).
    triggers = _query(
        target,
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'accountability_auditevent'::regclass AND NOT tgisinternal",
    )
    assert triggers == [("accountability_auditevent_append_only",)]


def test_the_sqlite_file_of_development_backs_up_and_restores(tmp_path):
    database, other = tmp_path / "db.sqlite3", tmp_path / "restored.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany("INSERT INTO note (body) VALUES (?)", [(f"note {i}",) for i in range(250)])
    backup = tmp_path / "backup.sqlite3"

    _run(["bash", "scripts/backup.sh", str(backup)], _env(f"sqlite:///{database}"))
    _run(["bash", "scripts/restore.sh", str(backup)], _env(f"sqlite:///{other}"))

    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT count(*), max(body) FROM note").fetchone() == (250, "note 99")


def test_restore_without_a_file_says_what_to_do(tmp_path):
    result = subprocess.run(["bash", "scripts/restore.sh"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "name a backup file" in result.stderr
