"""A database that cannot be reached is "back in a moment" (503), not "something went wrong" (500).

While PostgreSQL restarts or fails over, every query fails because the connection was lost or
refused. Those failures, and a query cancelled by the statement timeout, answer 503 with
Retry-After and a page rendered without the database; every other error is still a 500, logged
as one.

Two ways in, one answer: `DatabaseUnavailableMiddleware` for a failure in a view or its template,
and the 500 handler (`views.error_500`) for one in another middleware (a signed-in person's
session is first read by TimeZoneMiddleware, and saved by SessionMiddleware), which Django turns
into a 500 before any middleware could see the exception.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

# SQLSTATEs a server sends when it drops or refuses a connection: connection exceptions (class 08),
# and admin shutdown, crash shutdown, "the database system is starting up / shutting down".
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")

# Never written back into a page, even the sender's own: they type these again.
_NOT_RESENT = ("password",)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Did this exception come from a lost or refused database connection?

    Not every OperationalError does: a statement timeout, a lock not granted or SQLite's "no such
    table" leave the connection working, and they are bugs or load to look into (500). A lost
    connection is one that just failed (Django's `errors_occurred`) and is now closed by the
    driver (psycopg's `closed`) or was never opened (a refused connect leaves `connection` None).
    psycopg reports neither with a SQLSTATE, but a server that says goodbye may, so that counts too.
    """
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    if sqlstate and sqlstate.startswith(_CONNECTION_SQLSTATES):
        return True
    return any(
        wrapper.errors_occurred and (wrapper.connection is None or bool(getattr(wrapper.connection, "closed", False)))
        for wrapper in connections.all(initialized_only=True)
    )


# query_canceled: the statement ran past `statement_timeout` (settings.DATABASE_STATEMENT_TIMEOUT_MS).
_TIMEOUT_SQLSTATE = "57014"


def is_statement_timeout(exc: BaseException | None) -> bool:
    """Was a query cancelled for running too long? The connection still works; the page is
    answered 503 "took too long" rather than left to fail as a 500, and the query has stopped."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    return (getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)) == _TIMEOUT_SQLSTATE


def _resend_fields(request: HttpRequest) -> tuple[list[tuple[str, str]], bool]:
    """What the person sent, to send again from the 503 page, and whether a password was left out."""
    try:
        items = [(name, value) for name, values in request.POST.lists() for value in values]
    except Exception:  # an unreadable or oversized body is simply not offered again
        return [], False
    kept = [(name, value) for name, value in items if not any(word in name.lower() for word in _NOT_RESENT)]
    return kept, len(kept) < len(items)


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 page. Rendered without the request, so no context processor (the navigation reads
    the person's teams) and no template tag touches the database. Also for a query cancelled by
    the statement timeout, which says so instead of "can't reach its database"."""
    timed_out = is_statement_timeout(exc)
    retry_after = settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    posted = request.method == "POST"
    resend, password_left_out = _resend_fields(request) if posted else ([], False)
    context = {
        "retry_after": retry_after,
        "changing": request.method not in ("GET", "HEAD", "OPTIONS"),
        "resend": resend,
        "password_left_out": password_left_out,
        "here": request.get_full_path(),
        "timed_out": timed_out,
    }
    response = HttpResponse(loader.get_template("503.html").render(context), status=503)
    response["Retry-After"] = str(retry_after)
    # It may hold what the person typed: never kept by the browser's or a proxy's cache.
    add_never_cache_headers(response)
    # One short warning line, not django.request's error with the request attached: an outage is
    # not a bug, and the request (address, cookies, who is signed in) must not reach the logs
    # from the anonymous pages. The path is left out for the same reason.
    what = "Query cancelled by the statement timeout" if timed_out else "Database unreachable"
    logger.warning("%s, answered 503: %s: %s", what, type(exc).__name__, str(exc).strip().split("\n")[0])
    response._has_been_logged = True  # read by django.utils.log.log_response
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 instead of 500 when a view fails because the database cannot be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception) or is_statement_timeout(exception):
            return database_unavailable_response(request, exception)
        return None
