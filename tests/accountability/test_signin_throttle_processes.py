"""The sign-in throttle holds across server processes: two gunicorn servers, each its own
process with its own memory, share only PostgreSQL and Redis. Failed sign-ins sent to both, in
turn, lock the account at the limit for the two together; a per-process count would allow
twice as many."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from ..factories import TEST_PASSWORD, UserFactory
from ..smtp import free_port

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
LOCKED = "Too many failed sign-in attempts"
ACCOUNT_LIMIT = 10  # settings.ACCOUNT_RATE_LIMITS["login_failed"]: 10 per 15 minutes per account


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    def __init__(self, port: int, log: Path):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            # The test database this test wrote to (tests.settings reads TEST_DATABASE_URL).
            "TEST_DATABASE_URL": _database_url(),
        }
        self.url = f"http://127.0.0.1:{port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "accountability.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--timeout", "30"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log.name}")
            try:
                requests.get(self.url + "/accounts/login/", timeout=10)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise TimeoutError("gunicorn did not answer")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def two_servers(tmp_path):
    servers = [Server(free_port(), tmp_path / f"gunicorn-{n}.log") for n in range(2)]
    try:
        for server in servers:
            server.wait()
        yield servers
    finally:
        for server in servers:
            server.stop()


def _sign_in(server: Server, email: str, password: str) -> requests.Response:
    session = requests.Session()
    login = server.url + "/accounts/login/"
    session.get(login, timeout=10)
    token = session.cookies["csrftoken"]
    return session.post(
        login,
        {"login": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": login},
        allow_redirects=False,
        timeout=10,
    )


def test_failed_sign_ins_on_two_servers_add_up(two_servers):
    UserFactory(email="victim@example.org")
    first, second = two_servers
    pids = {server.process.pid for server in two_servers}
    assert len(pids) == 2

    for attempt in range(ACCOUNT_LIMIT):
        server = two_servers[attempt % 2]
        refused = _sign_in(server, "victim@example.org", f"wrong-{attempt}")
        assert refused.status_code == 200
        assert LOCKED not in refused.text, f"locked after {attempt} failures"

    # Five failures on each: each process alone saw half the limit, together they reached it.
    for server in (first, second):
        response = _sign_in(server, "victim@example.org", TEST_PASSWORD)
        assert response.status_code == 200
        assert LOCKED in response.text
