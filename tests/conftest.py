"""Shared fixtures: personas around two teams, a browser set up for Debian's Chromium, and the
Celery app pointed at the tests' own Redis database."""

import os

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from accountability.models import Role

from . import clock
from .factories import TEST_PASSWORD, MembershipFactory, TeamFactory, UserFactory
from .twofactor import admin_sign_in, enrol_totp

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clock_moved():
    """Under TEST_CLOCK_AT every test starts at that instant (see tests/clock.py)."""
    at = clock.target()
    if at is None:
        yield
        return
    with clock.travel_for_test(at):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Sign-in, reset and invitation throttles count in the (Redis) cache: every test starts
    with none of another test's counts."""
    cache.clear()
    yield


# --- Personas ------------------------------------------------------------------------------


@pytest.fixture
def team(db):
    return TeamFactory(name="Platform", slug="platform", time_zone="Europe/London")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Support", slug="support", time_zone="America/New_York")


@pytest.fixture
def member(team):
    return MembershipFactory(
        team=team, role=Role.MEMBER, user__email="member@example.org", user__display_name="Mia Member"
    ).user


@pytest.fixture
def teammate(team):
    return MembershipFactory(
        team=team, role=Role.MEMBER, user__email="teammate@example.org", user__display_name="Theo Teammate"
    ).user


@pytest.fixture
def manager(team):
    return MembershipFactory(
        team=team, role=Role.MANAGER, user__email="manager@example.org", user__display_name="Mona Manager"
    ).user


@pytest.fixture
def other_manager(other_team):
    """Manages another team: must see nothing of `team`."""
    return MembershipFactory(
        team=other_team,
        role=Role.MANAGER,
        user__email="other.manager@example.org",
        user__display_name="Otto Othermanager",
    ).user


@pytest.fixture
def outsider(db):
    """Has an account but belongs to no team."""
    return UserFactory(email="outsider@example.org", display_name="Olga Outsider")


@pytest.fixture
def org_admin(db):
    """Organisation admins must have a second factor (issue 12): this one has TOTP."""
    admin = UserFactory(email="admin@example.org", display_name="Ada Admin", is_staff=True)
    enrol_totp(admin)
    return admin


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, through the second factor the Django admin asks for."""
    admin_sign_in(client, admin_user)
    return client


@pytest.fixture
def personas(member, teammate, manager, other_manager, outsider, org_admin):
    return {
        "anonymous": None,
        "member": member,
        "teammate": teammate,
        "manager": manager,
        "other_manager": other_manager,
        "outsider": outsider,
        "org_admin": org_admin,
    }


@pytest.fixture
def password():
    return TEST_PASSWORD


# --- Celery and Redis ----------------------------------------------------------------------


@pytest.fixture
def test_redis():
    """The tests' own Redis database, emptied before and after use."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def celery_config():
    return {
        "broker_url": settings.CELERY_BROKER_URL,
        "result_backend": None,
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
    }


@pytest.fixture(scope="session")
def celery_app(celery_config):
    """Our own Celery app (with its registered tasks), configured for the tests' broker."""
    from accountability.celery import app

    app.conf.update(celery_config)
    return app


@pytest.fixture(scope="session")
def celery_worker_parameters():
    return {"perform_ping_check": False, "queues": ("celery",)}


# --- Browser -------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# --- Outbox: a loopback SMTP server and an unreachable broker --------------------------------
# (tests/accountability/test_outbox*.py, test_healthz.py)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 that accepts every message; Django sends to it."""
    from .smtp import LoopbackSMTP, use_smtp_server

    with LoopbackSMTP() as server:
        use_smtp_server(settings, server)
        yield server


class _UnreachableBroker:
    """Points the Celery app (and the health probe's setting) at a port where nothing listens.

    The app's connection and producer pools are dropped on the way in and out, so publishing
    uses the changed URL and, once restored, the real broker's pool again."""

    def __init__(self, app, settings):
        from .smtp import free_port

        self.app = app
        self.url = f"redis://127.0.0.1:{free_port()}/0"
        self._settings = settings
        self._original = (app.conf.broker_url, settings.CELERY_BROKER_URL)
        self._point_at(self.url, self.url)

    def _point_at(self, app_url, setting_url):
        self.app.conf.broker_url = app_url
        self._settings.CELERY_BROKER_URL = setting_url
        self.app._pool = None
        self.app.amqp._producer_pool = None

    def restore(self):
        """The broker is back (safe to call more than once)."""
        self._point_at(*self._original)


@pytest.fixture
def broker_down(celery_app, settings, monkeypatch):
    """The Celery broker is unreachable for this test, or until `broker_down.restore()`."""
    from accountability import health

    # The probe's per-process answer must neither leak into this test nor out of it.
    monkeypatch.setattr(health, "_broker_cache", None)
    broker = _UnreachableBroker(celery_app, settings)
    yield broker
    broker.restore()
