"""Writing anonymous feedback, and the page that shows its follow-up code once."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accountability.forms import add_service_errors
from accountability.models import Team
from accountability.navigation import CURRENT_TEAM_SESSION_KEY

from .. import selectors, services
from ..forms import (
    FeedbackForm,
    admins_reason,
    destination_of,
)
from .private import readers_of, render_writer_page, when_released

# --- Writing -------------------------------------------------------------------------------


def _destination(team) -> dict | None:
    if team is None:
        return None
    kind = destination_of(team)
    return {"kind": kind, "team": team, "reason": admins_reason(team) if kind == "admins" else ""}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def feedback_new(request: HttpRequest) -> HttpResponse:
    teams = selectors.teams_for_writing()
    left = services.submissions_left(writer=request.user)
    if request.method != "POST":
        # Start from the team last opened (read from the session, never written to it).
        team = teams.filter(pk=request.session.get(CURRENT_TEAM_SESSION_KEY)).first()
        form = FeedbackForm(
            teams=teams, initial={"team": team, "shown_destination": destination_of(team) if team else ""}
        )
        return render_writer_page(
            request, "feedback/new.html", {"form": form, "destination": _destination(team), "left": left}
        )

    form = FeedbackForm(request.POST, teams=teams)
    if not form.is_valid():
        team = form.cleaned_data.get("team")
        context = {"form": form, "destination": _destination(team), "left": left}
        return render_writer_page(request, "feedback/new.html", context, status=422)

    data = form.cleaned_data
    destination = _destination(data["team"])
    if data["shown_destination"] != destination["kind"]:
        # The page said (or, without JavaScript, could only say) something else: say where it
        # really goes, and send only when they confirm.
        confirmed = request.POST.copy()
        confirmed["shown_destination"] = destination["kind"]
        form = FeedbackForm(confirmed, teams=teams)
        form.is_valid()
        context = {"form": form, "destination": destination, "left": left, "confirm": True}
        return render_writer_page(request, "feedback/new.html", context)

    try:
        submitted = services.feedback_submit(
            writer=request.user, team=data["team"], category=data["category"], body=data["body"], sign=data["sign"]
        )
    except services.Throttled:
        form.add_error(
            None,
            f"You've sent {services.DAILY_LIMIT} pieces of anonymous feedback today, the most we take from one "
            "person in a day. Your text is still here: send it tomorrow, or tick “Sign it with my name” to send "
            "it now.",
        )
        context = {"form": form, "destination": destination, "left": 0}
        return render_writer_page(request, "feedback/new.html", context, status=429)
    except ValidationError as exc:
        add_service_errors(form, exc)
        context = {"form": form, "destination": destination, "left": left}
        return render_writer_page(request, "feedback/new.html", context, status=422)
    # Shown once, on the page this redirects to: a reload there shows nothing and sends nothing.
    token = services.shown_once_put(
        value={
            "kind": "code",
            "code": submitted.code,
            "team": submitted.thread.team_id,
            "to_admins": submitted.thread.to_admins,
            "signed": submitted.thread.is_signed,
            "written_on": submitted.thread.created_on,
        }
    )
    return redirect("feedback_sent", token=token)


@never_cache
@require_GET  # not HEAD: a HEAD request would take the token and show nothing
def feedback_sent(request: HttpRequest, token: str) -> HttpResponse:
    """The follow-up code, once. The code is not stored anywhere it could be read back: opened
    again (a reload, the back button), the page says so and shows nothing."""
    shown = services.shown_once_take(token=token)
    team = Team.objects.filter(pk=shown["team"]).first() if shown and shown.get("kind") == "code" else None
    if team is None:
        return render_writer_page(request, "feedback/sent_once.html", {}, status=410)
    return render_writer_page(
        request,
        "feedback/sent.html",
        {
            "code": shown["code"],
            "team": team,
            "to_admins": shown["to_admins"],
            "signed": shown["signed"],
            "readers": readers_of(shown["to_admins"]),
            "when": when_released(team, shown["written_on"]),
        },
    )
