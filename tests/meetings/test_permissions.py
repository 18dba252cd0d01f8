"""Who sees what: a one-to-one is its two people's (not teammates, not another manager of the
same team or of another, not organisation admins, not outsiders); private notes are their
writer's alone; a team meeting is the team's."""

import pytest
from django.urls import resolve, reverse

from meetings import services
from meetings.models import PrivateNote

from ..twofactor import admin_sign_in
from .conftest import next_meeting
from .matrix import MATRIX

pytestmark = pytest.mark.django_db

SEES = {"member", "manager"}
PERSONAS = ["anonymous", "member", "teammate", "manager", "co_manager", "other_manager", "outsider", "org_admin"]


def _client_for(client, persona, people):
    user = people[persona]
    if user is None:
        return client
    if persona == "org_admin":
        admin_sign_in(client, user)
    else:
        client.force_login(user)
    return client


@pytest.fixture
def people(personas, co_manager):
    return {**personas, "co_manager": co_manager}


def _pages(series):
    meeting = next_meeting(series)
    return [
        reverse("meeting_series", args=[series.pk]),
        reverse("meeting_detail", args=[series.pk, meeting.pk]),
        reverse("meeting_calendar", args=[series.pk]),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_two_people_see_a_one_to_one(client, people, one_to_one, persona):
    client = _client_for(client, persona, people)
    for url in _pages(one_to_one):
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif persona in SEES:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, (persona, url)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_two_people_can_post_to_a_one_to_one(client, people, one_to_one, persona):
    client = _client_for(client, persona, people)
    meeting = next_meeting(one_to_one)
    posts = [
        (reverse("meeting_point_add", args=[meeting.pk]), {"text": f"A point from {persona}"}),
        (reverse("meeting_private_note", args=[meeting.pk]), {"body": "mine"}),
        (reverse("meeting_record", args=[meeting.pk]), {"status": "skipped", "reason": "ill"}),
        (reverse("meeting_series_end", args=[one_to_one.pk]), {"reason": "done"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        if persona == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif persona in SEES:
            assert response.status_code in (302, 422), (persona, url, response.status_code)
        else:
            assert response.status_code == 404, (persona, url)
    if persona not in SEES:
        assert not meeting.points.exists()
        assert not PrivateNote.objects.exists()
        one_to_one.refresh_from_db()
        assert one_to_one.is_running


def test_a_private_note_is_seen_by_its_writer_alone(client, one_to_one, manager, member):
    meeting = next_meeting(one_to_one)
    services.private_note_save(meeting=meeting, actor=manager, body="Ask how the move went, gently")
    services.private_note_save(meeting=meeting, actor=member, body="Mention the promotion question")
    client.force_login(member)
    page = client.get(reverse("meeting_series", args=[one_to_one.pk])).content.decode()
    assert "Mention the promotion question" in page
    assert "Ask how the move went" not in page
    client.force_login(manager)
    page = client.get(reverse("meeting_series", args=[one_to_one.pk])).content.decode()
    assert "Ask how the move went, gently" in page
    assert "Mention the promotion question" not in page


def test_the_admin_shows_no_agenda_or_note(admin_client, one_to_one, manager):
    meeting = next_meeting(one_to_one)
    services.private_note_save(meeting=meeting, actor=manager, body="SECRET-NOTE")
    services.agenda_point_add(meeting=meeting, actor=manager, text="SECRET-POINT")
    page = admin_client.get(reverse("admin:meetings_series_change", args=[one_to_one.pk])).content.decode()
    assert "SECRET" not in page
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "privatenote" not in index.lower() and "agendapoint" not in index.lower()


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_team_meeting_is_the_teams(client, people, team_series, persona):
    client = _client_for(client, persona, people)
    response = client.get(reverse("meeting_series", args=[team_series.pk]))
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in {"member", "teammate", "manager", "co_manager"}:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


def test_a_member_adds_a_team_agenda_point_but_only_managers_record(client, team_series, member):
    meeting = next_meeting(team_series)
    client.force_login(member)
    response = client.post(reverse("meeting_point_add", args=[meeting.pk]), {"text": "Release freeze dates?"})
    assert response.status_code == 302
    assert meeting.points.get().text == "Release freeze dates?"
    response = client.post(reverse("meeting_record", args=[meeting.pk]), {"status": "skipped", "reason": "x"})
    assert response.status_code == 422
    meeting.refresh_from_db()
    assert meeting.status == "planned"


def _every_one_to_one_endpoint(series, meeting, point) -> list[tuple[str, str, dict]]:
    """Every URL of a one-to-one, with the method and data a browser would send."""
    return [
        ("get", reverse("meeting_series", args=[series.pk]), {}),
        ("get", reverse("meeting_detail", args=[series.pk, meeting.pk]), {}),
        ("get", reverse("meeting_calendar", args=[series.pk]), {}),
        ("post", reverse("meeting_cadence", args=[series.pk]), {"cadence": "monthly", "weekday": 3, "time": "10:00"}),
        ("post", reverse("meeting_series_end", args=[series.pk]), {"reason": "done"}),
        ("post", reverse("meeting_transfer", args=[series.pk]), {"to_manager": ""}),
        ("post", reverse("meeting_transfer_answer", args=[series.pk]), {"accept": "yes"}),
        ("post", reverse("meeting_point_add", args=[meeting.pk]), {"text": "A point"}),
        ("post", reverse("meeting_point_resolve", args=[point.pk]), {"resolved": "1"}),
        ("post", reverse("meeting_notes", args=[meeting.pk]), {"notes": "ours", "decisions": "", "version": 0}),
        ("post", reverse("meeting_private_note", args=[meeting.pk]), {"body": "mine"}),
        ("post", reverse("meeting_action_item", args=[meeting.pk]), {"owner": "", "title": "Do it", "due_date": ""}),
        ("post", reverse("meeting_record", args=[meeting.pk]), {"status": "skipped", "reason": "ill"}),
        ("post", reverse("meeting_move", args=[meeting.pk]), {"starts_at": "2030-01-01T10:00", "reason": "clash"}),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_one_to_one_endpoint_is_its_two_peoples_only(client, people, one_to_one, manager, persona):
    meeting = next_meeting(one_to_one)
    point = services.agenda_point_add(meeting=meeting, actor=manager, text="Before anyone else")
    endpoints = _every_one_to_one_endpoint(one_to_one, meeting, point)
    assert {name for name in MATRIX if name not in ("meetings_index", "team_meetings")} == {
        resolve(url).url_name for _, url, _ in endpoints
    }
    client = _client_for(client, persona, people)
    for method, url, data in endpoints:
        response = getattr(client, method)(url, data)
        if persona == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        elif persona in SEES:
            assert response.status_code < 500, (persona, url, response.status_code)
        else:
            assert response.status_code == 404, (persona, url, response.status_code)
    if persona not in SEES:
        one_to_one.refresh_from_db()
        assert one_to_one.is_running
        assert list(meeting.points.values_list("text", flat=True)) == ["Before anyone else"]
        assert not meeting.points.get().resolved
        assert not PrivateNote.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_meetings_lists_are_for_the_signed_in_and_a_team_list_for_its_team(client, people, team, persona):
    client = _client_for(client, persona, people)
    index = client.get(reverse("meetings_index"))
    team_page = client.get(reverse("team_meetings", args=[team.slug]))
    if persona == "anonymous":
        assert index.status_code == team_page.status_code == 302
        assert "/accounts/login/" in index["Location"] and "/accounts/login/" in team_page["Location"]
    elif persona in ("member", "teammate", "manager", "co_manager"):
        assert index.status_code == team_page.status_code == 200
    else:
        # Not in the team, an organisation admin included: their own (empty) list, not the team's.
        assert index.status_code == 200
        assert team_page.status_code == 404
