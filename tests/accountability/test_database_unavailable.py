"""A database that cannot be reached answers 503 "back in a moment", in process: a connection
refused, and one whose server session was ended under it (pg_terminate_backend, as a restart
does). Real bugs stay 500s. tests/accountability/test_database_restart.py does the same against
a real PostgreSQL stopped and started under a running server."""

import logging
import re
import time
from unittest import mock

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection, connections, transaction
from django.urls import reverse

from accountability import middleware, selectors

from ..smtp import free_port

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def cursor_calls():
    """Every query the app attempts from here on, counted: each asks the connection for a cursor,
    and a refused or closed connection fails right there."""
    wrapper = connections["default"]
    with mock.patch.object(wrapper, "_cursor", wraps=wrapper._cursor) as spy:
        yield spy


@pytest.fixture
def refuse_connections(transactional_db):
    """Call to point the database connection at a port where nothing listens (the server is
    down); the port is restored afterwards."""
    wrapper = connections["default"]
    port = wrapper.settings_dict["PORT"]

    def refuse():
        wrapper.close()
        wrapper.settings_dict["PORT"] = str(free_port())

    yield refuse
    wrapper.close()
    wrapper.settings_dict["PORT"] = port


@pytest.fixture
def end_server_session(transactional_db):
    """Call to end the app's PostgreSQL session from a second connection, as a restart or a
    failover does: the app's connection looks open until its next query."""

    def end():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        other = connection.copy()
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                    if cursor.fetchone() == (0,):
                        return
                    time.sleep(0.02)
            raise AssertionError("the backend did not end")
        finally:
            other.close()

    yield end
    connection.close()  # the dead connection; the database flush after the test opens a new one


def assert_back_in_a_moment(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate"} <= cache_control
    body = response.content.decode()
    assert "Back in a moment" in body
    assert "Something went wrong" not in body
    assert "Traceback" not in body and "OperationalError" not in body


# --- Connection refused ----------------------------------------------------------------------


def test_a_signed_in_page_answers_503_with_retry_after_while_connections_are_refused(
    client, member, refuse_connections, cursor_calls
):
    client.force_login(member)
    refuse_connections()
    cursor_calls.reset_mock()
    # Reading the session (in TimeZoneMiddleware) is the first query to fail: Django hands
    # that to the 500 handler, which must answer 503 all the same.
    client.raise_request_exception = False

    response = client.get(reverse("profile"))

    assert_back_in_a_moment(response)
    assert "Try again" in response.content.decode()
    assert "has not been saved" not in response.content.decode()  # nothing was being sent
    assert cursor_calls.call_count == 1  # the session read that failed; the page itself asked nothing


def test_the_first_request_once_connections_are_accepted_again_succeeds(client, member, refuse_connections):
    client.force_login(member)
    port = connections["default"].settings_dict["PORT"]
    refuse_connections()
    client.raise_request_exception = False
    assert client.get(reverse("profile")).status_code == 503

    connections["default"].settings_dict["PORT"] = port  # the server is back

    assert client.get(reverse("profile")).status_code == 200


def test_a_form_sent_while_connections_are_refused_says_it_was_not_saved_and_offers_to_send_it_again(
    client, member, refuse_connections, cursor_calls
):
    client.force_login(member)
    refuse_connections()
    cursor_calls.reset_mock()
    client.raise_request_exception = False

    response = client.post(
        reverse("profile") + "?from=menu",
        {"display_name": 'Mia "M" <Member>', "time_zone": "Europe/Paris", "csrfmiddlewaretoken": "tok"},
    )

    assert_back_in_a_moment(response)
    body = response.content.decode()
    assert "What you just sent has not been saved." in body
    assert re.search(r'<form method="post" action="/accounts/profile/\?from=menu">', body)
    assert HIDDEN.findall(body) == [
        ("display_name", "Mia &quot;M&quot; &lt;Member&gt;"),
        ("time_zone", "Europe/Paris"),
        ("csrfmiddlewaretoken", "tok"),
    ]
    assert cursor_calls.call_count == 1


def test_healthz_names_the_database_even_for_a_signed_in_browser(client, member, refuse_connections, cursor_calls):
    client.force_login(member)
    refuse_connections()
    cursor_calls.reset_mock()

    response = client.get(reverse("healthz"))

    # Not the "back in a moment" page: the session (in the database) is never read for it.
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "unreachable", "broker": "ok"}
    assert cursor_calls.call_count == 1  # its own probe


# --- A connection ended under the app ----------------------------------------------------------


def test_a_view_whose_connection_was_ended_answers_503_and_queries_no_more(
    client, member, end_server_session, cursor_calls, caplog
):
    end_server_session()
    cursor_calls.reset_mock()
    caplog.set_level(logging.WARNING)

    # Signing in reads the account in the view: the middleware's way in.
    response = client.post(reverse("login"), {"username": member.email, "password": "what-they-typed"})

    assert_back_in_a_moment(response)
    body = response.content.decode()
    assert "has not been saved" in body
    assert HIDDEN.findall(body) == [("username", member.email)]  # never the password
    assert "what-they-typed" not in body
    assert "you'll be asked for yours again" in body
    assert cursor_calls.call_count == 1
    # One warning, no error with the request attached, and nothing from the form in the logs.
    assert [(r.name, r.levelname) for r in caplog.records] == [("accountability.middleware", "WARNING")]
    assert "Database unreachable" in caplog.text
    assert member.email not in caplog.text


def test_a_signed_in_page_whose_connection_was_ended_answers_503(client, member, end_server_session):
    client.force_login(member)
    end_server_session()
    client.raise_request_exception = False

    assert_back_in_a_moment(client.get(reverse("profile")))


# --- Everything else stays a 500 --------------------------------------------------------------


def test_a_real_bug_is_still_a_500_and_logged_as_an_error(client, member, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(selectors, "teams_for_user", broken)
    client.force_login(member)
    client.raise_request_exception = False

    response = client.get(reverse("home"))

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong on our side" in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "ERROR"
    assert isinstance(record.exc_info[1], ValueError)


def _statement_timeout(*args, **kwargs):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")


@pytest.mark.django_db
def test_a_query_cut_off_by_the_statement_timeout_is_a_503_that_says_so(client, member, monkeypatch, caplog):
    monkeypatch.setattr(selectors, "teams_for_user", _statement_timeout)
    client.force_login(member)
    client.raise_request_exception = False

    response = client.get(reverse("home"))

    assert response.status_code == 503
    assert "That took too long" in response.content.decode()
    assert "can't reach its database" not in response.content.decode()
    # Not an error to page anyone about, and the connection still works.
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert connection.connection.closed == 0


@pytest.mark.django_db
def test_an_operational_error_that_is_no_timeout_and_leaves_the_connection_working_is_a_500(
    client, member, monkeypatch
):
    def not_an_outage(*args, **kwargs):
        connection.ensure_connection()
        raise OperationalError("no such table: x")

    monkeypatch.setattr(selectors, "teams_for_user", not_an_outage)
    client.force_login(member)
    client.raise_request_exception = False

    response = client.get(reverse("home"))

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert connection.connection.closed == 0


def test_only_a_lost_or_refused_connection_counts_as_unavailable(refuse_connections):
    # The connection works: a statement timeout, a bug, a duplicate are not an outage.
    with pytest.raises(OperationalError) as timeout:
        _statement_timeout()
    assert middleware.is_database_unavailable(timeout.value) is False
    assert middleware.is_statement_timeout(timeout.value) is True
    assert middleware.is_database_unavailable(ValueError("a bug")) is False
    assert middleware.is_database_unavailable(IntegrityError("duplicate key")) is False
    assert middleware.is_database_unavailable(InterfaceError("cursor already closed")) is False
    assert middleware.is_database_unavailable(None) is False

    refuse_connections()
    # Closed but not failed (between two requests, say): not the cause of an unrelated error.
    assert middleware.is_database_unavailable(OperationalError("no such table: x")) is False
    with pytest.raises(OperationalError) as refused:
        connection.ensure_connection()
    assert middleware.is_database_unavailable(refused.value) is True
    # A bug is a bug, outage or not.
    assert middleware.is_database_unavailable(ValueError("a bug")) is False
