"""What each event tells, and what it never does: survey results only at the threshold and never
a comment, one-to-ones never, a commitment's reflection never."""

import json

import pytest

from accountability import services as core_services
from accountability.models import CommitmentStatus, OutboundEmail
from integrations import services
from integrations.models import ChannelKind, Event
from meetings import services as meeting_services
from meetings.models import Status
from surveys import services as survey_services

from ..factories import CommitmentFactory
from ..meetings.conftest import frozen, next_meeting, one_to_one, team_series  # noqa: F401 (fixtures)
from ..surveys.factories import add_responses, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(org_admin, allow_loopback):
    endpoint, _ = services.endpoint_create(
        actor=org_admin, name="Warehouse", url="http://127.0.0.1:9/hook", events=list(Event.values)
    )
    return endpoint


def delivered(hook) -> list[dict]:
    return [json.loads(row.body_text) for row in OutboundEmail.objects.filter(target_ref=hook.ref).order_by("pk")]


def test_a_survey_closing_below_the_threshold_tells_no_count(hook, team, manager):
    round = make_round(team)
    add_responses(round, team.anonymity_threshold - 1, comment="SECRET-COMMENT")

    survey_services.round_close(round=round, actor=manager)

    [event] = delivered(hook)
    assert event["type"] == "survey.round_closed"
    assert event["data"]["results_shown"] is False
    assert "results" not in event["data"]
    text = json.dumps(event)
    assert "SECRET-COMMENT" not in text
    assert "responses" not in text


def test_a_survey_closing_at_the_threshold_tells_its_figures_never_a_comment(hook, team, manager):
    round = make_round(team)
    add_responses(round, team.anonymity_threshold, comment="SECRET-COMMENT")

    survey_services.round_close(round=round, actor=manager)

    [event] = delivered(hook)
    results = event["data"]["results"]
    assert results["responses"] == team.anonymity_threshold
    assert results["questions"] and all(q["distribution"] for q in results["questions"])
    assert "SECRET-COMMENT" not in json.dumps(event)


def test_a_survey_closed_by_the_dispatcher_is_told_too(hook, team, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    round = make_round(team)
    time_machine.move_to(round.closes_at + timedelta(minutes=1), tick=False)
    survey_services.survey_dispatch(now=timezone.now())
    [event] = delivered(hook)
    assert (event["type"], event["team"]["id"]) == ("survey.round_closed", team.pk)


def test_a_team_meeting_held_posts_its_agenda_to_the_channel(allow_loopback, team_series, manager, team):  # noqa: F811
    channel = services.channel_connect(
        actor=manager, team=team, kind=ChannelKind.MATTERMOST, name="#t", url="http://127.0.0.1:9/hook"
    )
    meeting = next_meeting(team_series)
    meeting_services.agenda_point_add(meeting=meeting, actor=manager, text="Release checklist")
    meeting.starts_at = meeting.starts_at.replace(year=meeting.starts_at.year - 1)
    meeting.save(update_fields=["starts_at"])

    meeting_services.meeting_record(meeting=meeting, actor=manager, status=Status.HELD)
    meeting_services.meeting_record(meeting=meeting, actor=manager, status=Status.HELD)  # recorded again

    [row] = OutboundEmail.objects.filter(target_ref=channel.ref)
    text = json.loads(row.body_text)["text"]
    assert "Release checklist" in text
    assert f"/meetings/{team_series.pk}/m/{meeting.pk}/" in text


def test_a_one_to_one_held_is_never_told(hook, one_to_one, manager):  # noqa: F811
    meeting = next_meeting(one_to_one)
    meeting.starts_at = meeting.starts_at.replace(year=meeting.starts_at.year - 1)
    meeting.save(update_fields=["starts_at"])
    meeting_services.meeting_record(meeting=meeting, actor=manager, status=Status.HELD)
    assert delivered(hook) == []


def test_a_commitment_status_change_tells_the_title_never_the_reflection(hook, team, member):
    commitment = CommitmentFactory(owner=member, team=team, title="Ship the export")

    core_services.commitment_review(
        commitment=commitment,
        actor=member,
        status=CommitmentStatus.NOT_DONE,
        obstacle="SECRET-OBSTACLE",
        help_wanted="SECRET-HELP",
    )

    [event] = delivered(hook)
    assert event["type"] == "commitment.status_changed"
    assert event["data"]["commitment"]["title"] == "Ship the export"
    assert (event["data"]["commitment"]["from"], event["data"]["commitment"]["to"]) == ("open", "not_done")
    assert event["data"]["owner"]["name"] == member.name
    assert "SECRET" not in json.dumps(event)


def test_a_failure_to_tell_never_costs_the_change_that_caused_it(hook, team, member, monkeypatch, caplog):
    from checkins.models import CheckIn
    from checkins.services import checkin_submit
    from integrations import events

    def broken(**kwargs):
        raise RuntimeError("a bug in a describer")

    monkeypatch.setattr(events, "describe", broken)
    checkin_submit(member=member, team=team, week=team.current_week(), mood=4)

    assert CheckIn.objects.filter(member=member).exists()
    assert delivered(hook) == []
    assert "could not be queued" in caplog.text
