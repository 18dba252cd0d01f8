"""The week's summary, posted to each channel that wants it when its team's week closes: once,
with the dashboard's figures and the answers the team shares, never a private answer or a mood;
set-based whatever the number of teams."""

import json
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accountability.celery import app as celery_app
from accountability.models import CommitmentStatus, Membership, OutboundEmail, Team, Transport
from accountability.outbox import outbox_sweep
from accountability.registry import beat_schedule
from integrations.dispatch import week_summaries_dispatch
from integrations.models import ChannelKind, TeamChannel

from ..factories import CheckInFactory, CommitmentFactory
from ..scheduling import utc
from ..scheduling.test_dispatch_queries import organisation

pytestmark = pytest.mark.django_db

# Week 2026-W11 runs Monday 9 to Sunday 15 March; in London it closes at 00:00 on the 16th (UTC+0).
WEEK_START = date(2026, 3, 9)
CLOSED_AT = utc(2026, 3, 16, 0, 0)


def channel_for(team, url="http://127.0.0.1:9/hook", kind=ChannelKind.JSON, **fields) -> TeamChannel:
    return TeamChannel.objects.create(team=team, kind=kind, name="#t", url=url, **fields)


@pytest.fixture
def week_of_work(team, member, teammate, manager):
    Membership.objects.filter(team=team).update(joined_at=utc(2026, 1, 5, 9, 0))
    CheckInFactory(member=member, team=team, week=WEEK_START, mood=1, highlights="PRIVATE-ANSWER")
    CommitmentFactory(
        owner=member, team=team, week=WEEK_START, due_date=date(2026, 3, 12), status=CommitmentStatus.DONE,
        resolved_on=date(2026, 3, 11),
    )  # fmt: skip
    CommitmentFactory(owner=teammate, team=team, week=WEEK_START, due_date=date(2026, 3, 13))
    return team


def test_the_summary_goes_once_when_the_week_closes(receiver, week_of_work, time_machine):
    team = week_of_work
    channel = channel_for(team, url=receiver.url)

    time_machine.move_to(CLOSED_AT - timedelta(minutes=1), tick=False)
    assert week_summaries_dispatch() == 0  # still open

    time_machine.move_to(CLOSED_AT + timedelta(minutes=5), tick=False)
    assert week_summaries_dispatch() == 1
    assert week_summaries_dispatch() == 0  # run again: nothing new

    time_machine.move_to(CLOSED_AT + timedelta(days=3), tick=False)
    assert week_summaries_dispatch() == 0  # the next week's is not due; this one is done

    outbox_sweep()
    [request] = receiver.wait_for(1)
    body = request.json
    assert body["type"] == "week.closed"
    assert body["data"]["week"] == "2026-W11"
    assert body["data"]["participation"] == {"checked_in": 1, "expected": 2, "on_time": 1}
    assert body["data"]["follow_through"]["came_due"] == 2
    assert body["data"]["follow_through"]["done_on_time"] == 1
    assert body["url"] == f"http://testserver/teams/{team.slug}/dashboard/"
    text = request.body.decode()
    assert "PRIVATE-ANSWER" not in text and "mood" not in text
    assert OutboundEmail.objects.get().target_ref == channel.ref


def test_the_summary_holds_the_week_s_shared_answers_and_never_a_private_one(
    receiver, week_of_work, member, time_machine
):
    from checkins.models import Answer, CheckIn, Question, QuestionKind, Visibility

    team = week_of_work
    channel_for(team, url=receiver.url, kind=ChannelKind.MATTERMOST)
    asked = {"team": team, "valid_from": date(2026, 1, 5)}
    shipped = Question.objects.create(
        kind=QuestionKind.SHORT_TEXT, label="What did we ship?", visibility=Visibility.SHARED, position=5, **asked
    )
    private = Question.objects.create(kind=QuestionKind.LONG_TEXT, label="How are you, really?", position=6, **asked)
    checkin = CheckIn.objects.get(member=member, week=WEEK_START)
    Answer.objects.create(checkin=checkin, question=shipped, text="SHARED-SHIP")
    Answer.objects.create(checkin=checkin, question=private, text="PRIVATE-FEELING")

    time_machine.move_to(CLOSED_AT + timedelta(minutes=5), tick=False)
    assert week_summaries_dispatch() == 1
    outbox_sweep()
    [request] = receiver.wait_for(1)
    text = request.json["text"]
    assert f"{member.name}, What did we ship?: SHARED-SHIP" in text
    assert "PRIVATE-FEELING" not in request.body.decode() and "PRIVATE-ANSWER" not in request.body.decode()


def test_slack_summary_reads_kindly(week_of_work, time_machine):
    channel_for(week_of_work, kind=ChannelKind.SLACK)
    time_machine.move_to(CLOSED_AT + timedelta(minutes=5), tick=False)
    week_summaries_dispatch()
    body = json.loads(OutboundEmail.objects.get().body_text)
    assert body["blocks"][0]["text"]["text"] == "Platform · week 2026-W11 in review"
    fields = [f["text"] for f in body["blocks"][2]["fields"]]
    assert "*Checked in*\n1 of 2 (50%)" in fields


def test_a_channel_that_does_not_want_it_gets_none(week_of_work, time_machine):
    channel_for(week_of_work, post_week_summary=False)
    time_machine.move_to(CLOSED_AT + timedelta(minutes=5), tick=False)
    assert week_summaries_dispatch() == 0


def run(at: datetime, time_machine) -> tuple[int, int]:
    celery_app.loader.import_default_modules()
    task = celery_app.tasks[beat_schedule()["week-summaries"]["task"]]
    time_machine.move_to(at, tick=False)
    with CaptureQueriesContext(connection) as queries:
        result = task.apply(throw=True).get()
    return len(queries), result


def with_channels(teams: list[Team]) -> None:
    TeamChannel.objects.bulk_create(
        TeamChannel(team=t, kind=ChannelKind.JSON, name="#t", url="https://x") for t in teams
    )


def test_the_dispatcher_costs_the_same_queries_for_10_or_1000_teams(time_machine):
    # Nothing due (Thursday): one query for the zones in use.
    with_channels(organisation(10, prefix="a"))
    idle_small, _ = run(utc(2026, 3, 12, 12, 0), time_machine)
    due_small, written = run(utc(2026, 3, 16, 6, 0), time_machine)  # Monday: every zone's week closed
    assert written == 10
    OutboundEmail.objects.filter(transport=Transport.HTTP).delete()

    with_channels(organisation(990, prefix="b"))
    idle_large, _ = run(utc(2026, 3, 12, 12, 0), time_machine)
    due_large, written = run(utc(2026, 3, 16, 6, 0), time_machine)
    assert written == 1000

    assert idle_small == idle_large == 1
    # Due: zones, channels, keys; per chunk of 500 channels the dashboard's figures and one insert.
    assert due_small <= 15
    assert due_large <= 2 * due_small
    assert due_large - due_small <= 2 * (due_small - 3)
