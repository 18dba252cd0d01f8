"""What each event says: its `data` (the webhook JSON) and its chat `Message`.

The services emit ids and what they have at hand; what more an event needs is read here, only
when someone is subscribed. Rules kept here, for every event:
* no anonymous content, ever: a survey round says its results only at or above the team's
  threshold (counts and means, never a comment), and nothing at all below it;
* no check-in's answers nor anyone's mood: a check-in event says who and which week;
* a one-to-one is its two people's only: only team meetings are told.
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from accountability.models import CommitmentStatus, Team, User
from meetings import selectors as meeting_selectors
from surveys import selectors as survey_selectors
from surveys.models import SurveyRound

from .formats import Message
from .models import TEST_EVENT, Event


def link(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def team_data(team: Team | None) -> dict | None:
    if team is None:
        return None
    return {"id": team.pk, "name": team.name, "slug": team.slug}


def envelope(*, name: str, event_id: str, team: Team | None, data: dict, url: str, at: datetime) -> dict:
    """The generic JSON every webhook (and every generic JSON channel) receives."""
    return {
        "id": event_id,
        "type": name,
        "created_at": at.isoformat(),
        "team": team_data(team),
        "data": data,
        "url": url,
    }


def _status(value: str) -> str:
    return CommitmentStatus(value).label if value in CommitmentStatus.values else value


def describe(*, name: str, team: Team | None, payload: dict) -> tuple[dict, Message, str] | None:
    """(data, message, deep link) for an event, or None when there is nothing to tell."""
    if name == Event.CHECKIN_SUBMITTED:
        url = link("checkin_detail", payload["checkin"])
        data = {
            "checkin": {"id": payload["checkin"], "week": payload["week"], "late": payload["late"]},
            "member": {"id": payload["member"], "name": payload["member_name"]},
        }
        title = f"{payload['member_name']} checked in for {payload['week']}"
        return data, Message(title=title, link=url), url
    if name == Event.COMMITMENT_STATUS_CHANGED:
        owner = User.objects.filter(pk=payload["owner"]).first()
        owner_name = owner.name if owner else ""
        url = link("commitment_detail", payload["commitment"])
        data = {
            "commitment": {
                "id": payload["commitment"],
                "title": payload["title"],
                "from": payload["from"],
                "to": payload["to"],
                "due_date": payload["due_date"],
            },
            "owner": {"id": payload["owner"], "name": owner_name},
        }
        title = f"{owner_name}: “{payload['title']}” is now {_status(payload['to']).lower()}"
        return data, Message(title=title, link=url), url
    if name == Event.MEETING_HELD:
        meeting = meeting_selectors.team_meeting_summary(meeting_id=payload["meeting"])
        if meeting is None:
            return None
        url = link("meeting_detail", meeting["series_id"], meeting["id"])
        title = f"{team.name if team else 'Team'} meeting held on {meeting['on']}"
        message = Message(
            title=title,
            text="Agenda:" if meeting["agenda"] else "No agenda points this time.",
            bullets=[p["text"] + (" (resolved)" if p["resolved"] else "") for p in meeting["agenda"]],
            facts=[("Decisions", meeting["decisions"])] if meeting["decisions"] else [],
            link=url,
        )
        return {"meeting": meeting}, message, url
    if name == Event.SURVEY_ROUND_CLOSED:
        return _survey(payload)
    if name == Event.UPDATE_POSTED:
        url = link("update_detail", payload["update"])
        data = {"update": {"id": payload["update"], "title": payload["title"], "author": payload["author"]}}
        message = Message(title=f"Team update: {payload['title']}", text=f"Posted by {payload['author']}.", link=url)
        return data, message, url
    if name == Event.RECOGNITION_GIVEN:
        url = link("recognition_mine")
        names = ", ".join(payload["names"])
        data = {
            "recognition": {"id": payload["recognition"], "message": payload["message"], "values": payload["values"]},
            "giver": payload["giver"],
            "recipients": payload["names"],
        }
        message = Message(
            title=f"{payload['giver']} thanked {names}",
            text=payload["message"],
            facts=[("Values", ", ".join(payload["values"]))] if payload["values"] else [],
            link=url,
        )
        return data, message, url
    if name == TEST_EVENT:
        url = settings.SITE_URL + "/"
        message = Message(title="Test message from Check-ins", text="If you can read this, the connection works.")
        return {"test": True}, message, url
    return None


def _survey(payload: dict) -> tuple[dict, Message, str] | None:
    """Results only when the round shows them (closed, at or above the threshold): counts,
    means and distributions of the scored questions, never a comment. Below it, nothing but
    that the round closed: not even how many answered."""
    round = SurveyRound.objects.select_related("team", "template").filter(pk=payload["round"]).first()
    if round is None:
        return None
    results = survey_selectors.round_results(round)
    url = link("survey_results", round.pk)
    data: dict = {"round": {"id": round.pk, "closes_at": round.closes_at.isoformat()}, "results_shown": results.visible}
    facts = []
    if results.visible:
        data["results"] = {
            "responses": results.responses,
            "invited": results.invited,
            "strategies": {key: round_mean(value) for key, value in results.strategies.items()},
            "questions": [
                {
                    "text": q.question.text,
                    "answers": q.count,
                    "mean": round_mean(q.mean),
                    "distribution": q.distribution,
                }
                for q in results.questions
                if q.distribution
            ],
        }
        facts = [("Responses", f"{results.responses} of {results.invited}")]
        facts += [(key.replace("_", " ").capitalize(), f"{value:.1f}") for key, value in results.strategies.items()]
        text = "Results are in the app."
    else:
        text = "Too few answered for results to be shown: that keeps every answer anonymous."
    return data, Message(title=f"Pulse survey closed · {round.team.name}", text=text, facts=facts, link=url), url


def round_mean(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
