"""A series over time: a cadence change mid-series, a member leaving, a change of manager with
the member's consent, and the scheduled emails (once each, honouring preferences)."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accountability import services as core_services
from accountability.models import Membership, OutboundEmail, Role
from meetings import services
from meetings.models import Cadence, Kind, Series, Status

from ..factories import MembershipFactory
from .conftest import next_meeting

pytestmark = pytest.mark.django_db


def test_either_person_can_start_one_and_starting_twice_gives_the_same(frozen, team, manager, member, teammate):
    series = services.series_start(
        team=team, actor=member, other=manager, cadence=Cadence.FORTNIGHTLY, weekday=1, local_time=time(11, 0)
    )
    again = services.series_start(
        team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=2, local_time=time(9, 0)
    )
    assert again.pk == series.pk and (series.manager, series.member) == (manager, member)
    with pytest.raises(ValidationError):
        services.series_start(
            team=team, actor=member, other=teammate, cadence=Cadence.WEEKLY, weekday=1, local_time=time(9, 0)
        )


def test_a_cadence_change_mid_series_moves_the_next_meeting_with_its_agenda(frozen, one_to_one, manager, member, team):
    first = next_meeting(one_to_one)
    frozen.move_to(first.starts_at + timedelta(hours=1))
    services.meeting_record(meeting=first, actor=manager, status=Status.HELD)
    upcoming = next_meeting(one_to_one)
    services.agenda_point_add(meeting=upcoming, actor=member, text="Growth plan")
    services.series_change_cadence(
        series=one_to_one, actor=member, cadence=Cadence.FORTNIGHTLY, weekday=0, local_time=time(14, 0)
    )
    moved = next_meeting(one_to_one)
    assert moved.pk == upcoming.pk and moved.on.weekday() == 0 and moved.sequence == upcoming.sequence + 1
    assert moved.starts_at.astimezone(team.tz).time() == time(14, 0)
    assert moved.points.get().text == "Growth plan"
    first.refresh_from_db()
    assert first.status == Status.HELD and first.on.weekday() == 3  # history keeps its date
    frozen.move_to(moved.starts_at + timedelta(hours=1))
    services.meeting_record(meeting=moved, actor=manager, status=Status.HELD)
    assert next_meeting(one_to_one).on == moved.on + timedelta(days=14)


def test_a_member_leaving_ends_the_series_and_history_stays_for_both(client, frozen, one_to_one, manager, member, team):
    meeting = next_meeting(one_to_one)
    services.agenda_point_add(meeting=meeting, actor=member, text="Handover")
    core_services.membership_remove(membership=Membership.objects.get(user=member, team=team), actor=manager)
    assert services.series_end_departed() == 1
    one_to_one.refresh_from_db()
    assert not one_to_one.is_running and one_to_one.end_reason == "Mia Member left the team"
    for person in (manager, member):
        client.force_login(person)
        page = client.get(reverse("meeting_series", args=[one_to_one.pk]))
        assert page.status_code == 200 and "Handover" in page.content.decode()
    # Ended: no more points, with a clear message rather than an error.
    response = client.post(reverse("meeting_point_add", args=[meeting.pk]), {"text": "One more"})
    assert response.status_code == 422 and "has ended" in response.content.decode()


def test_a_change_of_manager_waits_for_the_members_consent(
    client, frozen, one_to_one, manager, member, team, co_manager
):
    meeting = next_meeting(one_to_one)
    services.agenda_point_add(meeting=meeting, actor=member, text="My open question")
    services.series_transfer_propose(series=one_to_one, actor=manager, to_manager=co_manager)
    one_to_one.refresh_from_db()
    assert one_to_one.is_running and one_to_one.transfer_to == co_manager
    with pytest.raises(ValidationError):
        services.series_transfer_answer(series=one_to_one, actor=manager, accept=True)

    client.force_login(member)
    response = client.post(reverse("meeting_transfer_answer", args=[one_to_one.pk]), {"accept": "1"})
    successor = Series.objects.get(kind=Kind.ONE_TO_ONE, manager=co_manager, member=member)
    assert response.status_code == 302 and response["Location"] == reverse("meeting_series", args=[successor.pk])
    one_to_one.refresh_from_db()
    assert not one_to_one.is_running and "Cora Comanager" in one_to_one.end_reason
    assert next_meeting(successor).points.get().text == "My open question"
    # The old manager still reads the old series, not the new one.
    client.force_login(manager)
    assert client.get(reverse("meeting_series", args=[one_to_one.pk])).status_code == 200
    assert client.get(reverse("meeting_series", args=[successor.pk])).status_code == 404


def test_emails_are_written_once_each_and_honour_preferences(frozen, one_to_one, manager, member, team):
    member.email_opt_outs = ["meeting_talking_points"]
    member.save()
    meeting = next_meeting(one_to_one)
    services.agenda_point_add(meeting=meeting, actor=member, text="Conference budget")
    # Two days before: the talking-points reminder (the member turned it off).
    frozen.move_to(meeting.starts_at - timedelta(days=2))
    assert services.meetings_dispatch() == 1
    assert services.meetings_dispatch() == 0
    assert list(OutboundEmail.objects.values_list("kind", "to_email")) == [("meeting_talking_points", manager.email)]
    # The day before: the agenda, to both, with the point.
    frozen.move_to(meeting.starts_at - timedelta(hours=20))
    assert services.meetings_dispatch() == 2
    agenda = OutboundEmail.objects.filter(kind="meeting_agenda")
    assert {e.to_email for e in agenda} == {manager.email, member.email}
    assert all("Conference budget" in e.body_text and "/email/unsubscribe/" in e.body_text for e in agenda)
    # Held, with an action item: the action items go out an hour later, once.
    frozen.move_to(meeting.starts_at + timedelta(minutes=30))
    services.action_item_add(
        meeting=meeting, actor=manager, owner=member, title="Book the course", due_date=team.today() + timedelta(days=3)
    )
    services.meeting_record(meeting=meeting, actor=manager, status=Status.HELD)
    assert services.meetings_dispatch() == 0
    frozen.move_to(meeting.starts_at + timedelta(hours=2))
    assert services.meetings_dispatch() == 2
    assert services.meetings_dispatch() == 0
    items = OutboundEmail.objects.filter(kind="meeting_action_items")
    assert all("Book the course" in e.body_text for e in items)


def test_missed_slots_are_made_so_the_cadence_counts_them(frozen, one_to_one, team):
    first = next_meeting(one_to_one)
    frozen.move_to(first.starts_at + timedelta(weeks=3, hours=1))
    services.series_meetings_catch_up()
    meetings = list(one_to_one.meetings.order_by("starts_at"))
    assert [m.on for m in meetings] == [first.on + timedelta(weeks=k) for k in range(5)]
    assert [m.status for m in meetings] == [Status.PLANNED] * 5


def test_a_second_manager_demoted_ends_their_one_to_ones(frozen, team, manager, member, co_manager):
    series = services.series_start(
        team=team, actor=co_manager, other=member, cadence=Cadence.WEEKLY, weekday=1, local_time=time(9, 0)
    )
    core_services.membership_set_role(
        membership=Membership.objects.get(user=co_manager, team=team), role=Role.MEMBER, actor=manager
    )
    services.series_end_departed()
    series.refresh_from_db()
    assert series.end_reason == "Cora Comanager no longer manages the team"
    assert MembershipFactory  # factories stay importable for the other tests


def test_a_team_meeting_counts_held_against_its_cadence_with_who_attended(
    client, frozen, team_series, manager, member, teammate, team
):
    from accountability.weeks import week_range
    from meetings import selectors

    first = next_meeting(team_series)
    frozen.move_to(first.starts_at + timedelta(hours=1))
    services.meeting_record(
        meeting=first, actor=manager, status=Status.HELD, attendee_ids=[manager.pk, member.pk, 999999]
    )
    assert set(first.attendees.values_list("pk", flat=True)) == {manager.pk, member.pk}
    frozen.move_to(first.starts_at + timedelta(days=7, hours=1))
    services.meeting_record(
        meeting=next_meeting(team_series), actor=manager, status=Status.SKIPPED, reason="Company all-hands"
    )
    frozen.move_to(first.starts_at + timedelta(days=15))  # the third, yesterday, was not recorded
    figures = selectors.trust_figures(team=team, weeks=week_range(team.current_week(), 4))
    assert figures["team_meetings_held"] == {"numerator": 1, "denominator": 3}
    assert figures["one_to_ones_held"] == {"numerator": 0, "denominator": 0}
    client.force_login(teammate)
    page = client.get(reverse("meeting_detail", args=[team_series.pk, first.pk])).content.decode()
    assert "Attended:" in page and "Mia Member" in page and "Theo Teammate" not in page.split("Attended:")[1][:200]


def test_the_beat_job_is_registered_by_name():
    from accountability.celery import app
    from accountability.registry import beat_schedule, optional_kinds

    assert beat_schedule()["meetings"]["task"] == "meetings.tasks.meetings_dispatch"
    app.loader.import_default_modules()
    assert "meetings.tasks.meetings_dispatch" in app.tasks
    assert {"meeting_agenda", "meeting_talking_points", "meeting_action_items"} <= set(optional_kinds())
