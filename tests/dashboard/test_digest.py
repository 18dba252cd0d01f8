"""The weekly manager digest: Monday 08:00 in the manager's zone, last week's figures, the
needs-you list, a count (only) of anonymous feedback; once, and not late."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accountability.models import OutboundEmail
from accountability.weeks import Week, local_instant
from dashboard.digest import manager_digest_dispatch
from feedback import services as feedback_services

from ..factories import CheckInFactory, MembershipFactory

MONDAY = Week.from_label("2026-W11")  # 9 March 2026
LAST_WEEK = MONDAY.previous()


def _at_local(team, day, at: time) -> datetime:
    return local_instant(day, at, team.tz)


@pytest.fixture
def week_with_news(team, member, teammate, manager):
    CheckInFactory(member=member, team=team, week=LAST_WEEK.start, support_requested="Could we pair on Tuesday?")
    CheckInFactory(member=teammate, team=team, week=LAST_WEEK.start, blockers="Waiting for access")
    return team


def test_the_digest_waits_for_monday_8am_in_the_team_zone(time_machine, week_with_news, manager):
    team = week_with_news
    time_machine.move_to(_at_local(team, MONDAY.start, time(7, 59)), tick=False)
    assert manager_digest_dispatch() == 0
    time_machine.move_to(_at_local(team, MONDAY.start, time(8, 0)), tick=False)
    assert manager_digest_dispatch() == 1

    email = OutboundEmail.objects.get(kind="manager_digest")
    assert email.to_email == manager.email
    assert "week 10" in email.subject and "need you" in email.subject
    assert "Could we pair on Tuesday?" in email.body_text
    assert "Waiting for access" in email.body_text
    assert "/teams/platform/dashboard/" in email.body_text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_running_twice_or_all_day_sends_one(time_machine, week_with_news):
    team = week_with_news
    moment = _at_local(team, MONDAY.start, time(8, 0))
    for minutes in range(0, 24 * 60, 15):
        time_machine.move_to(moment + timedelta(minutes=minutes), tick=False)
        manager_digest_dispatch()
    assert OutboundEmail.objects.filter(kind="manager_digest").count() == 1


def test_after_a_long_outage_a_stale_digest_is_not_sent(time_machine, week_with_news):
    team = week_with_news
    time_machine.move_to(_at_local(team, MONDAY.start, time(8, 0)) + timedelta(days=3), tick=False)
    assert manager_digest_dispatch() == 0


def test_a_manager_with_their_own_zone_gets_it_at_their_8am(time_machine, week_with_news, manager):
    manager.time_zone = "Pacific/Auckland"
    manager.save()
    auckland_monday_8 = local_instant(MONDAY.start, time(8, 0), ZoneInfo("Pacific/Auckland"))
    assert auckland_monday_8 < _at_local(week_with_news, MONDAY.start, time(0, 0))  # still Sunday in London
    time_machine.move_to(auckland_monday_8, tick=False)
    assert manager_digest_dispatch() == 1


def test_anonymous_feedback_is_a_count_never_content(time_machine, team, member, teammate, manager, outsider):
    team.anonymity_threshold = 3
    team.save()
    for _ in range(2):
        MembershipFactory(team=team)
    time_machine.move_to(_at_local(team, LAST_WEEK.day(2), time(12, 0)), tick=False)
    feedback_services.feedback_submit(writer=member, team=team, category="concern", body="A very secret worry")
    # The managers see it (and so may count it) from the daily release, the next morning.
    feedback_services.feedback_release(now=_at_local(team, LAST_WEEK.day(3), time(8, 0)))
    time_machine.move_to(_at_local(team, MONDAY.start, time(8, 0)), tick=False)
    manager_digest_dispatch()

    email = OutboundEmail.objects.get(kind="manager_digest")
    assert "1 new piece" in email.body_text
    assert "secret worry" not in email.body_text + email.body_html + email.subject


def test_managers_who_turned_it_off_get_none(time_machine, week_with_news, manager):
    manager.email_opt_outs = ["manager_digest"]
    manager.save()
    time_machine.move_to(_at_local(week_with_news, MONDAY.start, time(9, 0)), tick=False)
    assert manager_digest_dispatch() == 0
    assert not OutboundEmail.objects.filter(kind="manager_digest").exists()
