"""The shared agenda: points in order, carried over visibly, none lost when two people add at once."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from checkins.models import CheckIn
from meetings import services
from meetings.models import AgendaPoint, Status

from ..factories import CheckInFactory
from .conftest import next_meeting


@pytest.mark.django_db
def test_unresolved_points_are_carried_to_the_next_meeting_visibly(client, frozen, one_to_one, manager, member):
    first = next_meeting(one_to_one)
    done = services.agenda_point_add(meeting=first, actor=member, text="Feedback on the release")
    services.agenda_point_add(meeting=first, actor=manager, text="Training budget")
    services.agenda_point_resolve(point=done, actor=manager)
    frozen.move_to(first.starts_at + timedelta(hours=1))
    services.meeting_record(meeting=first, actor=manager, status=Status.HELD)

    second = next_meeting(one_to_one)
    assert second.starts_at == first.starts_at + timedelta(days=7)
    carried = second.points.get()
    assert carried.text == "Training budget" and carried.carried_from.meeting == first
    # The first meeting keeps both, and says where the open one went.
    assert [p.text for p in first.points.all()] == ["Feedback on the release", "Training budget"]

    client.force_login(member)
    page = client.get(reverse("meeting_series", args=[one_to_one.pk])).content.decode()
    assert "carried over from" in page and "Training budget" in page
    page = client.get(reverse("meeting_detail", args=[one_to_one.pk, first.pk])).content.decode()
    assert "carried to the next meeting" in page


@pytest.mark.django_db
def test_a_skipped_meeting_needs_a_reason_and_carries_everything(frozen, one_to_one, manager, member):
    first = next_meeting(one_to_one)
    services.agenda_point_add(meeting=first, actor=member, text="Holiday plans")
    frozen.move_to(first.starts_at + timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        services.meeting_record(meeting=first, actor=member, status=Status.SKIPPED, reason="  ")
    assert "reason" in exc.value.message_dict
    services.meeting_record(meeting=first, actor=member, status=Status.SKIPPED, reason="Mona was ill")
    first.refresh_from_db()
    assert first.status == Status.SKIPPED and first.reason == "Mona was ill"
    assert next_meeting(one_to_one).points.get().text == "Holiday plans"


@pytest.mark.django_db
def test_an_empty_or_long_point_is_refused_kindly_and_kept(client, frozen, one_to_one, member):
    meeting = next_meeting(one_to_one)
    client.force_login(member)
    url = reverse("meeting_point_add", args=[meeting.pk])
    response = client.post(url, {"text": "x" * 501})
    assert response.status_code == 422
    assert "x" * 501 in response.content.decode()
    assert client.post(url, {"text": "   "}).status_code == 422
    assert not meeting.points.exists()


@pytest.mark.django_db
def test_suggestions_come_from_recent_checkins_and_are_added_only_on_a_click(client, frozen, one_to_one, member, team):
    CheckInFactory(
        member=member,
        team=team,
        week=team.current_week().previous().start,
        blockers="Waiting on the vendor's keys",
        support_requested="Help me plan the migration",
    )
    meeting = next_meeting(one_to_one)
    client.force_login(one_to_one.manager)
    page = client.get(reverse("meeting_series", args=[one_to_one.pk])).content.decode()
    assert 'value="Help me plan the migration"' in page and "Waiting on the vendor" in page
    assert not meeting.points.exists()
    client.post(reverse("meeting_point_add", args=[meeting.pk]), {"text": "Help me plan the migration"})
    assert meeting.points.get().text == "Help me plan the migration"
    # An added suggestion is no longer offered.
    page = client.get(reverse("meeting_series", args=[one_to_one.pk])).content.decode()
    assert 'value="Help me plan the migration"' not in page
    assert "Waiting on the vendor" in page
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_adding_points_at_once_lose_none(one_to_one, manager, member):
    meeting = next_meeting(one_to_one)
    barrier = threading.Barrier(2)
    errors = []

    def add(user, prefix):
        try:
            barrier.wait(timeout=10)
            for i in range(10):
                services.agenda_point_add(meeting=meeting, actor=user, text=f"{prefix} {i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add, args=(manager, "Manager")),
        threading.Thread(target=add, args=(member, "Member")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    texts = set(AgendaPoint.objects.filter(meeting=meeting).values_list("text", flat=True))
    assert texts == {f"Manager {i}" for i in range(10)} | {f"Member {i}" for i in range(10)}
