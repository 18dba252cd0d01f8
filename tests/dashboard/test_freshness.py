"""The team dashboard's cache (dashboard/freshness.py): a page read back from the cache is the
page the data says, the moment the data changes (within the same transaction too: the test's),
for each viewer's own access, and the fingerprint covers every table of ours."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accountability.models import CommitmentStatus, Role, Team
from accountability.services.commitments import commitment_review
from checkins.services.review import checkin_acknowledge, comment_add
from dashboard import freshness
from dashboard.range import parse_range

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory, TeamFactory
from .test_queries import QUERIES

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)  # Wednesday of W11, London


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _main(response) -> bytes:
    """The page's main landmark (outside it, the navigation's form carries a fresh CSRF token)."""
    return response.content.split(b"<main", 1)[1].split(b"</main>", 1)[0]


def _board(client, team, **params):
    return client.get(reverse("team_dashboard", args=[team.slug]), params).context["dashboard"]


def test_every_model_of_ours_is_fingerprinted_or_said_not_to_be_read():
    """A new model must be placed: in TEAM_DATA (with its path to the team) or in NOT_READ."""
    # Every app of this repository (its code under BASE_DIR, not in site-packages).
    ours = {c.label for c in apps.get_app_configs() if str(c.path).startswith(str(settings.BASE_DIR) + "/")}
    ours -= {c.label for c in apps.get_app_configs() if "site-packages" in str(c.path)}
    labels = {m._meta.label for m in apps.get_models() if m._meta.app_label in ours}
    placed = set(freshness.TEAM_DATA) | freshness.NOT_READ
    assert labels - placed == set()
    assert set(freshness.TEAM_DATA) & freshness.NOT_READ == set()


def test_a_second_visit_reads_the_cache_and_shows_the_same_page(
    client, team, member, manager, django_assert_num_queries
):
    CheckInFactory(member=member, team=team, week=team.current_week().previous().start, support_requested="Pairing")
    client.force_login(manager)
    url = reverse("team_dashboard", args=[team.slug])
    first = client.get(url)

    with django_assert_num_queries(QUERIES["team_dashboard_cached"]["manager"]):
        second = client.get(url)

    assert _main(second) == _main(first)
    assert second.context["dashboard"].card.total.checkins == 1


def test_changes_show_on_the_next_visit(client, team, member, teammate, manager):
    week = team.current_week().previous()
    checkin = CheckInFactory(member=member, team=team, week=week.start, blockers="CI is red")
    commitment = CommitmentFactory(owner=member, team=team, week=week.start, due_date=week.start + timedelta(days=2))
    client.force_login(manager)
    board = _board(client, team)
    assert board.card.total.acknowledged == 0
    assert {n.key: n.total for n in board.needs}["blockers"] == 1

    # An update of a row (in this one transaction: the fingerprint's ctid sees it).
    checkin_acknowledge(checkin=checkin, actor=manager)
    board = _board(client, team)
    assert board.card.total.acknowledged == 1
    assert {n.key: n.total for n in board.needs}["blockers"] == 0

    comment_add(author=manager, body="Thank you", checkin=checkin)
    assert _board(client, team).card.total.with_reply == 1

    assert _board(client, team).card.total.done_on_time == 0
    commitment_review(commitment=commitment, actor=member, status=CommitmentStatus.DONE)
    assert _board(client, team).card.total.done_on_time + _board(client, team).card.total.done_late == 1

    # A new row, and a person leaving the member role.
    CheckInFactory(member=teammate, team=team, week=week.start)
    assert _board(client, team).card.total.checkins == 2
    teammate.memberships.filter(team=team).update(role=Role.MANAGER)
    assert len(_board(client, team).members) == 1

    # The team's own settings.
    team.anonymity_threshold = 7
    team.save()
    assert _board(client, team).team.anonymity_threshold == 7


def test_each_viewer_gets_the_page_of_their_own_access(client, team, member, manager, org_admin):
    CheckInFactory(member=member, team=team, week=team.current_week().previous().start, support_requested="Help")
    client.force_login(manager)
    assert _board(client, team).needs

    client.force_login(org_admin)
    board = _board(client, team)
    assert not board.individual
    assert board.needs == []


def test_the_clock_alone_moves_the_figures_within_a_minute(client, db, time_machine):
    """This week's check-in falls due (Friday 16:00 in London): participation now expects it."""
    team = TeamFactory(time_zone="Europe/London", checkin_weekday=4)
    MembershipFactory(team=team, role=Role.MEMBER)
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    client.force_login(manager)
    friday = datetime.combine(team.current_week().day(4), datetime.min.time(), tzinfo=ZoneInfo("Europe/London"))
    due = friday.replace(hour=team.checkin_time.hour, minute=team.checkin_time.minute)
    time_machine.move_to(due - timedelta(minutes=1), tick=False)
    before = _board(client, team, weeks=1).card.total.expected
    time_machine.move_to(due + timedelta(seconds=30), tick=False)
    after = _board(client, team, weeks=1).card.total.expected

    assert (before, after) == (0, 1)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"weeks": "1"},
        {"weeks": "52"},
        {"weeks": "x"},
        {"from": "2026-W02"},
        {"to": "2026-W10"},
        {"from": "2025-W40", "to": "2026-W11"},
        {"to": "2026-W12"},
        {"from": "2026-W11", "to": "2026-W05"},
    ],
)
@pytest.mark.parametrize("instant", [datetime(2026, 3, 8, 11, 30, tzinfo=UTC), datetime(2026, 3, 9, 10, 0, tzinfo=UTC)])
def test_the_fingerprint_starts_on_or_before_the_range_in_any_zone(zone, params, instant):
    """The fingerprint is taken before the team's zone is known: it must reach back at least
    as far as the range the team's own parsing picks, late Sunday and early Monday alike."""
    team = TeamFactory.build(time_zone=zone)
    picked, _ = parse_range(params, current=team.current_week(instant))

    assert freshness.earliest_start(params, instant.date()) <= picked.start


def test_old_history_is_left_out_of_the_fingerprint(team, member):
    """Its cost follows the range: a check-in long before it is not read, and a change to it
    leaves the fingerprint as it was."""
    from accountability.models import Team

    old = CheckInFactory(member=member, team=team, week=date(2024, 1, 1))
    since = date(2026, 1, 5)

    def version():
        return freshness.with_data_version(Team.objects.filter(pk=team.pk), since=since).get().data_version

    before = version()
    old.mood = 1
    old.save()
    assert version() == before
    CheckInFactory(member=member, team=team, week=date(2026, 3, 2))
    assert version() != before


def test_without_the_cache_the_page_is_computed(client, team, member, manager, settings):
    """Redis down: the dashboard is slower, never an error."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    CheckInFactory(member=member, team=team, week=team.current_week().previous().start)
    client.force_login(manager)

    assert _board(client, team).card.total.checkins == 1


def test_without_postgresql_the_teams_come_back_without_a_fingerprint(monkeypatch):
    """`make run` runs on SQLite, which has neither xmin nor ctid: no fingerprint, so `cached`
    computes the page on every visit."""
    teams = Team.objects.all()
    assert "data_version" in freshness.with_data_version(teams, since=date(2026, 1, 5)).query.annotations
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert "data_version" not in freshness.with_data_version(teams, since=date(2026, 1, 5)).query.annotations
