"""What the writer's pages share: rendering without a trace, and saying who reads what was
written and when."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accountability.models import Team
from accountability.private_pages import render_private

from .. import services

# Every name the writer's pages (and base.html) look up, so none is ever missing: for a missing
# name Django's template debug log dumps the whole context, the signed-in person included.
PRIVATE_DEFAULTS = {
    "confirm": False,
    "destination": None,
    "left": None,
    "notice": "",
    "not_found": False,
    "shown_once": False,
    "throttled": False,
    "email_paused": False,
    "code_known": False,
    "readers": "",
    "when": "",
    "consent_when": "",
}


def render_writer_page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Render one of the writer's pages, leaving no trace (accountability.private_pages)."""
    return render_private(request, template, context, defaults=PRIVATE_DEFAULTS, status=status)


def readers_of(to_admins: bool) -> str:
    return "the organisation's admins" if to_admins else "your managers"


def when_released(team: Team, written_on, now=None) -> str:
    """When readers see what was written on a team day, said the kind way: "tomorrow from
    08:00, Europe/London time"."""
    now = now or timezone.now()
    at = services.release_at(team=team, written_on=written_on)
    if at <= now:
        return "any moment now"
    day, today = at.astimezone(team.tz).date(), team.today(now)
    if day == today:
        when = "today"
    elif day == today + timedelta(days=1):
        when = "tomorrow"
    else:
        when = f"on {day:%A} {day.day} {day:%B}"
    return f"{when} from {services.RELEASE_LOCAL_TIME:%H:%M}, {team.time_zone} time"
