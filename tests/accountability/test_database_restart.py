"""PostgreSQL restarted under a running app: a private cluster of our own (never the shared one),
the app served by gunicorn as in production (one sync worker, persistent connections), and an
HTTP client signed in to it.

While the cluster is down pages answer 503 "back in a moment" with Retry-After, a form sent then
comes back ready to send again, and /healthz names the database at once. The first request once
the cluster is back answers 200, also after a restart nobody noticed (CONN_HEALTH_CHECKS), and
at no moment does a page answer 500.
"""

import html
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import connection

from ..factories import TEST_PASSWORD, UserFactory
from ..smtp import free_port

pytestmark = pytest.mark.outage

REPO = Path(__file__).resolve().parents[2]
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
PROFILE = "/accounts/profile/"


def pg_bin() -> Path:
    """The newest PostgreSQL server binaries Debian installed (`make test` installs them)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parents[1].name))
    if not found:
        raise AssertionError("no PostgreSQL server under /usr/lib/postgresql: run scripts/ensure-services.sh")
    return found[-1].parent


def wait_until(probe, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)
    return result


class PrivatePostgres:
    """A throw-away cluster on a free loopback port, to stop and start at will. PostgreSQL refuses
    to run as root, so under root it runs as the `postgres` account."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="blip-pg-"))  # not tmp_path: `postgres` must reach it
        self.as_postgres = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.process = None
        self.bin = pg_bin()
        subprocess.run(
            [
                self.bin / "initdb",
                "-D",
                self.dir / "data",
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "--no-instructions",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **self.as_postgres,
        )

    def start(self):
        self.process = subprocess.Popen(
            [
                *(self.bin / "postgres", "-D", self.dir / "data", "-p", str(self.port)),
                *("-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="),
                *("-c", "fsync=off", "-c", "full_page_writes=off"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self.as_postgres,
        )

    def accepts_connections(self) -> bool:
        try:
            psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres").close()
        except psycopg2.OperationalError:
            return False
        return True

    def wait_ready(self):
        wait_until(self.accepts_connections, timeout=30, what="the private PostgreSQL")

    def stop(self):
        """A fast shutdown, as a restart does it: sessions are ended, new connections refused."""
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def copy_test_database(*, to: PrivatePostgres) -> None:
    """The test database (migrated by pytest-django, with this test's rows) into the private
    cluster: far quicker than migrating it."""
    s = connection.settings_dict
    dump = subprocess.Popen(
        [
            *(to.bin / "pg_dump", "--no-owner", "--no-privileges"),
            *("-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"], s["NAME"]),
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": s["PASSWORD"] or ""},
    )
    subprocess.run(
        [to.bin / "psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", to.url],
        stdin=dump.stdout,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    dump.stdout.close()
    assert dump.wait() == 0


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str
    seconds: float


class Browser:
    """Just enough of one: cookies kept, redirects not followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | list | None = None) -> Reply:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        started = time.monotonic()
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            content = response.read().decode()
        finally:
            conn.close()
        seconds = time.monotonic() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return Reply(response.status, response.headers, content, seconds)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict | list) -> Reply:
        return self.request("POST", path, form)

    def csrf_token(self, page: Reply) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)


class Gunicorn:
    """The app as production runs it (Dockerfile), with one sync worker so one persistent
    connection carries every request, on the private cluster, its connection configured as in
    production."""

    def __init__(self, *, database_url: str, log: Path):
        self.port = free_port()
        self.log = log
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.accountability.settings_production_database",
            "DEBUG": "false",
            "DATABASE_URL": database_url,
            "TEST_REDIS_URL": django_settings.CELERY_BROKER_URL,
            "CONN_MAX_AGE": "60",  # production's default: the connection outlives the request
        }
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "accountability.wsgi:application"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--graceful-timeout", "2"),
            ],
            cwd=REPO,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self):
        def answers():
            try:
                Browser(self.port).get("/healthz")
            except OSError:
                return False
            return True

        wait_until(answers, timeout=60, what=f"gunicorn ({self.log})")

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    cluster.start()
    cluster.wait_ready()
    yield cluster
    cluster.remove()


@pytest.fixture
def app_on_private_postgres(transactional_db, private_postgres, tmp_path):
    """gunicorn on a copy of the test database in the private cluster, and a signed-in browser."""
    UserFactory(email="bea@example.org", display_name="Bea Blip")
    copy_test_database(to=private_postgres)
    server = Gunicorn(database_url=private_postgres.url, log=tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        browser = Browser(server.port)
        page = browser.get("/accounts/login/")
        signed_in = browser.post(
            "/accounts/login/",
            {
                "login": "bea@example.org",
                "password": TEST_PASSWORD,
                "csrfmiddlewaretoken": browser.csrf_token(page),
            },
        )
        assert signed_in.status == 302, signed_in.body[:2000]
        yield browser
    finally:
        server.stop()


def test_a_postgresql_restart_is_a_503_with_retry_after_then_the_first_request_back_is_200(
    app_on_private_postgres, private_postgres, tmp_path
):
    browser, cluster = app_on_private_postgres, private_postgres
    figures = {}
    page = browser.get(PROFILE)
    assert page.status == 200, page.body[:2000]
    csrf = browser.csrf_token(page)
    figures["page, database up"] = page.seconds

    # A restart between two requests: the worker's connection died with it, unseen. The health
    # check before its first use replaces it, so the next page is a 200, not a 503.
    cluster.stop()
    cluster.start()
    cluster.wait_ready()
    first = browser.get(PROFILE)
    assert first.status == 200, first.body[:2000]
    figures["first page after an unnoticed restart"] = first.seconds

    # Down.
    cluster.stop()
    down_at = time.monotonic()
    page = browser.get(PROFILE)
    assert page.status == 503, page.body[:2000]
    assert page.headers["Retry-After"] == "5"
    assert "Back in a moment" in page.body
    figures["page while down (503)"] = page.seconds

    health = browser.get("/healthz")
    assert health.status == 503
    assert json.loads(health.body) == {"status": "degraded", "database": "unreachable", "broker": "ok"}
    assert health.seconds < 2
    figures["/healthz while down (503)"] = health.seconds

    sent = browser.post(
        PROFILE, {"display_name": "Bea Back", "time_zone": "Europe/Lisbon", "csrfmiddlewaretoken": csrf}
    )
    assert sent.status == 503
    assert "What you just sent has not been saved." in sent.body
    resend = [(name, html.unescape(value)) for name, value in HIDDEN.findall(sent.body)]
    assert ("display_name", "Bea Back") in resend
    figures["form sent while down (503)"] = sent.seconds

    # Back after about as long as the outage that was reported (1.4 s). While it starts up ("the
    # database system is starting up") pages are 503s; from its first connection they are 200s.
    time.sleep(max(0.0, 1.4 - (time.monotonic() - down_at)))
    cluster.start()
    started_at = time.monotonic()
    statuses = []
    while not statuses or statuses[-1] != 200:
        statuses.append(browser.get(PROFILE).status)
        assert time.monotonic() - started_at < 30, f"no 200 since PostgreSQL started: {statuses}"
    figures["from starting PostgreSQL to the first 200"] = time.monotonic() - started_at
    assert set(statuses[:-1]) <= {503}, statuses
    assert cluster.accepts_connections()

    # What was typed during the outage goes through with one click on the 503 page.
    resent = browser.post(PROFILE, resend)
    assert resent.status == 302
    assert 'value="Bea Back"' in browser.get(PROFILE).body

    log = (tmp_path / "gunicorn.log").read_text()
    assert "Internal Server Error" not in log and "Traceback" not in log, log
    # /healthz says it its own way; every other 503 is one warning line.
    assert log.count("Database unreachable, answered 503") == 2 + len(statuses) - 1, log
    print("\n" + "\n".join(f"{what}: {seconds * 1000:.0f} ms" for what, seconds in figures.items()))
