"""checkin_submit and friends: one check-in per member, team and week, late marks, closing,
conflicts between two tabs (also truly concurrent ones), and the demo history."""

import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accountability.models import Commitment, CommitmentEvent, CommitmentStatus, Membership, OutboundEmail, Role, Team
from accountability.weeks import Week
from checkins import services
from checkins.models import CheckIn, Comment

from ..factories import MembershipFactory, TeamFactory

# ISO week 2026-W11 runs Mon 9 – Sun 15 March. The `team` fixture is in London (GMT until
# 29 March) with the default check-in time, Friday 16:00: due at 16:00 UTC on 13 March.
WEEK = Week(date(2026, 3, 9))
WEDNESDAY = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
CLOSES = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


def _submit(member, team, week=WEEK, mood=4, **kwargs) -> services.CheckInResult:
    return services.checkin_submit(member=member, team=team, week=week, mood=mood, **kwargs)


# --- The constraint ----------------------------------------------------------------------


def test_the_database_refuses_a_second_checkin_for_the_same_week(member, team):
    CheckIn.objects.create(member=member, team=team, week=WEEK.start, mood=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(member=member, team=team, week=WEEK.start, mood=5)
    # Another week, another team or another member is fine.
    CheckIn.objects.create(member=member, team=team, week=WEEK.next().start, mood=3)
    other_team = MembershipFactory(user=member).team
    CheckIn.objects.create(member=member, team=other_team, week=WEEK.start, mood=3)
    assert CheckIn.objects.count() == 3


def test_the_database_refuses_a_mood_outside_1_to_5(member, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(member=member, team=team, week=WEEK.start, mood=6)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_first_submits_make_one_checkin():
    """Two tabs submit at the same instant, each on its own database connection: the unique
    constraint lets one in; the other is told, and shown what was saved."""
    team = TeamFactory(time_zone="Europe/London")
    member = MembershipFactory(team=team).user
    week = team.current_week()
    barrier = threading.Barrier(2, timeout=10)
    outcomes: dict[str, object] = {}

    def submit(name: str) -> None:
        try:
            barrier.wait()
            outcomes[name] = services.checkin_submit(
                member=member, team=team, week=week, mood=3, highlights=f"typed in {name}", version=None
            )
        except Exception as exc:  # the test inspects whatever happened
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("tab one", "tab two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert CheckIn.objects.filter(member=member, team=team, week=week.start).count() == 1
    saved = CheckIn.objects.get()
    results = [o for o in outcomes.values() if isinstance(o, services.CheckInResult)]
    conflicts = [o for o in outcomes.values() if isinstance(o, services.CheckInConflict)]
    assert len(results) == 1 and len(conflicts) == 1, outcomes
    assert results[0].created and results[0].checkin.pk == saved.pk
    assert conflicts[0].checkin.pk == saved.pk
    assert conflicts[0].checkin.highlights == saved.highlights == results[0].checkin.highlights


# --- Create, update, conflicts ----------------------------------------------------------


def test_a_first_submit_creates_the_checkin(frozen, member, team):
    result = _submit(member, team, mood=4, highlights=" Closed the migration ", blockers="", support_requested="A 1:1")

    assert result.created
    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights, checkin.support_requested) == (4, "Closed the migration", "A 1:1")
    assert (checkin.week, checkin.version, checkin.is_late) == (WEEK.start, 1, False)
    assert checkin.submitted_at == WEDNESDAY


def test_an_update_with_the_current_version_changes_it(frozen, member, team):
    _submit(member, team, mood=2, highlights="First draft")
    frozen.shift(timedelta(hours=3))

    result = _submit(member, team, mood=4, highlights="Better now", version=1)

    assert not result.created
    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights, checkin.version) == (4, "Better now", 2)
    assert checkin.submitted_at == WEDNESDAY  # first submitted then; updated later
    assert checkin.updated_at == WEDNESDAY + timedelta(hours=3)


@pytest.mark.parametrize("version", [None, 1])
def test_a_stale_submit_is_a_conflict_carrying_the_saved_checkin(frozen, member, team, version):
    _submit(member, team, mood=3, highlights="Saved first")
    _submit(member, team, mood=5, highlights="Saved second", version=1)  # now version 2

    with pytest.raises(services.CheckInConflict) as exc:
        _submit(member, team, mood=1, highlights="From a stale tab", version=version)

    assert exc.value.checkin.highlights == "Saved second"
    assert exc.value.checkin.version == 2
    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights, checkin.version) == (5, "Saved second", 2)


def test_it_stays_editable_until_the_week_closes(frozen, member, team):
    _submit(member, team, mood=3)
    frozen.move_to(CLOSES - timedelta(seconds=1))

    _submit(member, team, mood=4, highlights="Sunday night edit", version=1)

    assert CheckIn.objects.get().highlights == "Sunday night edit"


def test_after_the_week_closes_it_can_no_longer_change(frozen, member, team):
    _submit(member, team, mood=3, highlights="As it was")
    frozen.move_to(CLOSES)

    with pytest.raises(services.CheckInClosed):
        _submit(member, team, mood=1, highlights="Rewriting history", version=1)

    checkin = CheckIn.objects.get()
    assert (checkin.mood, checkin.highlights, checkin.version) == (3, "As it was", 1)


@pytest.mark.parametrize(
    ("now", "late"),
    [
        (DUE - timedelta(hours=1), False),
        (DUE, False),
        (DUE + timedelta(seconds=1), True),
        (CLOSES - timedelta(seconds=1), True),
    ],
)
def test_a_first_checkin_after_the_due_time_is_marked_late(member, team, now, late):
    with time_machine.travel(now, tick=False):
        result = _submit(member, team)
    assert result.checkin.is_late is late


def test_an_update_after_the_due_time_keeps_an_on_time_checkin_on_time(frozen, member, team):
    _submit(member, team)
    frozen.move_to(DUE + timedelta(hours=5))
    _submit(member, team, mood=2, version=1)
    assert CheckIn.objects.get().is_late is False


def test_the_due_time_follows_the_team_time_zone(db):
    # New York is on EDT from 8 March: Friday 16:00 there is 20:00 UTC.
    team = TeamFactory(time_zone="America/New_York")
    member = MembershipFactory(team=team).user
    with time_machine.travel(datetime(2026, 3, 13, 19, 0, tzinfo=UTC), tick=False):
        assert not _submit(member, team).checkin.is_late
    other = MembershipFactory(team=team).user
    with time_machine.travel(datetime(2026, 3, 13, 20, 1, tzinfo=UTC), tick=False):
        assert _submit(other, team).checkin.is_late


def test_a_first_checkin_for_a_past_week_is_accepted_and_late(frozen, member, team):
    past = WEEK.previous().previous()

    result = _submit(member, team, week=past, mood=2, highlights="Catching up")

    assert result.created
    assert (result.checkin.week, result.checkin.is_late) == (past.start, True)
    # ...and once there, it is final.
    with pytest.raises(services.CheckInClosed):
        _submit(member, team, week=past, mood=5, version=1)


def test_a_future_week_is_refused(frozen, member, team):
    with pytest.raises(ValidationError, match="hasn't started"):
        _submit(member, team, week=WEEK.next())
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("mood", [0, 6, -1, None])
def test_a_mood_outside_1_to_5_is_refused(frozen, member, team, mood):
    with pytest.raises(ValidationError) as exc:
        _submit(member, team, mood=mood)
    assert list(exc.value.message_dict) == ["mood"]
    assert not CheckIn.objects.exists()


def test_someone_outside_the_team_cannot_check_in(frozen, outsider, team):
    with pytest.raises(ValidationError):
        _submit(outsider, team)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("now", "window"),
    [
        (WEDNESDAY, "open"),
        (DUE, "open"),
        (DUE + timedelta(minutes=1), "due"),
        (CLOSES - timedelta(minutes=1), "due"),
        (CLOSES, "closed"),
        (WEDNESDAY - timedelta(days=3), "future"),  # Sunday 8 March: the week before
    ],
)
def test_checkin_window(team, now, window):
    assert services.checkin_window(team=team, week=WEEK, now=now) == window


# --- seed_demo ---------------------------------------------------------------------------

# A Tuesday: last week's renegotiated commitments have new dates later this week.
SEED_NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with time_machine.travel(SEED_NOW, tick=False):
        call_command("seed_demo", stdout=StringIO())
        yield


def _members():
    return Membership.objects.filter(role=Role.MEMBER).select_related("user", "team")


def test_seed_demo_gives_each_member_twelve_weeks_of_history(seeded):
    assert _members().count() >= 6
    for membership in _members():
        team, user = membership.team, membership.user
        current = team.current_week(SEED_NOW)
        past_weeks = set(
            Commitment.objects.filter(owner=user, team=team, week__lt=current.start).values_list("week", flat=True)
        )
        assert len(past_weeks) == 12, (user, team)
        assert min(past_weeks) == current.start - timedelta(weeks=12)
        checkins = CheckIn.objects.filter(member=user, team=team)
        assert 6 <= checkins.count() <= 12, (user, team)
        assert not checkins.filter(week__gte=current.start).exists()
        # Last week left something open, so "This week" has something carried over.
        assert Commitment.objects.filter(
            owner=user, team=team, week=current.previous().start, status=CommitmentStatus.OPEN
        ).exists()


def test_seed_demo_history_is_mixed(seeded):
    statuses = set(Commitment.objects.values_list("status", flat=True))
    assert {"done", "partly_done", "not_done", "renegotiated", "let_go", "open"} <= statuses
    checkins = CheckIn.objects.all()
    assert checkins.filter(is_late=True).exists()
    assert checkins.filter(is_late=False).exists()
    assert checkins.exclude(blockers="").exists()
    assert checkins.exclude(support_requested="").exists()
    assert len(set(checkins.values_list("mood", flat=True))) >= 4
    assert Commitment.objects.filter(source="manager").exists()
    # Reflections where something slipped.
    assert Commitment.objects.filter(status="partly_done").exclude(obstacle="").exists()
    assert Commitment.objects.filter(status="let_go").exclude(lesson="").exists()


def test_seed_demo_renegotiations_keep_their_chain(seeded):
    renegotiated = Commitment.objects.filter(status=CommitmentStatus.RENEGOTIATED)
    assert renegotiated.count() >= 3
    for old in renegotiated:
        successor = Commitment.objects.get(renegotiated_from=old)
        assert successor.chain_root_id == (old.chain_root_id or old.pk)
        assert successor.due_date > old.due_date
        event = old.events.get(to_status=CommitmentStatus.RENEGOTIATED)
        assert (event.old_due_date, event.new_due_date) == (old.due_date, successor.due_date)
    # Most were renegotiated by their due date: keeping one's word.
    assert any(c.resolved_on <= c.due_date for c in renegotiated)


def test_seed_demo_late_checkins_are_really_late(seeded):
    for checkin in CheckIn.objects.select_related("team"):
        due = checkin.team.checkin_due_at(Week(checkin.week))
        assert checkin.is_late == (checkin.submitted_at > due), checkin
        assert checkin.submitted_at < checkin.team.week_closes_at(Week(checkin.week))


def test_seed_demo_has_nothing_in_the_future(seeded):
    now = timezone.now()
    assert now == SEED_NOW
    assert not Commitment.objects.filter(created_at__gt=now).exists()
    assert not Commitment.objects.filter(resolved_at__gt=now).exists()
    assert not CommitmentEvent.objects.filter(created_at__gt=now).exists()
    assert not CheckIn.objects.filter(submitted_at__gt=now).exists()
    for team in Team.objects.all():
        today = team.today(now)
        assert not Commitment.objects.filter(team=team, resolved_on__gt=today).exists(), team


def test_seed_demo_every_commitment_has_its_history(seeded):
    assert not Commitment.objects.filter(events__isnull=True).exists()
    for commitment in Commitment.objects.prefetch_related("events"):
        events = list(commitment.events.all())
        assert events[0].from_status == ""
        assert events[-1].to_status == commitment.status, commitment


def test_seed_demo_a_second_run_adds_nothing(seeded):
    def counts():
        return (Commitment.objects.count(), CommitmentEvent.objects.count(), CheckIn.objects.count())

    before = counts()
    with time_machine.travel(SEED_NOW + timedelta(days=8), tick=False):
        call_command("seed_demo", stdout=StringIO())
    assert counts() == before


def test_a_second_first_submit_after_the_week_closed_is_closed_not_a_conflict(frozen, member, team):
    _submit(member, team, mood=3, highlights="Saved")
    frozen.move_to(CLOSES)

    with pytest.raises(services.CheckInClosed):
        _submit(member, team, mood=1, highlights="From a tab left open", version=None)

    assert CheckIn.objects.get().highlights == "Saved"


def test_seed_demo_review_data_is_believable(seeded):
    acknowledged = CheckIn.objects.filter(acknowledged_at__isnull=False)
    assert acknowledged.exists()
    assert CheckIn.objects.filter(acknowledged_at__isnull=True).exists()  # something still needs you
    for checkin in acknowledged:
        assert checkin.submitted_at <= checkin.acknowledged_at <= SEED_NOW, checkin
    for checkin in CheckIn.objects.filter(support_answered_at__isnull=False):
        assert checkin.submitted_at <= checkin.support_answered_at <= SEED_NOW, checkin
    assert Comment.objects.exists()
    assert not Comment.objects.filter(created_at__gt=SEED_NOW).exists()


def test_seed_demo_sends_no_email(seeded):
    assert not OutboundEmail.objects.exists()


def test_seed_demo_a_second_run_adds_no_replies(seeded):
    before = Comment.objects.count()
    with time_machine.travel(SEED_NOW + timedelta(days=1), tick=False):
        call_command("seed_demo", stdout=StringIO())
    assert Comment.objects.count() == before
