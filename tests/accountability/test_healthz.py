"""/healthz and the reachability probes behind it, against real and really unreachable services."""

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.db.utils import ConnectionHandler
from django.urls import reverse

from accountability import health

from ..smtp import free_port


@pytest.fixture
def database_down(transactional_db):
    """The default database connection points at a port where nothing listens."""
    conn = connections["default"]
    port = conn.settings_dict["PORT"]
    conn.close()
    conn.settings_dict["PORT"] = str(free_port())
    yield
    conn.close()
    conn.settings_dict["PORT"] = port


@pytest.fixture
def unreachable_database():
    """A connection to a PostgreSQL that is not there, outside the test database's handler."""
    handler = ConnectionHandler({"default": {**django_settings.DATABASES["default"], "PORT": str(free_port())}})
    yield handler["default"]
    handler.close_all()


@pytest.mark.django_db
def test_it_reports_ok_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_it_returns_503_when_the_broker_is_unreachable(client, broker_down):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}


def test_it_returns_503_when_the_database_is_unreachable(client, database_down):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "unreachable", "broker": "ok"}


@pytest.mark.django_db
def test_database_probe_answers_false_for_a_database_that_is_not_there(unreachable_database):
    assert health.database_ok(unreachable_database) is False
    assert health.database_ok(connection) is True


@pytest.mark.django_db
def test_it_is_never_cached(client):
    response = client.get(reverse("healthz"))

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "max-age=0"} <= cache_control


@pytest.mark.django_db
def test_it_only_answers_get(client):
    assert client.post(reverse("healthz")).status_code == 405
    assert client.put(reverse("healthz")).status_code == 405


def test_pages_reuse_the_broker_answer_but_healthz_asks_afresh(settings, monkeypatch):
    monkeypatch.setattr(health, "_broker_cache", None)
    assert health.broker_ok() is True

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    assert health.broker_ok() is True  # the cached answer, no new connection attempt
    assert health.broker_ok(use_cache=False) is False
    assert health.broker_ok() is False  # the fresh answer replaced the cached one
