"""The digests: members get last week's updates they have not opened (Monday 08:00 team time,
once); the managers' digest carries the new transparency and consistency figures with their
definitions; the CSV's team line carries them too."""

import csv
import io
from datetime import time, timedelta

import pytest
from django.urls import reverse

from accountability.models import OutboundEmail
from accountability.weeks import Week, local_instant
from dashboard.digest import manager_digest_dispatch
from updates import services
from updates.digest import updates_digest_dispatch

from ..factories import TeamFactory

MONDAY = Week.from_label("2026-W11")  # 9 March 2026
LAST_WEEK = MONDAY.previous()


@pytest.fixture
def last_weeks_updates(team, manager, member, teammate, other_team, other_manager):
    tuesday = local_instant(LAST_WEEK.day(1), time(10), team.tz)
    for person in (member, teammate):
        person.memberships.update(joined_at=tuesday - timedelta(days=60))
    read = services.update_post(author=manager, team=team, title="Already read", body="x", now=tuesday)
    services.update_post(author=manager, team=team, title="Missed it", body="y", now=tuesday + timedelta(days=1))
    services.update_post(author=manager, team=team, title="Too old", body="z", now=tuesday - timedelta(days=7))
    services.update_post(author=other_manager, team=other_team, title="Other team", body="w", now=tuesday)
    services.update_mark_read(update=read, user=member, now=tuesday + timedelta(hours=1))
    return team


def test_members_get_the_updates_they_missed_once_from_monday_8am(time_machine, last_weeks_updates, member, teammate):
    team = last_weeks_updates
    time_machine.move_to(local_instant(MONDAY.start, time(7, 59), team.tz), tick=False)
    assert updates_digest_dispatch() == 0
    time_machine.move_to(local_instant(MONDAY.start, time(8, 0), team.tz), tick=False)
    assert updates_digest_dispatch() == 2
    assert updates_digest_dispatch() == 0
    mine = OutboundEmail.objects.get(kind="updates_digest", to_email=member.email)
    assert "Missed it" in mine.body_text
    for absent in ("Already read", "Too old", "Other team"):
        assert absent not in mine.body_text
    theirs = OutboundEmail.objects.get(kind="updates_digest", to_email=teammate.email)
    assert "Already read" in theirs.body_text and "Missed it" in theirs.body_text
    assert mine.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_members_digest_honours_preferences_and_is_not_sent_late(time_machine, last_weeks_updates, member):
    team = last_weeks_updates
    member.email_opt_outs = ["updates_digest"]
    member.save()
    time_machine.move_to(local_instant(MONDAY.start, time(9), team.tz), tick=False)
    updates_digest_dispatch()
    assert not OutboundEmail.objects.filter(kind="updates_digest", to_email=member.email).exists()
    OutboundEmail.objects.all().delete()
    time_machine.move_to(local_instant(MONDAY.start, time(9), team.tz) + timedelta(days=3), tick=False)
    assert updates_digest_dispatch() == 0


def test_the_manager_digest_has_the_new_figures_with_their_definitions(time_machine, last_weeks_updates, manager):
    team = last_weeks_updates
    time_machine.move_to(local_instant(MONDAY.start, time(8), team.tz), tick=False)
    assert manager_digest_dispatch() == 1
    email = OutboundEmail.objects.get(kind="manager_digest")
    assert "Updates posted: 2 (Team updates the team's managers posted in the period" in email.body_text
    assert "Manager changes:" in email.body_text and "Recognition for each value: none yet" in email.body_text
    assert "Updates read within a week" in email.body_html


def test_a_question_emails_the_author_once(team, manager, member):
    update = services.update_post(author=manager, team=team, title="Plan", body="x")
    services.update_respond(update=update, user=member, kind="question")
    services.update_respond(update=update, user=member, kind="question")
    services.update_respond(update=update, user=member, kind="thanks")
    emails = OutboundEmail.objects.filter(kind="update_question")
    assert emails.count() == 1 and emails.get().to_email == manager.email
    assert "Mia Member has a question about “Plan”" in emails.get().subject


def test_the_csv_team_line_has_the_team_only_figures(client, team, manager, member, values, time_machine):
    time_machine.move_to(local_instant(MONDAY.day(2), time(12), team.tz), tick=False)
    services.update_post(author=manager, team=team, title="Plan", body="x")
    services.recognition_give(giver=manager, recipients=[member], values=values[:1], message="Thanks")
    client.force_login(manager)
    response = client.get(reverse("team_dashboard_export", args=[team.slug]) + "?weeks=1")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, *people, whole = rows
    team_line = dict(zip(header, whole, strict=True))
    assert team_line["Updates posted (count)"] == "1"
    assert team_line["Recognition for each value (per value)"] == "Candour: 1"
    for person in people:
        assert dict(zip(header, person, strict=True))["Recognition for each value (per value)"] == ""


def test_a_members_drill_down_shows_no_recognition_or_updates_figure(client, team, manager, member, values):
    services.recognition_give(giver=manager, recipients=[member], values=values[:1], message="Thanks")
    client.force_login(manager)
    page = client.get(reverse("team_dashboard_member", args=[team.slug, member.pk])).content.decode()
    assert "Recognition for each value" not in page and "Updates posted" not in page
    team_page = client.get(reverse("team_dashboard", args=[team.slug])).content.decode()
    assert "Recognition for each value" in team_page and "Candour 1" in team_page


def test_the_members_digest_finds_its_teams_in_a_bounded_number_of_queries(
    time_machine, last_weeks_updates, django_assert_max_num_queries
):
    """Decided per time zone, not per team: nothing due is one query (the zones in use)
    however many teams there are, and the teams of the due zones are the only ones read."""
    team = last_weeks_updates
    time_machine.move_to(local_instant(MONDAY.start, time(7, 59), team.tz), tick=False)
    with django_assert_max_num_queries(1):
        assert updates_digest_dispatch() == 0
    TeamFactory.create_batch(30, time_zone="America/New_York")
    with django_assert_max_num_queries(1) as queries:
        assert updates_digest_dispatch() == 0
    # The distinct zones, not every team read into Python.
    assert "DISTINCT" in queries.captured_queries[0]["sql"]
    time_machine.move_to(local_instant(MONDAY.start, time(8, 0), team.tz), tick=False)
    assert updates_digest_dispatch() == 2
