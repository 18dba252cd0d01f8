"""What each app owns and the core runs (DESIGN.md, "Apps and layers"): its email kinds and its
periodic jobs. An app registers them from its AppConfig.ready(); the core reads them here and
never imports the app.

* `email_kind_register(kind, optional=..., private_link=...)`: an email the app sends. An
  optional kind has the label people see on the preferences page and in its one-click
  unsubscribe; the others (invitations, resets) are always sent. A private-link kind's body is
  blanked once sent (its link is a key).
* `suggestion_source_register(source)`: talking points one app offers another's page (the
  check-ins app's support requests, blockers and slipped commitments for a one-to-one's agenda).
* `periodic_register(name, task=..., schedule=...)`: a Celery task beat runs on a schedule,
  named by its task name (tasks are enqueued by name; nobody imports a tasks module to run it).
  accountability/celery.py gives beat the registered entries when it starts.
* `transport_register(name, send=...)`: how outbox rows of a transport other than email are
  delivered (the integrations app's signed HTTP POST); the outbox's claims, retries and dedupe
  are the same for every transport.
* `event_listener_register(fn)` / `event_emit(name=..., team=..., payload=...)`: the services
  announce what happened (a check-in submitted, a meeting held) inside their transaction; a
  listener (the integrations app) turns that into outbox rows. No listener, no cost.
* `team_settings_panel_register(template, context)`: an app's section of a team's settings page.
* `week_panel_register` / `profile_panel_register`: an app's piece of the week or profile page.
* `personal_data_register(name, export=..., erase=..., purge=..., holds_nothing=...)`: what an
  app holds about people, for "export my data", deleting a person and the retention purge
  (see "Personal data" below; the core runs them in services/data.py and services/people.py).
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from celery.schedules import crontab


@dataclass(frozen=True)
class EmailKind:
    kind: str
    # The label on the preferences page; "" when the kind cannot be turned off.
    optional: str = ""
    private_link: bool = False


_email_kinds: dict[str, EmailKind] = {}
_periodic: dict[str, dict] = {}


def email_kind_register(kind: str, *, optional: str = "", private_link: bool = False) -> None:
    """Register an email kind (the same registration twice is harmless; a clash is a bug)."""
    entry = EmailKind(kind=kind, optional=optional, private_link=private_link)
    if _email_kinds.setdefault(kind, entry) != entry:
        raise ValueError(f"email kind {kind!r} registered twice, differently")


def optional_kinds() -> dict[str, str]:
    """Kinds a person may turn off, with their labels, in the order the apps registered them."""
    return {kind: entry.optional for kind, entry in _email_kinds.items() if entry.optional}


def is_private_link_kind(kind: str) -> bool:
    entry = _email_kinds.get(kind)
    return entry is not None and entry.private_link


def periodic_register(name: str, *, task: str, schedule: timedelta | crontab) -> None:
    entry = {"task": task, "schedule": schedule}
    if _periodic.setdefault(name, entry) != entry:
        raise ValueError(f"periodic job {name!r} registered twice, differently")


def beat_schedule() -> dict[str, dict]:
    """Every registered periodic job, as Celery's beat_schedule wants it."""
    return {name: dict(entry) for name, entry in _periodic.items()}


# --- Week page panels ----------------------------------------------------------------------
# A middle app shows its piece of a member's week page (unread team updates, thanks received)
# without the check-ins app importing it: it registers a template and a function giving that
# template's context, `context(user=..., team=..., week=...)` -> dict, or None to show nothing.
# The week page renders every registered panel, in the order registered.


@dataclass(frozen=True)
class WeekPanel:
    template_name: str
    context: object  # Callable[..., dict | None]


_week_panels: dict[str, WeekPanel] = {}


def week_panel_register(template_name: str, context_callable) -> None:
    """Register a week-page panel (the same template twice replaces the earlier entry)."""
    _week_panels[template_name] = WeekPanel(template_name=template_name, context=context_callable)


def week_panels(*, user, team, week) -> list[tuple[str, dict]]:
    """The panels to show on this person's week page: (template name, context) pairs."""
    result = []
    for panel in _week_panels.values():
        context = panel.context(user=user, team=team, week=week)
        if context is not None:
            result.append((panel.template_name, context))
    return result


# --- Profile page panels -------------------------------------------------------------------
# An app adds its piece of a person's profile page (access tokens, a calendar feed, a data
# export) without the core importing it: it registers a template and `context(user=...)` -> dict,
# or None to show nothing. Forms in a panel post to the registering app's own URLs.

_profile_panels: dict[str, WeekPanel] = {}


def profile_panel_register(template_name: str, context_callable) -> None:
    """Register a profile-page panel (the same template twice replaces the earlier entry)."""
    _profile_panels[template_name] = WeekPanel(template_name=template_name, context=context_callable)


def profile_panels(*, user) -> list[tuple[str, dict]]:
    """The panels to show on this person's profile page: (template name, context) pairs."""
    result = []
    for panel in _profile_panels.values():
        context = panel.context(user=user)
        if context is not None:
            result.append((panel.template_name, context))
    return result


# --- Suggestion sources: one app's data offered in another's page ---------------------------
# A one-to-one's agenda suggests talking points from the member's recent check-ins, but the
# meetings app must not import the check-ins app: the check-ins app registers a function here
# and the meetings app asks the core. A suggestion is only offered; nothing is added unasked.


@dataclass(frozen=True)
class Suggestion:
    text: str
    # What it comes from, in a few words ("asked for support", "a blocker", "slipped").
    reason: str
    # When it was written, for ordering; a date is enough.
    on: date


SuggestionSource = Callable[..., Iterable[Suggestion]]
_suggestion_sources: list[SuggestionSource] = []


def suggestion_source_register(source: SuggestionSource) -> None:
    """Register `source(member=..., team=..., since=...)` returning Suggestions (once, however
    often this is called)."""
    if source not in _suggestion_sources:
        _suggestion_sources.append(source)


def suggestions_for(*, member, team, since: date) -> list[Suggestion]:
    """Every registered source's suggestions about `member` in `team` since that date, newest
    first."""
    found: list[Suggestion] = []
    for source in _suggestion_sources:
        found.extend(source(member=member, team=team, since=since))
    return sorted(found, key=lambda s: s.on, reverse=True)


# --- Outbox transports ---------------------------------------------------------------------
# An outbox row whose `transport` is not email is handed to the sender registered for it:
# `send(row)` returns when the receiver took it and raises when it did not. A `DeliveryRefused`
# is final (the row fails at once: a forbidden address, a receiver that said 4xx); any other
# exception is retried with the outbox's back-off until OUTBOX_MAX_ATTEMPTS.


class DeliveryRefused(Exception):
    """Retrying cannot help: the row is failed at once."""


_transports: dict[str, Callable] = {}


def transport_register(name: str, *, send: Callable) -> None:
    if _transports.setdefault(name, send) is not send:
        raise ValueError(f"transport {name!r} registered twice, differently")


def transport_sender(name: str) -> Callable | None:
    return _transports.get(name)


# --- Events ----------------------------------------------------------------------------------
# The services say what happened, in their own transaction: `event_emit(name="meeting.held",
# team=team, payload={...}, key=str(meeting.pk))`. Each listener is called with the same
# arguments and an `event_id`: a UUID derived from the name and `key`, so the same event told
# twice (a retried request) has the same id, and the outbox's dedupe key keeps one delivery.
# Payloads hold ids and what the service has at hand; never anonymous content.

EVENT_NAMESPACE = uuid.UUID("6f1b7c52-3d1e-4b8e-9a51-0d6c1f0f7a10")
_event_listeners: list[Callable] = []


def event_listener_register(listener: Callable) -> None:
    """Register `listener(name=..., team=..., payload=..., event_id=...)` (once)."""
    if listener not in _event_listeners:
        _event_listeners.append(listener)


def event_id_for(name: str, key: str | None) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{name}:{key}") if key is not None else uuid.uuid4())


def event_emit(*, name: str, team, payload: dict, key: str | None = None) -> None:
    """Tell the listeners that `name` happened (in `team`, or None for the organisation)."""
    if not _event_listeners:
        return
    event_id = event_id_for(name, key)
    for listener in _event_listeners:
        listener(name=name, team=team, payload=payload, event_id=event_id)


# --- Team settings panels ----------------------------------------------------------------------
# An app's section of a team's settings page (the integrations app's chat channels), without the
# core importing it: a template and `context(user=..., team=...)` -> dict, or None for nothing.

_team_settings_panels: dict[str, WeekPanel] = {}


def team_settings_panel_register(template_name: str, context_callable) -> None:
    _team_settings_panels[template_name] = WeekPanel(template_name=template_name, context=context_callable)


def team_settings_panels(*, user, team) -> list[tuple[str, dict]]:
    result = []
    for panel in _team_settings_panels.values():
        context = panel.context(user=user, team=team)
        if context is not None:
            result.append((panel.template_name, context))
    return result


# --- Personal data: export, erasure and retention ------------------------------------------
# Each app that holds data about a person registers, from its apps.py, what the core runs for
# "export my data", "delete this person" and the daily retention purge; the core never learns
# the apps' columns (accountability/services/data.py and people.py run them).
#
# * `export(user)` -> {part name: rows}: a list of dicts (tabular: it also goes into the ZIP
#   as CSV) or a dict (JSON only). Values JSON-able (str, numbers, bools, None, ISO dates).
# * `erase(user)`: remove the person's own text (answers, reflections, private notes), keep
#   the rows and numbers team figures are computed from. Runs inside the deletion's transaction.
# * `purge(cutoffs)`: set-based (one UPDATE per kind of text, never a query per team): replace
#   text older than the organisation's retention cutoffs, keep the numbers; returns rows changed.
# * `holds_nothing`: for an app with nothing linkable to a person (anonymous feedback, survey
#   answers): the export says so, in these words.


@dataclass(frozen=True)
class RetentionCutoffs:
    """Text written before these instants is purged; None keeps it for ever."""

    checkin_text: object = None  # datetime | None
    replies: object = None
    meeting_notes: object = None


@dataclass(frozen=True)
class PersonalData:
    name: str
    export: Callable | None = None
    erase: Callable | None = None
    purge: Callable | None = None
    holds_nothing: str = ""


_personal_data: dict[str, PersonalData] = {}


def personal_data_register(
    name: str,
    *,
    export: Callable | None = None,
    erase: Callable | None = None,
    purge: Callable | None = None,
    holds_nothing: str = "",
) -> None:
    """Register what an app holds about people (the same name again replaces the entry)."""
    _personal_data[name] = PersonalData(name=name, export=export, erase=erase, purge=purge, holds_nothing=holds_nothing)


def personal_data() -> list[PersonalData]:
    """Every registered holder of personal data, in the order registered."""
    return list(_personal_data.values())
