"""The team dashboard's figures, kept in the shared cache under the version of the data they
were computed from.

Profiling the dashboard (cProfile, demo data) put half its CPU in building and compiling its
twenty ORM queries, spread over every app's selectors, a fifth in the template and the rest in
adding up cells; the SQL itself is a few milliseconds. So the page computes its figures once
per version of the team's data and reads them back from the cache until something changes.

The version is a fingerprint of every row the dashboard reads, computed in the database by
one correlated subquery on the team row the view loads anyway (no extra query): for each
model in `TEAM_DATA`, the rows reached from the team by the path given, counted and hashed on
PostgreSQL's `xmin` (the transaction that wrote the row version) and `ctid` (where that version
lies). Any insert, update or delete of such a row changes the fingerprint at once, within one
transaction as well (an update writes a new `ctid`). The team row's own fields are part of the
key too. `tests/dashboard/test_freshness.py` keeps `TEAM_DATA` complete: every model of ours
is listed there or in `NOT_READ`, so a new model must be placed before the tests pass.

Figures that move with the clock alone (this week's check-in falling due, "read within a
week", meetings due "up to today") are keyed on the minute as well: such a change shows at
most a minute late; a change of data shows on the next load.

Nothing here is shown to anyone: the fingerprint is a cache key, and what is cached is what
the viewer's own request would compute (its key holds whether they see individuals).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import TypeVar

from django.apps import apps
from django.core.cache import cache as shared_cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from accountability.models import Team
from accountability.weeks import Week

from .range import parse_range

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Bump when what is cached changes shape (a deploy with new fields must not read old entries).
SCHEMA = 1
# Long enough for a manager's session; the version, not the timeout, keeps it right.
TIMEOUT_SECONDS = 15 * 60

# Every model whose rows the team dashboard reads, with the path from it to the team (None: the
# whole table, for small organisation-wide tables).
TEAM_DATA: dict[str, str | None] = {
    "accountability.Membership": "team",
    "accountability.User": "memberships__team",
    "accountability.Absence": "user__memberships__team",
    "accountability.Commitment": "team",
    "accountability.LeadershipEvent": "team",
    "checkins.CheckIn": "team",
    "checkins.Comment": "team",
    "checkins.Question": "team",
    "checkins.Answer": "checkin__team",
    "feedback.FeedbackThread": "team",
    "feedback.FeedbackMessage": "thread__team",
    "surveys.SurveyTemplate": None,
    "surveys.SurveyQuestion": None,
    "surveys.SurveyRound": "team",
    "surveys.SurveyInvitation": "round__team",
    "surveys.SurveyResponse": "round__team",
    "surveys.SurveyAnswer": "response__round__team",
    "meetings.Series": "team",
    "meetings.Meeting": "team",
    "meetings.ActionItem": "meeting__team",
    "updates.Value": None,
    "updates.Update": "team",
    "updates.UpdateRead": "update__team",
    "updates.Recognition": "recipients__user__memberships__team",
    "updates.RecognitionRecipient": "user__memberships__team",
}


def _recent_commitments(since: date) -> Q:
    # What the dashboard reads of a team's commitments (accountability.selectors): due, made or
    # declined in the range, and open ones due in it. Older rows never reach a figure.
    return Q(due_date__gte=since) | Q(week__gte=since) | Q(resolved_on__gte=since)


def _recent_checkins(since: date) -> Q:
    # checkins.selectors: the range's weeks, and open support requests and blockers of any age.
    open_support = ~Q(support_requested="") & Q(support_answered_at__isnull=True)
    open_blocker = ~Q(blockers="") & Q(acknowledged_at__isnull=True)
    return Q(week__gte=since) | open_support | open_blocker


# The tables that grow with a team's history: only the rows that can reach the figures of
# a range starting on or after `since` are fingerprinted, so the cost follows the range.
RECENT: dict[str, Callable[[date], Q]] = {
    "accountability.Commitment": _recent_commitments,
    "checkins.CheckIn": _recent_checkins,
    # The answers to the team's own questions: only the range's weeks reach the figures.
    "checkins.Answer": lambda since: Q(checkin__week__gte=since),
}
# Models the dashboard never reads (the team row itself is keyed on its fields, in Python).
NOT_READ = frozenset(
    {
        "accountability.Team",
        "accountability.Invitation",
        "accountability.OutboundEmail",
        "accountability.CommitmentEvent",
        "accountability.AuditEvent",
        "checkins.QuestionTemplate",
        "accountability.DataExport",
        "accountability.OrganisationSettings",
        "api.AccessToken",
        "api.CalendarFeed",
        "integrations.TeamChannel",
        "integrations.WebhookEndpoint",
        "meetings.AgendaPoint",
        "meetings.PrivateNote",
        "updates.UpdateResponse",
    }
)
# Stand-ins compiled into the SQL, then replaced: the team by the outer query's team row, the
# date by a parameter.
_TEAM = -7_654_321
_SINCE = date(1901, 2, 3)


@cache
def _version_sql() -> tuple[str, tuple]:
    """One SQL expression (text) fingerprinting the team's rows, correlated to the outer
    query's "accountability_team" row, and its parameters (`_SINCE` where the date goes);
    built from the ORM once per process."""
    parts, slots = [], []
    for label, path in TEAM_DATA.items():
        model = apps.get_model(label)
        table = connection.ops.quote_name(model._meta.db_table)
        qs = model._default_manager.order_by()
        if path is not None:
            qs = qs.filter(**{path: _TEAM})
        if label in RECENT:
            qs = qs.filter(RECENT[label](_SINCE))
        # Table names from our own models, no input: SQL built once per process.
        row = RawSQL(f"hashtext({table}.xmin::text || {table}.ctid::text)::bigint", ())  # noqa: S611
        sql, params = qs.annotate(_v=row).values("_v").query.sql_with_params()
        pieces = sql.split("%s")
        if (
            len(pieces) != len(params) + 1
            or "%%" in sql
            or '"accountability_team"' in sql
            or (path is not None and _TEAM not in params)
        ):
            raise RuntimeError(f"{label}: cannot fingerprint by {path!r} ({sql})")
        sql = pieces[0]
        for param, piece in zip(params, pieces[1:], strict=True):
            if param == _TEAM:
                sql += '"accountability_team"."id"' + piece
            else:
                sql += "%s" + piece
                slots.append(param)
        parts.append(f"(SELECT count(*) || ':' || coalesce(sum(v._v), 0) FROM ({sql}) AS v)")  # noqa: S608
    return f"md5(concat_ws(',', {', '.join(parts)}))", tuple(slots)


def with_data_version(teams: QuerySet[Team], *, since: date) -> QuerySet[Team]:
    """`teams` annotated with `data_version`, the fingerprint of what a dashboard over a range
    starting on or after `since` reads. PostgreSQL only (xmin and ctid are its own): on the
    embedded SQLite of `make run` the teams come back as they are, and the page is computed on
    every visit, as `cached` does for a team without a fingerprint."""
    if connection.vendor != "postgresql":
        return teams
    sql, slots = _version_sql()
    params = [since if slot == _SINCE else slot for slot in slots]
    return teams.annotate(data_version=RawSQL(sql, params))  # noqa: S611 - parameters bound


def earliest_start(params: Mapping[str, str], today: date) -> date:
    """A date on or before the start of the range a request asks for, whatever the team's time
    zone (known only once the team is loaded): its local date is within a day of UTC's
    `today`, so its current week is one of three, and the range is what parsing the request
    against that week gives (ISO weeks named by `from`/`to` are the same in every zone)."""
    candidates = {Week.containing(today + timedelta(days=shift)) for shift in (-1, 0, 1)}
    return min(parse_range(params, current=current)[0].start for current in candidates)


def _team_fields(team: Team) -> str:
    return repr([(f.attname, getattr(team, f.attname)) for f in Team._meta.concrete_fields])


def cached(*, team: Team, now: datetime, parts: tuple, compute: Callable[[], T]) -> T:
    """What `compute()` returns for this team, its data's version, the minute `now` falls in,
    and `parts` (whatever else the result depends on: range, page, viewer's access)."""
    version = getattr(team, "data_version", None)
    if version is None:  # loaded without the fingerprint: nothing to key on
        return compute()
    minute = now.replace(second=0, microsecond=0).isoformat()
    raw = repr((SCHEMA, team.pk, version, _team_fields(team), minute, parts))
    key = "dashboard:team:" + hashlib.sha256(raw.encode()).hexdigest()
    try:
        result = shared_cache.get(key)
    except Exception:  # the cache is a shortcut: without Redis the page is computed, not lost
        logger.warning("dashboard cache unavailable: computing the page", exc_info=True)
        return compute()
    if result is None:
        result = compute()
        try:
            shared_cache.set(key, result, TIMEOUT_SECONDS)
        except Exception:
            logger.warning("dashboard cache unavailable: not stored", exc_info=True)
    return result
