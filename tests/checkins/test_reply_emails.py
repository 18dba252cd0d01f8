"""Reply emails, written by `replies_dispatch` (Celery beat, every minute) once each batch
window is over: one to a member naming everyone who replied and they have not read yet, one to
each of the team's managers naming the members who answered. Time is moved with time-machine
or given to the dispatcher as `now`.

The `team` fixture is in London; NOW is the first instant of a 15-minute batch window.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability import registry
from accountability.models import OutboundEmail, Role
from accountability.weeks import Week
from checkins import services, tasks
from checkins.models import Comment

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory, TeamFactory

WEEK = Week(date(2026, 3, 9))
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=services.REPLY_BATCH_MINUTES)
AFTER_WINDOW = NOW + WINDOW + services.REPLY_BATCH_SETTLE


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def checkin(team, member):
    return CheckInFactory(member=member, team=team, week=WEEK.start)


@pytest.fixture
def commitment(team, member):
    return CommitmentFactory(owner=member, team=team, week=WEEK.start, title="Ship the importer")


@pytest.fixture
def second_manager(team):
    return MembershipFactory(
        team=team, role=Role.MANAGER, user__email="sam@example.org", user__display_name="Sam Second"
    ).user


def _reply(author, *, minutes: float, checkin=None, commitment=None, body: str = "Thanks") -> Comment:
    return services.comment_add(
        author=author, body=body, checkin=checkin, commitment=commitment, now=NOW + timedelta(minutes=minutes)
    )


def _emails() -> list[tuple[str, str]]:
    return sorted(OutboundEmail.objects.values_list("kind", "to_email"))


def _open_week_page(client, person, team, *, minutes: float, frozen) -> None:
    frozen.move_to(NOW + timedelta(minutes=minutes))
    client.force_login(person)
    assert client.get(reverse("this_week", args=[team.slug])).status_code == 200


# --- To the member: skipped when read in time, naming everyone ------------------------------------


def test_no_email_when_the_member_read_the_replies_before_the_batch_went_out(
    client, team, checkin, member, manager, frozen
):
    _reply(manager, minutes=2, checkin=checkin)
    _open_week_page(client, member, team, minutes=14, frozen=frozen)
    frozen.move_to(AFTER_WINDOW)

    assert services.replies_dispatch() == 0

    assert not OutboundEmail.objects.exists()


def test_reading_after_the_batch_went_out_changes_nothing(client, team, checkin, member, manager, frozen):
    _reply(manager, minutes=2, checkin=checkin)
    frozen.move_to(AFTER_WINDOW)
    assert services.replies_dispatch() == 1
    _open_week_page(client, member, team, minutes=20, frozen=frozen)

    assert services.replies_dispatch(now=AFTER_WINDOW + timedelta(minutes=5)) == 0
    assert _emails() == [("replies", member.email)]


def test_the_email_names_only_those_whose_replies_were_still_unread(
    client, team, checkin, commitment, member, manager, second_manager, frozen
):
    _reply(manager, minutes=1, checkin=checkin)
    _open_week_page(client, member, team, minutes=5, frozen=frozen)  # reads Mona's
    _reply(second_manager, minutes=9, commitment=commitment)  # after she looked

    services.replies_dispatch(now=AFTER_WINDOW)

    email = OutboundEmail.objects.get()
    assert email.subject == "Sam Second replied to you in Platform"
    assert "Mona" not in email.body_text


def test_the_email_names_everyone_who_replied_in_the_window(team, checkin, commitment, member, manager, second_manager):
    third = MembershipFactory(team=team, role=Role.MANAGER, user__display_name="Lee Third").user
    _reply(second_manager, minutes=1, checkin=checkin)
    _reply(manager, minutes=4, commitment=commitment)
    _reply(second_manager, minutes=6, commitment=commitment)
    _reply(third, minutes=14.9, checkin=checkin)

    services.replies_dispatch(now=AFTER_WINDOW)

    email = OutboundEmail.objects.get()
    assert (email.kind, email.recipient) == ("replies", member)
    assert email.subject == "Sam Second, Mona Manager and Lee Third replied to you in Platform"


def test_one_email_per_team_for_someone_in_two_teams(team, checkin, member, manager):
    other = TeamFactory(name="Billing", slug="billing")
    MembershipFactory(team=other, user=member)
    other_manager = MembershipFactory(team=other, role=Role.MANAGER, user__display_name="Bo Billing").user
    _reply(manager, minutes=1, checkin=checkin)
    _reply(other_manager, minutes=2, checkin=CheckInFactory(member=member, team=other, week=WEEK.start))

    services.replies_dispatch(now=AFTER_WINDOW)

    assert sorted(OutboundEmail.objects.values_list("subject", flat=True)) == [
        "Bo Billing replied to you in Billing",
        "Mona Manager replied to you in Platform",
    ]


# --- To the managers: the members who answered ----------------------------------------------------


def test_each_manager_gets_one_email_naming_the_members_who_answered(
    team, checkin, commitment, member, teammate, manager, second_manager
):
    theirs = CheckInFactory(member=teammate, team=team, week=WEEK.start)
    _reply(manager, minutes=1, checkin=checkin)
    _reply(member, minutes=3, checkin=checkin, body="ANSWER-7731")
    _reply(member, minutes=4, commitment=commitment)
    _reply(member, minutes=5, checkin=checkin)
    _reply(teammate, minutes=8, checkin=theirs)

    services.replies_dispatch(now=AFTER_WINDOW)

    assert _emails() == [
        ("replies", member.email),  # Mona's reply, unread
        ("replies_from_members", manager.email),
        ("replies_from_members", second_manager.email),
    ]
    for email in OutboundEmail.objects.filter(kind="replies_from_members"):
        assert email.subject == "Mia Member and Theo Teammate answered in Platform"
        text = email.body_text
        assert "Mia Member, on the check-in for week 11 and “Ship the importer”:" in text
        assert "Theo Teammate, on the check-in for week 11:" in text
        for path in [
            reverse("checkin_detail", args=[checkin.pk]),
            reverse("commitment_detail", args=[commitment.pk]),
            reverse("checkin_detail", args=[theirs.pk]),
        ]:
            assert f"http://testserver{path}#replies" in text
            assert f'href="http://testserver{path}#replies"' in email.body_html
        assert text.count(reverse("checkin_detail", args=[checkin.pk])) == 1
        assert "ANSWER-7731" not in text  # the answer itself stays in the app


def test_a_manager_is_never_told_of_their_own_answers(team, manager, second_manager):
    own = CheckInFactory(member=manager, team=team, week=WEEK.start)
    _reply(second_manager, minutes=1, checkin=own)
    _reply(manager, minutes=2, checkin=own)

    services.replies_dispatch(now=AFTER_WINDOW)

    assert _emails() == [("replies", manager.email), ("replies_from_members", second_manager.email)]
    assert OutboundEmail.objects.get(kind="replies_from_members").subject == "Mona Manager answered in Platform"


def test_managers_of_other_teams_hear_nothing(team, checkin, member, manager, other_manager):
    _reply(member, minutes=2, checkin=checkin)
    services.replies_dispatch(now=AFTER_WINDOW)
    assert _emails() == [("replies_from_members", manager.email)]


# --- Preferences and unsubscribing -------------------------------------------------------------


def test_each_kind_honours_the_preferences_and_unsubscribes_in_one_click(
    client, team, checkin, member, manager, second_manager
):
    second_manager.email_opt_outs = ["replies_from_members"]
    second_manager.save()
    _reply(manager, minutes=1, checkin=checkin)
    _reply(member, minutes=2, checkin=checkin)

    services.replies_dispatch(now=AFTER_WINDOW)

    assert _emails() == [("replies", member.email), ("replies_from_members", manager.email)]
    email = OutboundEmail.objects.get(kind="replies_from_members")
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "To stop receiving answers from your team's members:" in email.body_text
    url = re.search(r"<http://testserver(\S+)>", email.headers["List-Unsubscribe"])[1]
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200  # RFC 8058
    manager.refresh_from_db()
    assert manager.email_opt_outs == ["replies_from_members"]

    member.email_opt_outs = ["replies"]
    member.save()
    _reply(manager, minutes=16, checkin=checkin)
    _reply(member, minutes=17, checkin=checkin)
    assert services.replies_dispatch(now=AFTER_WINDOW + WINDOW) == 0


def test_the_preferences_page_offers_the_managers_kind(client, manager):
    client.force_login(manager)
    assert "Answers from your team&#x27;s members" in client.get(reverse("email_preferences")).content.decode()


def test_people_who_left_the_team_or_were_deactivated_get_nothing(team, checkin, member, teammate, manager):
    theirs = CheckInFactory(member=teammate, team=team, week=WEEK.start)
    _reply(manager, minutes=1, checkin=checkin)
    _reply(manager, minutes=2, checkin=theirs)
    member.is_active = False
    member.save()
    teammate.memberships.all().delete()

    assert services.replies_dispatch(now=AFTER_WINDOW) == 0


# --- Windows, idempotency, outages and cost ----------------------------------------------------------


@pytest.mark.parametrize(
    ("dispatched_at", "written"),
    [
        (NOW + WINDOW - timedelta(seconds=1), 0),  # the window is still open
        (NOW + WINDOW + services.REPLY_BATCH_SETTLE - timedelta(seconds=1), 0),  # settling
        (AFTER_WINDOW, 1),
        (NOW + WINDOW + services.REPLY_BATCH_RELEVANT_FOR, 1),  # the beat was down for hours
        (NOW + WINDOW + services.REPLY_BATCH_RELEVANT_FOR + services.REPLY_BATCH_SETTLE + WINDOW, 0),  # stale
    ],
)
def test_a_window_is_written_once_it_is_over_and_not_when_stale(checkin, manager, dispatched_at, written):
    _reply(manager, minutes=14, checkin=checkin)
    assert services.replies_dispatch(now=dispatched_at) == written
    assert OutboundEmail.objects.count() == written


def test_running_twice_or_late_writes_each_email_once(team, checkin, member, manager):
    _reply(manager, minutes=1, checkin=checkin)
    _reply(member, minutes=2, checkin=checkin)

    assert services.replies_dispatch(now=AFTER_WINDOW) == 2
    assert services.replies_dispatch(now=AFTER_WINDOW) == 0
    assert services.replies_dispatch(now=AFTER_WINDOW + timedelta(hours=2)) == 0
    assert OutboundEmail.objects.count() == 2


def test_the_task_dispatches_and_beat_runs_it_every_minute(checkin, manager, frozen):
    _reply(manager, minutes=1, checkin=checkin)
    frozen.move_to(AFTER_WINDOW)

    assert tasks.replies_dispatch.apply().get() == 1
    assert registry.beat_schedule()["replies"] == {
        "task": "checkins.tasks.replies_dispatch",
        "schedule": timedelta(minutes=1),
    }


DISPATCH_QUERIES = 10


def _busy_teams(count: int) -> None:
    """Teams each with two managers and three members; every member is replied to and answers."""
    for _ in range(count):
        team = TeamFactory()
        managers = [MembershipFactory(team=team, role=Role.MANAGER).user for _ in range(2)]
        for n in range(3):
            person = MembershipFactory(team=team).user
            checkin = CheckInFactory(member=person, team=team, week=WEEK.start)
            _reply(managers[n % 2], minutes=n, checkin=checkin)
            _reply(person, minutes=n + 5, checkin=checkin)
            _reply(person, minutes=n + 6, commitment=CommitmentFactory(owner=person, team=team, week=WEEK.start))


def _dispatch_queries(now: datetime) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        written = services.replies_dispatch(now=now)
    return written, len(queries)


def test_the_dispatcher_runs_the_same_queries_for_one_team_or_many(db):
    _busy_teams(1)
    small_written, small = _dispatch_queries(AFTER_WINDOW)
    OutboundEmail.objects.all().delete()
    _busy_teams(15)
    large_written, large = _dispatch_queries(AFTER_WINDOW)

    # Per team: three members replied to, two managers told who answered.
    assert (small_written, large_written) == (5, 16 * 5)
    assert small == large, (small, large)
    # Nothing to write: only the look-ups, never a query per team.
    assert _dispatch_queries(AFTER_WINDOW)[1] <= 3
