"""The week page through the test client: which week it shows, the check-in form, its
conflicts between tabs, closing, lateness and bad input."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accountability.weeks import Week
from checkins import services
from checkins.models import CheckIn

from ..factories import MembershipFactory, TeamFactory

# ISO week 2026-W11 runs Mon 9 – Sun 15 March. The `team` fixture is in London (GMT until
# 29 March), checking in on Fridays at 16:00: due at 16:00 UTC on 13 March.
WEEK = Week(date(2026, 3, 9))
WEDNESDAY = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
CLOSES = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def _this_week(team) -> str:
    return reverse("this_week", args=[team.slug])


def _week(team, label: str) -> str:
    return reverse("week", args=[team.slug, label])


def _saved(member, team, **fields) -> CheckIn:
    fields.setdefault("mood", 3)
    return services.checkin_submit(member=member, team=team, week=team.current_week(), **fields).checkin


# --- Which week ------------------------------------------------------------------------


def test_this_week_shows_the_week_and_the_due_time(signed_in, frozen, team):
    response = signed_in.get(_this_week(team))

    assert response.status_code == 200
    assert response.context["week"] == WEEK
    html = response.content.decode()
    assert "9 Mar – 15 Mar 2026" in html
    assert "Friday 16:00" in html
    assert "Europe/London" in html


@pytest.mark.parametrize(
    ("time_zone", "now", "label", "dates"),
    [
        # Sunday 23:30 UTC is Monday lunchtime in Auckland: already the next week there.
        ("Pacific/Auckland", datetime(2026, 3, 15, 23, 30, tzinfo=UTC), "2026-W12", "16 Mar – 22 Mar 2026"),
        # ...and the same instant is still Sunday afternoon in Los Angeles.
        ("America/Los_Angeles", datetime(2026, 3, 15, 23, 30, tzinfo=UTC), "2026-W11", "9 Mar – 15 Mar 2026"),
        # Monday 00:30 in London during summer time is still Sunday 23:30 in UTC.
        ("Europe/London", datetime(2026, 6, 7, 23, 30, tzinfo=UTC), "2026-W24", "8 Jun – 14 Jun 2026"),
        ("UTC", datetime(2026, 6, 7, 23, 30, tzinfo=UTC), "2026-W23", "1 Jun – 7 Jun 2026"),
    ],
)
def test_the_week_follows_the_team_time_zone(client, db, time_zone, now, label, dates):
    team = TeamFactory(time_zone=time_zone)
    member = MembershipFactory(team=team).user
    client.force_login(member)
    with time_machine.travel(now, tick=False):
        response = client.get(_this_week(team))
        assert response.context["week"].label == label
        assert dates in response.content.decode()

        client.post(_this_week(team), {"mood": "4"})

    assert CheckIn.objects.get().week == Week.from_label(label).start


def test_a_past_week_opens_by_its_label(signed_in, frozen, team):
    response = signed_in.get(_week(team, "2026-W09"))
    assert response.status_code == 200
    assert response.context["week"] == Week(date(2026, 2, 23))
    assert response.context["window"] == "closed"
    # No check-in yet: a late one is still welcome.
    assert 'name="mood"' in response.content.decode()


@pytest.mark.parametrize("label", ["2026-W12", "2027-W01"])
def test_a_future_week_is_404(signed_in, frozen, team, label):
    assert signed_in.get(_week(team, label)).status_code == 404
    assert signed_in.post(_week(team, label), {"mood": "3"}).status_code == 404
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("label", ["2026-W60", "2026-W00", "2025-W53", "garbage", "2026-w10", "2026-W1"])
def test_a_week_that_does_not_exist_is_404(signed_in, frozen, team, label):
    assert signed_in.get(_week(team, label)).status_code == 404
    assert signed_in.post(_week(team, label), {"mood": "3"}).status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "other_manager"])
def test_someone_outside_the_team_gets_404(client, frozen, team, personas, persona):
    client.force_login(personas[persona])
    assert client.get(_this_week(team)).status_code == 404
    assert client.post(_this_week(team), {"mood": "3"}).status_code == 404
    assert not CheckIn.objects.exists()


def test_an_unknown_team_is_404(signed_in, frozen):
    assert signed_in.get(reverse("this_week", args=["no-such-team"])).status_code == 404


def test_signing_in_is_required(client, frozen, team):
    response = client.get(_this_week(team))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Submitting ------------------------------------------------------------------------


def test_a_checkin_is_saved_and_the_member_goes_back_to_the_week(signed_in, frozen, member, team):
    response = signed_in.post(
        _this_week(team),
        {"mood": "4", "highlights": "Good pairing", "blockers": "Staging access", "support_requested": "A review"},
    )

    assert response.status_code == 302
    assert response["Location"] == _this_week(team)
    checkin = CheckIn.objects.get()
    assert (checkin.member, checkin.team, checkin.week, checkin.mood) == (member, team, WEEK.start, 4)
    assert (checkin.highlights, checkin.blockers, checkin.support_requested) == (
        "Good pairing",
        "Staging access",
        "A review",
    )
    page = signed_in.get(response["Location"]).content.decode()
    assert "Check-in saved." in page
    assert 'name="version" value="1"' in page


def test_an_update_from_the_current_form_replaces_it(signed_in, frozen, member, team):
    _saved(member, team, highlights="First")

    response = signed_in.post(_this_week(team), {"mood": "5", "highlights": "Second", "version": "1"})

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights, checkin.version) == (5, "Second", 2)


@pytest.mark.parametrize("version", ["", "1"])
def test_a_stale_form_gets_409_and_keeps_what_was_typed(signed_in, frozen, member, team, version):
    _saved(member, team, mood=2, highlights="Saved in the other tab")
    services.checkin_submit(member=member, team=team, week=WEEK, mood=2, highlights="Saved in the other tab", version=1)

    response = signed_in.post(
        _this_week(team),
        {"mood": "5", "highlights": "Typed in this tab", "blockers": "Typed blocker", "version": version},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Typed in this tab" in html
    assert "Typed blocker" in html
    assert "Saved in the other tab" in html
    assert "already saved from somewhere else" in html
    # The form now carries the saved version: submitting it again replaces on purpose.
    assert response.context["checkin_form"]["version"].value() == 2
    checkin = CheckIn.objects.get()
    assert (checkin.highlights, checkin.version) == ("Saved in the other tab", 2)

    again = signed_in.post(_this_week(team), {"mood": "5", "highlights": "Typed in this tab", "version": "2"})

    assert again.status_code == 302
    assert CheckIn.objects.get().highlights == "Typed in this tab"


def test_a_late_first_checkin_is_accepted_and_marked_late(signed_in, frozen, team):
    frozen.move_to(DUE + timedelta(hours=2))

    response = signed_in.post(_this_week(team), {"mood": "3"}, follow=True)

    assert CheckIn.objects.get().is_late
    assert "marked late" in response.content.decode()


def test_a_first_checkin_for_a_past_week_is_accepted_and_late(signed_in, frozen, team):
    response = signed_in.post(_week(team, "2026-W09"), {"mood": "2", "highlights": "Catching up"})

    assert response.status_code == 302
    assert response["Location"] == _week(team, "2026-W09")
    checkin = CheckIn.objects.get()
    assert (checkin.week, checkin.is_late) == (date(2026, 2, 23), True)
    page = signed_in.get(_week(team, "2026-W09")).content.decode()
    assert "Catching up" in page
    assert 'name="mood"' not in page  # final once the week has closed


def test_after_the_week_closes_the_checkin_cannot_change(signed_in, frozen, member, team):
    _saved(member, team, mood=3, highlights="As it was")
    frozen.move_to(CLOSES + timedelta(hours=1))

    response = signed_in.post(_week(team, WEEK.label), {"mood": "1", "highlights": "Rewritten", "version": "1"})

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights, checkin.version) == (3, "As it was", 1)
    page = signed_in.get(response["Location"]).content.decode()
    assert "can no longer change" in page
    assert "As it was" in page
    assert 'name="mood"' not in page


def test_before_the_week_closes_the_checkin_can_still_change(signed_in, frozen, member, team):
    _saved(member, team, mood=3)
    frozen.move_to(CLOSES - timedelta(minutes=1))

    response = signed_in.post(_this_week(team), {"mood": "4", "highlights": "Last-minute", "version": "1"})

    assert response.status_code == 302
    assert CheckIn.objects.get().highlights == "Last-minute"


@pytest.mark.parametrize("mood", [None, "0", "6", "five", ""])
def test_a_missing_or_bad_mood_is_a_clear_form_error_keeping_the_text(signed_in, frozen, team, mood):
    data = {"highlights": "Typed highlights", "blockers": "Typed blockers", "support_requested": "Typed support"}
    if mood is not None:
        data["mood"] = mood

    response = signed_in.post(_this_week(team), data)

    assert response.status_code in (200, 422)
    html = response.content.decode()
    assert "Choose how you&#x27;re doing, from 1 to 5." in html or "Select a valid choice" in html
    assert response.context["checkin_form"].errors["mood"]
    for text in data.values():
        if text.startswith("Typed"):
            assert text in html
    assert not CheckIn.objects.exists()


def test_over_long_text_is_a_form_error_not_a_500(signed_in, frozen, team):
    response = signed_in.post(_this_week(team), {"mood": "3", "highlights": "x" * 4001})
    assert response.status_code in (200, 422)
    assert response.context["checkin_form"].errors["highlights"]
    assert not CheckIn.objects.exists()


def test_a_stale_tab_submitting_after_the_week_closed_is_told_it_closed(signed_in, frozen, member, team):
    """The form was loaded before the other tab saved and the week then ended: the saved
    check-in is final, so there is nothing to "save again" over."""
    _saved(member, team, mood=3, highlights="Saved in the other tab")
    frozen.move_to(CLOSES + timedelta(hours=1))

    response = signed_in.post(_week(team, WEEK.label), {"mood": "1", "highlights": "Typed too late", "version": ""})

    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "can no longer change" in page
    assert "save again" not in page
    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights) == (3, "Saved in the other tab")
