"""The range of weeks a dashboard shows: parsing, validation, and its boundaries in the team's
own time zone."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from accountability.models import CommitmentStatus, Membership, Role
from accountability.weeks import Week
from dashboard import pages
from dashboard.range import DEFAULT_WEEKS, MAX_WEEKS, WeekRange, parse_range

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory, TeamFactory

CURRENT = Week.from_label("2026-W11")
DEFAULT = WeekRange(Week.from_label("2026-W04"), CURRENT)


def W(label: str) -> Week:
    return Week.from_label(label)


@pytest.mark.parametrize(
    ("params", "first", "last"),
    [
        ({}, "2026-W04", "2026-W11"),
        ({"weeks": "1"}, "2026-W11", "2026-W11"),
        ({"weeks": " 4 "}, "2026-W08", "2026-W11"),
        ({"weeks": str(MAX_WEEKS)}, "2025-W12", "2026-W11"),
        ({"from": "2026-W01", "to": "2026-W05"}, "2026-W01", "2026-W05"),
        ({"from": "2025-W50", "to": "2026-W02"}, "2025-W50", "2026-W02"),  # across the new year
        ({"from": "2026-W06"}, "2026-W06", "2026-W11"),  # to: this week
        ({"to": "2026-W05"}, "2025-W50", "2026-W05"),  # from: the default length back
        ({"from": "2026-W11", "to": "2026-W11"}, "2026-W11", "2026-W11"),
        ({"from": "2026-W09", "to": "2026-W10", "weeks": "3"}, "2026-W09", "2026-W10"),  # named ends win
        ({"weeks": ""}, "2026-W04", "2026-W11"),
    ],
)
def test_valid_ranges(params, first, last):
    chosen, problem = parse_range(params, current=CURRENT)

    assert problem is None
    assert (chosen.first.label, chosen.last.label) == (first, last)
    assert chosen.weeks[0] == chosen.first and chosen.weeks[-1] == chosen.last
    assert len(chosen.weeks) == chosen.count


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"weeks": "0"}, "between 1 and 52"),
        ({"weeks": "-3"}, "between 1 and 52"),
        ({"weeks": "53"}, "between 1 and 52"),
        ({"weeks": "99999999999999999999999"}, "between 1 and 52"),
        ({"weeks": "eight"}, "not a number of weeks"),
        ({"weeks": "1e3"}, "not a number of weeks"),
        ({"weeks": "<script>"}, "not a number of weeks"),
        ({"from": "2026-W54"}, "not a week like 2026-W11"),
        ({"from": "2026-W00"}, "not a week like"),
        ({"from": "2021-W53", "to": "2022-W01"}, "not a week like"),  # 2021 had 52 weeks
        ({"to": "2026-13"}, "not a week like"),
        ({"from": "0000-W01", "to": "0001-W01"}, "not a week like"),
        ({"to": "0001-W01"}, "too long ago"),
        ({"from": "2026-W10", "to": "2026-W02"}, "starts (2026-W10) after it ends (2026-W02)"),
        ({"from": "2026-W10", "to": "2026-W12"}, "2026-W12 hasn't started yet"),
        ({"to": "9999-W52"}, "hasn't started yet"),
        ({"from": "2024-W01", "to": "2026-W11"}, "the dashboard shows up to 52"),
        ({"from": "0001-W01", "to": "2026-W11"}, "the dashboard shows up to 52"),
    ],
)
def test_bad_ranges_say_why_and_fall_back_to_the_default(params, says):
    chosen, problem = parse_range(params, current=CURRENT)

    assert chosen == DEFAULT
    assert says in problem
    assert problem.endswith(f"Showing the last {DEFAULT_WEEKS} weeks instead.")


BAD_QUERIES = [
    "weeks=0",
    "weeks=100000",
    "weeks=abc",
    "weeks=%00",
    "from=2026-W99",
    "from=2027-W01",
    "from=2026-W40&to=2026-W30",
    "from=1900-W01&to=2026-W01",
    "to=0001-W01",
    "from=" + "9" * 500,
    "from[]=x&to=&weeks=",
]


@pytest.mark.parametrize("name", ["team_dashboard", "team_dashboard_member", "team_dashboard_export"])
@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_input_never_fails_the_page(client, team, member, manager, name, query):
    client.force_login(manager)
    args = [team.slug, member.pk] if name == "team_dashboard_member" else [team.slug]

    response = client.get(reverse(name, args=args) + "?" + query)

    assert response.status_code == 200
    if name != "team_dashboard_export":
        current = team.current_week()
        assert response.context["dashboard"].range == WeekRange.ending(current, DEFAULT_WEEKS)


@pytest.mark.parametrize("query", ["from=0001-W01&to=0001-W02", "from=2026-W01&to=2026-W01", "weeks=52"])
def test_odd_but_valid_ranges_are_shown(client, team, member, manager, query):
    client.force_login(manager)
    CheckInFactory(member=member, team=team)

    response = client.get(reverse("team_dashboard", args=[team.slug]) + "?" + query)

    assert response.status_code == 200
    assert response.context["range_problem"] is None


def test_the_page_says_what_was_wrong(client, team, manager):
    client.force_login(manager)

    response = client.get(reverse("team_dashboard", args=[team.slug]), {"from": "2026-W40", "to": "2026-W30"})

    assert response.context["range_problem"] in response.content.decode()
    assert "after it ends" in response.context["range_problem"]


@pytest.mark.parametrize("query", ["weeks=0", "weeks=nope", "weeks=1000"])
def test_overview_says_what_was_wrong_too(client, manager, query):
    client.force_login(manager)

    response = client.get(reverse("dashboard_overview") + "?" + query)

    assert response.status_code == 200
    assert response.context["range_problem"]
    assert response.context["cards"][0].range.count == DEFAULT_WEEKS


# --- Boundaries in the team's time zone -------------------------------------------------------

# Sunday 15 March 2026, 12:00 UTC: already Monday 01:00 of W12 in Auckland (UTC+13), still
# Sunday 08:00 of W11 in New York (UTC-4).
SUNDAY_NOON_UTC = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def zoned(db):
    teams = {}
    for zone in ["Pacific/Auckland", "America/New_York"]:
        team = TeamFactory(time_zone=zone)
        person = MembershipFactory(team=team, role=Role.MEMBER).user
        Membership.objects.filter(team=team).update(joined_at=datetime(2025, 1, 6, tzinfo=UTC))
        # A check-in and a kept commitment in each week at either edge.
        for label in ["2026-W04", "2026-W05", "2026-W11", "2026-W12"]:
            week = W(label)
            CheckInFactory(member=person, team=team, week=week.start)
            CommitmentFactory(
                owner=person,
                team=team,
                week=week.start,
                due_date=week.start,
                status=CommitmentStatus.DONE,
                resolved_on=week.start,
            )
        teams[zone] = team
    return teams


@pytest.mark.parametrize(
    ("zone", "first", "last", "weeks_counted"),
    [
        # W04 is just outside Auckland's range; W12 just outside New York's (not begun there).
        ("Pacific/Auckland", "2026-W05", "2026-W12", ["2026-W05", "2026-W11", "2026-W12"]),
        ("America/New_York", "2026-W04", "2026-W11", ["2026-W04", "2026-W05", "2026-W11"]),
    ],
)
def test_the_default_range_ends_with_the_teams_own_current_week(zoned, time_machine, zone, first, last, weeks_counted):
    time_machine.move_to(SUNDAY_NOON_UTC, tick=False)
    team = zoned[zone]

    chosen, _ = parse_range({}, current=team.current_week())
    board = pages.team_dashboard(team=team, week_range=chosen, individual=True)

    assert (chosen.first.label, chosen.last.label) == (first, last)
    counted = [week.label for week, n in zip(board.weeks, board.card.trends["participation"], strict=True) if n]
    assert counted == weeks_counted
    assert board.card.total.checkins == 3
    assert board.card.total.came_due == 3


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/New_York"])
def test_a_named_range_includes_its_last_sunday_and_not_the_next_monday(db, time_machine, zone):
    time_machine.move_to(SUNDAY_NOON_UTC, tick=False)
    team = TeamFactory(time_zone=zone)
    person = MembershipFactory(team=team, role=Role.MEMBER).user
    for due in [date(2026, 2, 1), date(2026, 2, 2), date(2026, 2, 8), date(2026, 2, 9)]:  # Sun, Mon, Sun, Mon
        CommitmentFactory(
            owner=person, team=team, week=Week.containing(due).start, due_date=due, status=CommitmentStatus.LET_GO
        )

    board = pages.team_dashboard(team=team, week_range=WeekRange(W("2026-W06"), W("2026-W06")), individual=True)

    assert board.card.total.came_due == 2  # Monday 2 and Sunday 8 February
    assert board.card.total.let_go == 2


def test_overview_gives_each_team_its_own_weeks(client, zoned, time_machine):
    time_machine.move_to(SUNDAY_NOON_UTC, tick=False)
    admin = MembershipFactory(team=zoned["Pacific/Auckland"], role=Role.MANAGER).user
    MembershipFactory(team=zoned["America/New_York"], role=Role.MANAGER, user=admin)
    client.force_login(admin)

    cards = client.get(reverse("dashboard_overview")).context["cards"]

    assert {card.team.time_zone: card.range.last.label for card in cards} == {
        "Pacific/Auckland": "2026-W12",
        "America/New_York": "2026-W11",
    }
    assert [card.card.total.checkins for card in cards] == [3, 3]
