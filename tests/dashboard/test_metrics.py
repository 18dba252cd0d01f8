"""The trust metrics on hand-built data with answers known in advance.

Each test builds a few check-ins and commitments for `team` (London) and reads the figures the
dashboard computes through the selectors and dashboard.metrics, the one module of
definitions.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from accountability.models import Absence, CommitmentSource, CommitmentStatus, Membership, Role
from accountability.weeks import Week
from checkins.models import Comment
from dashboard import metrics, pages, trust
from dashboard.range import WeekRange

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory

# A Wednesday afternoon in London: this week (W11) is open, its check-in not yet due (Friday).
NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
W09, W10, W11 = Week.from_label("2026-W09"), Week.from_label("2026-W10"), Week.from_label("2026-W11")
WED_W10 = date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def members(team, member, teammate, manager):
    """Everyone joined the team long ago."""
    Membership.objects.filter(team=team).update(joined_at=datetime(2025, 1, 6, tzinfo=UTC))
    return [member, teammate]


def _figures(team, first: Week = W09, last: Week = W10, **kwargs):
    board = pages.team_dashboard(team=team, week_range=WeekRange(first, last), individual=True, now=NOW, **kwargs)
    return board


def _values(team, first: Week = W09, last: Week = W10):
    return _figures(team, first, last).card.values


def _commitment(team, owner, *, status, due: date, resolved: date | None = None, **extra):
    return CommitmentFactory(
        owner=owner,
        team=team,
        week=Week.containing(due).start,
        due_date=due,
        status=status,
        resolved_on=resolved,
        **extra,
    )


# --- Follow-through ------------------------------------------------------------------------


def test_three_of_four_done_by_their_due_date_is_75_percent(team, members, member):
    for resolved in [WED_W10, WED_W10 - timedelta(days=1), WED_W10]:
        _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=resolved)
    _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=WED_W10 + timedelta(days=2))

    values = _values(team)

    assert values["done_on_time"] == 0.75
    assert values["follow_through"] == 0.75
    assert values["done_late"] == 0.25
    assert metrics.format_value("follow_through", values["follow_through"]) == "75%"


def test_a_renegotiation_on_or_before_the_due_date_is_kept_and_one_after_is_not(team, members, member):
    _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=WED_W10)
    _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=WED_W10)
    _commitment(team, member, status=CommitmentStatus.RENEGOTIATED, due=WED_W10, resolved=WED_W10)  # on the day
    _commitment(team, member, status=CommitmentStatus.RENEGOTIATED, due=WED_W10, resolved=WED_W10 + timedelta(days=1))

    board = _figures(team)

    assert board.card.values["follow_through"] == 0.75
    assert board.card.values["renegotiated_in_time"] == 0.25
    assert board.card.values["renegotiated_late"] == 0.25
    assert board.card.total.came_due == 4


def test_open_and_overdue_counts_as_not_done_and_open_not_yet_due_is_left_out(team, members, member, teammate):
    _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=WED_W10)
    _commitment(team, member, status=CommitmentStatus.OPEN, due=WED_W10)  # overdue
    _commitment(team, teammate, status=CommitmentStatus.OPEN, due=date(2026, 3, 11))  # due today: not yet
    _commitment(team, teammate, status=CommitmentStatus.OPEN, due=date(2026, 3, 13))  # not yet

    card = _figures(team, W10, W11).card

    assert card.total.came_due == 2
    assert card.total.overdue_open == 1
    assert card.values["not_done"] == 0.5
    assert card.values["follow_through"] == 0.5


def test_partly_done_not_done_and_let_go_each_have_their_share(team, members, member):
    for status in [CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE, CommitmentStatus.LET_GO]:
        _commitment(team, member, status=status, due=WED_W10, resolved=WED_W10)
    _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=WED_W10)

    values = _values(team)

    assert values["not_done"] == 0.5  # partly done and not done
    assert values["let_go"] == 0.25
    assert values["follow_through"] == 0.25


def test_proposals_and_declined_ones_never_came_due(team, members, member, manager):
    _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=WED_W10)
    _commitment(team, member, status=CommitmentStatus.PROPOSED, due=WED_W10, created_by=manager)
    _commitment(team, member, status=CommitmentStatus.DECLINED, due=WED_W10, resolved=WED_W10, created_by=manager)

    card = _figures(team).card

    assert card.total.came_due == 1
    assert card.values["follow_through"] == 1.0


def test_commitments_count_in_the_week_they_were_due(team, members, member):
    _commitment(team, member, status=CommitmentStatus.DONE, due=W09.end, resolved=W09.end)
    _commitment(team, member, status=CommitmentStatus.DONE, due=W10.start, resolved=W10.end)  # late

    card = _figures(team).card

    assert card.trends["follow_through"] == [1.0, 0.0]
    assert card.values["steadiness"] == 50.0  # ±50 points between the two weeks


def test_nothing_due_is_not_enough_data_not_zero(team, members):
    values = _values(team)

    assert values["follow_through"] is None
    assert metrics.format_value("follow_through", values["follow_through"]) == "not enough data yet"


def test_managers_own_commitments_are_not_counted(team, members, manager):
    _commitment(team, manager, status=CommitmentStatus.NOT_DONE, due=WED_W10, resolved=WED_W10)

    assert _figures(team).card.total.came_due == 0


# --- Empowerment ---------------------------------------------------------------------------


def test_self_set_share_counts_accepted_proposals_but_not_pending_declined_or_new_dates(team, members, member, manager):
    first = None
    for _ in range(3):
        first = _commitment(team, member, status=CommitmentStatus.OPEN, due=W10.end)
    _commitment(
        team, member, status=CommitmentStatus.OPEN, due=W10.end, created_by=manager, source=CommitmentSource.MANAGER
    )  # an accepted proposal
    _commitment(team, member, status=CommitmentStatus.PROPOSED, due=W10.end, created_by=manager)
    _commitment(team, member, status=CommitmentStatus.DECLINED, due=W10.end, created_by=manager)
    _commitment(team, member, status=CommitmentStatus.OPEN, due=W10.end, renegotiated_from=first, chain_root=first)

    card = _figures(team).card

    assert card.total.made == 4
    assert card.values["self_set"] == 0.75


# --- Transparency: participation, on time, acknowledgement ------------------------------------


def test_participation_is_one_check_in_per_member_per_week_and_excludes_managers(
    team, members, member, teammate, manager
):
    CheckInFactory(member=member, team=team, week=W09.start)
    CheckInFactory(member=member, team=team, week=W10.start, is_late=True)
    CheckInFactory(member=teammate, team=team, week=W10.start)
    CheckInFactory(member=manager, team=team, week=W09.start)
    CheckInFactory(member=manager, team=team, week=W10.start)

    board = _figures(team)

    assert board.card.total.expected == 4
    assert board.card.total.checkins == 3
    assert board.card.values["participation"] == 0.75
    assert board.card.values["on_time"] == pytest.approx(2 / 3)
    assert board.card.trends["participation"] == [0.5, 1.0]
    assert [row.user for row in board.members] == [member, teammate]  # no row for the manager


def test_participation_counts_from_the_week_someone_joined(team, members, member):
    newcomer = MembershipFactory(team=team, joined_at=datetime(2026, 3, 4, 9, tzinfo=UTC)).user  # in W10
    CheckInFactory(member=member, team=team, week=W09.start)
    CheckInFactory(member=member, team=team, week=W10.start)

    board = _figures(team)
    row = next(row for row in board.members if row.user == newcomer)

    assert row.card.total.expected == 1
    assert row.card.values["participation"] == 0.0
    assert board.card.total.expected == 2 + 2 + 1  # member, teammate, newcomer


def test_the_current_week_counts_once_its_check_in_is_due(team, members, member, time_machine):
    CheckInFactory(member=member, team=team, week=W11.start)  # early, on Wednesday

    before = _figures(team, W11, W11).card.total
    assert (before.checkins, before.expected) == (1, 1)  # teammate not expected yet

    after_due = datetime(2026, 3, 13, 16, 30, tzinfo=UTC)  # Friday 16:30 in London
    time_machine.move_to(after_due, tick=False)
    board = pages.team_dashboard(team=team, week_range=WeekRange(W11, W11), individual=True, now=after_due)
    assert (board.card.total.checkins, board.card.total.expected) == (1, 2)


def test_acknowledgement_rate_and_average_time(team, members, member, teammate, manager):
    submitted = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    for person, week, hours in [(member, W09, 2), (member, W10, 4), (teammate, W09, 6), (teammate, W10, None)]:
        CheckInFactory(
            member=person,
            team=team,
            week=week.start,
            submitted_at=submitted,
            acknowledged_at=submitted + timedelta(hours=hours) if hours else None,
            acknowledged_by=manager if hours else None,
        )

    board = _figures(team)

    assert board.card.values["acknowledged"] == 0.75
    assert board.card.values["ack_hours"] == pytest.approx(4.0)
    # W09 fully acknowledged, W10 half: one of the two weeks reaches 80%.
    assert board.card.values["ack_consistency"] == 0.5
    assert board.card.trends["ack_consistency"] == [1.0, 0.0]


# --- Open communication --------------------------------------------------------------------


def test_support_answered_within_seven_days_and_replies(team, members, member, teammate, manager):
    submitted = datetime(2026, 2, 27, 9, 0, tzinfo=UTC)
    answered = CheckInFactory(
        member=member,
        team=team,
        week=W09.start,
        submitted_at=submitted,
        support_requested="Pairing on the importer",
        support_answered_at=submitted + timedelta(days=2),
    )
    CheckInFactory(
        member=member,
        team=team,
        week=W10.start,
        submitted_at=submitted + timedelta(days=7),
        support_requested="A second pair of eyes",
        support_answered_at=submitted + timedelta(days=15),  # after eight days
    )
    unanswered = CheckInFactory(member=teammate, team=team, week=W10.start, support_requested="Time off")
    Comment.objects.create(checkin=answered, team=team, member=member, author=manager, body="Happy to pair")
    Comment.objects.create(checkin=unanswered, team=team, member=teammate, author=teammate, body="Anyone?")

    card = _figures(team).card

    assert card.total.support_requests == 3
    assert card.values["support_answered"] == pytest.approx(1 / 3)
    assert card.total.support_open == 1
    # Only a reply by someone other than the member counts.
    assert card.values["replies"] == pytest.approx(1 / 3)


def test_feedback_figures_are_not_enough_data_until_there_is_feedback(team, members):
    strategies = {strategy.key: strategy for strategy in _figures(team).strategies}

    shown = {item.definition.key: item for strategy in strategies.values() for item in strategy.metrics}
    for key in metrics.FEEDBACK_KEYS:
        assert shown[key].value is None
        assert shown[key].display == "not enough data yet"
    assert set(shown) == set(metrics.DEFINITIONS)
    assert [s.key for s in strategies.values()] == list(metrics.STRATEGIES)


def test_feedback_figures_come_from_the_feedback_app_when_it_has_them(team, members, monkeypatch):
    class FakeFeedback:
        @staticmethod
        def trust_figures(*, team, weeks):
            assert [w.label for w in weeks] == ["2026-W09", "2026-W10"]
            return {
                "feedback_answered": {"numerator": 3, "denominator": 4},
                "survey_participation": {"numerator": 0, "denominator": 0},
                "something_else": 1.0,
            }

    monkeypatch.setattr(trust, "feedback_selectors", FakeFeedback)
    shown = {item.definition.key: item for strategy in _figures(team).strategies for item in strategy.metrics}

    assert shown["feedback_answered"].value == 0.75
    assert shown["survey_participation"].value is None
    assert shown["survey_empowerment"].value is None


# --- Consistency and mood --------------------------------------------------------------------


def test_streak_is_the_median_of_consecutive_weeks_back_from_the_last(team, members, member, teammate):
    W08 = W09.previous()
    for week in [W08, W09, W10]:
        CheckInFactory(member=member, team=team, week=week.start)
    CheckInFactory(member=teammate, team=team, week=W08.start)
    CheckInFactory(member=teammate, team=team, week=W10.start)

    board = _figures(team, W08, W10)

    assert board.card.values["streak"] == 2  # median of 3 and 1
    assert board.card.trends["streak"] == [1, 1, 2]
    assert {row.user: row.card.values["streak"] for row in board.members} == {member: 3, teammate: 1}


def test_mood_trend_is_the_weekly_average(team, members, member, teammate, manager):
    CheckInFactory(member=member, team=team, week=W10.start, mood=2)
    CheckInFactory(member=teammate, team=team, week=W10.start, mood=5)
    CheckInFactory(member=manager, team=team, week=W10.start, mood=1)  # not a member's

    assert _figures(team).mood_trend == [None, 3.5]


def test_mood_average_for_admins_only_with_enough_people(team, members, member, teammate):
    CheckInFactory(member=member, team=team, week=W10.start, mood=2)
    CheckInFactory(member=teammate, team=team, week=W10.start, mood=5)

    board = pages.team_dashboard(team=team, week_range=WeekRange(W09, W10), individual=False, now=NOW)

    assert team.anonymity_threshold > 2
    assert board.mood_trend == [None, None]


def test_people_who_left_are_not_counted(team, members, member, teammate):
    CheckInFactory(member=teammate, team=team, week=W10.start)
    _commitment(team, teammate, status=CommitmentStatus.NOT_DONE, due=WED_W10, resolved=WED_W10)
    Membership.objects.filter(team=team, user=teammate).delete()

    card = _figures(team).card

    assert (card.total.checkins, card.total.came_due) == (0, 0)


def test_the_page_shows_every_definition_next_to_its_figure(client, team, members, member, manager):
    for resolved in [WED_W10, WED_W10, WED_W10, WED_W10 + timedelta(days=3)]:
        _commitment(team, member, status=CommitmentStatus.DONE, due=WED_W10, resolved=resolved)
    client.force_login(manager)

    response = client.get(reverse("team_dashboard", args=[team.slug]), {"from": "2026-W09", "to": "2026-W10"})

    body = response.content.decode()
    for definition in metrics.DEFINITIONS.values():
        assert definition.label in body
        assert str(definition.description).replace("'", "&#x27;") in body
    assert response.context["dashboard"].card.values["follow_through"] == 0.75
    assert "not enough data yet" in body
    assert 'id="dashboard-charts"' in body
    assert "vendor/chartjs-4.5.1/chart.umd.min.js" in body
    assert "js/dashboard.js" in body
    assert "cdn" not in body.lower()


def test_members_of_another_team_never_count(team, other_team, members, member):
    other = MembershipFactory(team=other_team, role=Role.MEMBER).user
    CheckInFactory(member=other, team=other_team, week=W10.start)
    CheckInFactory(member=member, team=other_team, week=W10.start)  # not a member there

    assert _figures(team).card.total.checkins == 0


# --- Time away -------------------------------------------------------------------------------


def test_weeks_away_on_the_check_in_day_are_left_out_and_do_not_break_a_streak(team, members, member, teammate):
    W08 = W09.previous()
    for week in [W08, W10]:
        CheckInFactory(member=member, team=team, week=week.start)
    # Away over W09's check-in day (Friday 27 February), nowhere near W08's or W10's.
    Absence.objects.create(user=member, starts_on=date(2026, 2, 25), ends_on=date(2026, 3, 1))

    board = _figures(team, W08, W10)
    row = next(row for row in board.members if row.user == member)

    assert row.card.total.expected == 2
    assert row.card.values["participation"] == 1.0
    assert row.card.values["streak"] == 2
    assert row.card.trends["streak"] == [1, 1, 2]


def test_time_away_on_other_days_of_the_week_changes_nothing(team, members, member):
    CheckInFactory(member=member, team=team, week=W10.start)
    Absence.objects.create(user=member, starts_on=date(2026, 2, 23), ends_on=date(2026, 2, 26))  # Mon-Thu of W09

    row = next(row for row in _figures(team).members if row.user == member)

    assert row.card.total.expected == 2
    assert row.card.values["participation"] == 0.5


def test_this_week_before_its_check_in_is_due_does_not_break_a_streak(team, members, member):
    for week in [W09, W10]:
        CheckInFactory(member=member, team=team, week=week.start)

    board = _figures(team, W09, W11)  # W11's check-in is due on Friday; now is Wednesday
    row = next(row for row in board.members if row.user == member)

    assert row.card.values["streak"] == 2


def test_weeks_before_someone_joined_do_not_count_against_their_streak(team, members):
    newcomer = MembershipFactory(team=team, joined_at=datetime(2026, 3, 4, 9, tzinfo=UTC)).user  # in W10
    CheckInFactory(member=newcomer, team=team, week=W10.start)

    row = next(row for row in _figures(team).members if row.user == newcomer)

    assert row.card.values["streak"] == 1
