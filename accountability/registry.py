"""What each app owns and the core runs (DESIGN.md, "Apps and layers"): its email kinds and its
periodic jobs. An app registers them from its AppConfig.ready(); the core reads them here and
never imports the app.

* `email_kind_register(kind, optional=..., private_link=...)`: an email the app sends. An
  optional kind has the label people see on the preferences page and in its one-click
  unsubscribe; the others (invitations, resets) are always sent. A private-link kind's body is
  blanked once sent (its link is a key).
* `periodic_register(name, task=..., schedule=...)`: a Celery task beat runs on a schedule,
  named by its task name (tasks are enqueued by name; nobody imports a tasks module to run it).
  accountability/celery.py gives beat the registered entries when it starts.
"""

from dataclasses import dataclass
from datetime import timedelta

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
