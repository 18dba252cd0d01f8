"""The daily release: what writers send (new threads, answers, consent) reaches its readers only
at 08:00 team time the next day, all of a day's at once, rewritten in one transaction in a
shuffled order, so neither the pages, the digest nor the database's own order says who came
first or when (feedback/models.py)."""

import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import OutboundEmail, Role
from feedback import selectors, services
from feedback.models import Author, FeedbackMessage, FeedbackThread
from feedback.services import release as release_services

from ..factories import MembershipFactory, TeamFactory
from ..twofactor import admin_sign_in
from .factories import FeedbackThreadFactory
from .helpers import code_from, followed, open_thread, send

# A Thursday in November: London is on GMT, so its wall clock is UTC's.
DAY = date(2026, 11, 26)
AFTERNOON = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
EVENING = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 08:00 in London


def _submit(writer, team, body, now, **kwargs) -> FeedbackThread:
    return services.feedback_submit(writer=writer, team=team, category="idea", body=body, now=now, **kwargs).thread


def _inbox(client, user) -> list[FeedbackThread]:
    client.force_login(user)
    return list(client.get(reverse("feedback_inbox")).context["page"])


def _bodies(thread) -> list[str]:
    return [message.body for message in selectors.thread_messages(thread)]


class Reordering:
    """A random source that puts rows in a chosen order (by id), recording what it was given:
    the test then knows exactly the order the release must store them in."""

    def __init__(self, order: list):
        self.rank = {pk: i for i, pk in enumerate(order)}
        self.calls: list[list] = []

    def shuffle(self, items: list) -> None:
        self.calls.append([item.pk for item in items])
        items.sort(key=lambda item: self.rank.get(item.pk, len(self.rank)))


# --- Who sees what, and when -------------------------------------------------------------------


def test_managers_see_nothing_before_08_00_team_time_and_everything_after(
    client, team, member, teammate, manager, crowd
):
    first = _submit(member, team, "The first, at two", AFTERNOON)
    second = _submit(teammate, team, "The second, at nine", EVENING)

    # The writers see theirs at once; the managers see nothing, anywhere.
    assert [m.body for m in selectors.writer_conversation(first)] == ["The first, at two"]
    assert services.feedback_release(now=NEXT_MORNING - timedelta(minutes=1)) == services.Released()
    assert _inbox(client, manager) == []
    for thread in (first, second):
        assert client.get(reverse("feedback_thread", args=[thread.pk])).status_code == 404
        assert client.post(reverse("feedback_thread_reply", args=[thread.pk]), {"body": "Hi"}).status_code == 404
    assert selectors.new_feedback_count(team=team, start=DAY, end=DAY + timedelta(days=6)) == 0
    assert not OutboundEmail.objects.filter(kind="feedback_digest").exists()

    released = services.feedback_release(now=NEXT_MORNING)

    assert (released.threads, released.answers, released.digests) == (2, 0, 1)
    assert set(_inbox(client, manager)) == {first, second}
    assert _bodies(first) == ["The first, at two"]
    assert client.get(reverse("feedback_thread", args=[second.pk])).status_code == 200
    assert FeedbackThread.objects.filter(released_on=NEXT_MORNING.date()).count() == 2
    assert selectors.new_feedback_count(team=team, start=DAY + timedelta(days=1), end=DAY + timedelta(days=7)) == 2


def test_a_manager_s_reply_is_seen_at_once_by_the_writer(client, team, manager, crowd):
    thread = FeedbackThreadFactory(team=team, code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX")

    services.manager_reply(thread=thread, manager=manager, body="Thanks, on it.")

    page = client.post(reverse("feedback_follow_up"), {"code": "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"})
    assert "Thanks, on it." in page.content.decode()
    assert FeedbackMessage.objects.get(author_kind=Author.MANAGER).released_on is not None


def test_signed_feedback_waits_for_the_release_too(client, team, member, manager, crowd):
    signed = _submit(member, team, "Signed, and waiting", AFTERNOON, sign=True)

    assert _inbox(client, manager) == []
    services.feedback_release(now=NEXT_MORNING)
    assert _inbox(client, manager) == [signed]


def test_a_writer_s_answer_in_an_old_thread_waits_and_then_follows_what_the_managers_wrote_meanwhile(
    client, team, manager, crowd
):
    thread = FeedbackThreadFactory(team=team, created_on=DAY - timedelta(days=3), body="Opening")
    services.manager_reply(thread=thread, manager=manager, body="First answer", now=AFTERNOON - timedelta(days=2))

    services.writer_reply(thread=thread, body="The writer's answer, at two", now=AFTERNOON)
    # Written after the writer's answer, shown before it: the managers can't date it by this.
    services.manager_reply(thread=thread, manager=manager, body="A manager's note, at four", now=AFTERNOON)

    assert _bodies(thread) == ["Opening", "First answer", "A manager's note, at four"]
    page = _inbox(client, manager)
    assert page[0].message_count == 3
    assert page[0].last_author == Author.MANAGER
    # The writer sees their answer, marked as waiting.
    mine = selectors.writer_conversation(thread)
    assert [(m.body, m.pending) for m in mine] == [
        ("Opening", False),
        ("First answer", False),
        ("A manager's note, at four", False),
        ("The writer's answer, at two", True),
    ]
    thread.refresh_from_db()
    assert thread.updated_on == DAY  # the manager's note; the writer's answer left the row alone

    released = services.feedback_release(now=NEXT_MORNING)

    assert (released.threads, released.answers) == (0, 1)
    assert _bodies(thread) == ["Opening", "First answer", "A manager's note, at four", "The writer's answer, at two"]
    assert list(thread.messages.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4]
    assert _inbox(client, manager)[0].last_author == Author.WRITER
    email = OutboundEmail.objects.get(kind="feedback_digest")
    assert "One new answer" in email.body_text
    assert "pieces" not in email.body_text and "One piece" not in email.body_text


def test_the_writer_s_consent_waits_for_the_release_and_so_does_taking_it_back(client, team, manager, crowd):
    thread = FeedbackThreadFactory(team=team, created_on=DAY - timedelta(days=3))
    client.force_login(manager)
    data = {"gist": "Mondays run long", "answer": "A 30-minute cap"}

    services.writer_set_consent(thread=thread, consent=True, now=AFTERNOON)

    assert "hasn't agreed to share this" in client.get(reverse("feedback_thread", args=[thread.pk])).content.decode()
    assert client.post(reverse("feedback_thread_publish", args=[thread.pk]), data).status_code == 422
    assert services.feedback_release(now=NEXT_MORNING).consents == 1
    assert client.post(reverse("feedback_thread_publish", args=[thread.pk]), data).status_code == 302
    thread.refresh_from_db()
    assert (thread.publish_consent, thread.consent_pending, thread.published_gist) == (True, None, "Mondays run long")

    # Taken back two days later: what was shared stays up until the next release takes it down.
    services.writer_set_consent(thread=thread, consent=False, now=AFTERNOON + timedelta(days=2))
    thread.refresh_from_db()
    assert (thread.publish_consent, thread.published_on is not None) == (True, True)
    services.feedback_release(now=NEXT_MORNING + timedelta(days=1, hours=23, minutes=59))
    thread.refresh_from_db()
    assert thread.published_on is not None
    services.feedback_release(now=NEXT_MORNING + timedelta(days=2))
    thread.refresh_from_db()
    assert (thread.publish_consent, thread.published_on, thread.published_gist) == (False, None, "")


def test_the_digest_counts_exactly_what_was_released(team, member, teammate, manager, crowd):
    old = FeedbackThreadFactory(team=team, created_on=DAY - timedelta(days=5))
    _submit(member, team, "One", AFTERNOON)
    _submit(teammate, team, "Two, just before midnight", datetime(2026, 11, 26, 23, 55, tzinfo=UTC))
    services.writer_reply(thread=old, body="An answer", now=EVENING)
    # Written on the morning of the release, before 08:00: it waits for the next one.
    waiting = _submit(crowd[0], team, "Three, at dawn", NEXT_MORNING - timedelta(hours=2))

    released = services.feedback_release(now=NEXT_MORNING + timedelta(minutes=5))

    assert (released.threads, released.answers, released.digests) == (2, 1, 1)
    email = OutboundEmail.objects.get(kind="feedback_digest")
    assert email.to_email == manager.email
    assert email.subject == "2 pieces of anonymous feedback for Platform"
    assert "2 pieces of anonymous feedback for Platform are now in the feedback inbox." in email.body_text
    assert "One new answer" in email.body_text
    assert "Written on Thursday 26 November." in email.body_text
    waiting.refresh_from_db()
    assert waiting.released_on is None
    # The next morning, its own digest: the one piece, and nothing told twice.
    assert services.feedback_release(now=NEXT_MORNING + timedelta(days=1)).digests == 1
    latest = OutboundEmail.objects.filter(kind="feedback_digest").exclude(pk=email.pk).get()
    assert latest.subject == "New anonymous feedback for Platform"
    assert "Written on Friday 27 November." in latest.body_text


def test_after_a_missed_morning_each_day_is_released_when_its_moment_has_come(team, member, teammate, manager, crowd):
    monday = _submit(member, team, "Monday's", datetime(2026, 11, 23, 12, tzinfo=UTC))
    tuesday = _submit(teammate, team, "Tuesday's", datetime(2026, 11, 24, 12, tzinfo=UTC))

    # Nothing ran on Tuesday or Wednesday morning; the first run is Thursday at 07:00.
    released = services.feedback_release(now=datetime(2026, 11, 26, 7, tzinfo=UTC))

    assert released.threads == 2  # both moments have passed: Tuesday 08:00 and Wednesday 08:00
    for thread in (monday, tuesday):
        thread.refresh_from_db()
        assert thread.released_on == date(2026, 11, 26)


# --- The database's own order --------------------------------------------------------------------


def _row_versions(model, pks) -> dict:
    """id -> (xmin, ctid) of each row, read with raw SQL."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text, ctid::text FROM {table} WHERE id = ANY(%s)", [list(pks)])  # noqa: S608
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _in_stored_order(model, pks) -> list:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY ctid", [list(pks)])  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def ids_in_writing_order(monkeypatch):
    """New threads and messages get ids that sort in the order they are written, so that every
    order the release could fall back on without its random source (by id, by thread, as
    written) is the writing order, and a test can tell the random source's order from all of
    them."""
    counter = iter(range(1, 1000))
    for model in (FeedbackThread, FeedbackMessage):
        # Django keeps the field's default callable here (a cached property of the field).
        monkeypatch.setattr(model._meta.pk, "_get_default", lambda: uuid.UUID(int=(1 << 96) + next(counter)))


@pytest.fixture
def fresh_heaps():
    """The feedback tables start from empty files: rows that earlier tests wrote and rolled back
    leave free space that PostgreSQL may fill in any order, and this test reads the stored order."""
    tables = [connection.ops.quote_name(m._meta.db_table) for m in (FeedbackThread, FeedbackMessage)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


@pytest.mark.django_db(transaction=True)
def test_after_the_release_neither_xmin_nor_the_stored_order_tells_who_wrote_first(
    fresh_heaps, team, member, teammate, manager, ids_in_writing_order
):
    for _ in range(3):
        MembershipFactory(team=team, role=Role.MEMBER)
    old = FeedbackThreadFactory(team=team, created_on=DAY - timedelta(days=4), body="An older thread")
    # Each in its own transaction, as on the site: first, second, then an answer in the old thread.
    first = _submit(member, team, "First", AFTERNOON)
    second = _submit(teammate, team, "Second", EVENING)
    answer = services.writer_reply(thread=old, body="An answer", now=EVENING + timedelta(hours=1))
    written = [first.messages.get(), second.messages.get(), answer]
    pending_threads, pending_messages = [first.pk, second.pk], [m.pk for m in written]

    before = _row_versions(FeedbackThread, pending_threads) | _row_versions(FeedbackMessage, pending_messages)
    # Before the release, the rows carry the three transactions that wrote them (a thread and its
    # first message share one), in the order they were written, and they are stored in that
    # order too: what the release must hide.
    assert len({xmin for xmin, _ in before.values()}) == 3
    assert _in_stored_order(FeedbackThread, pending_threads) == [first.pk, second.pk]
    assert _in_stored_order(FeedbackMessage, pending_messages) == pending_messages

    assert sorted(pending_threads) == pending_threads and sorted(pending_messages) == pending_messages
    # The release's random source puts everything in the reverse of the order it was written.
    rng = Reordering(order=[second.pk, first.pk, *reversed(pending_messages)])
    released = services.feedback_release(now=NEXT_MORNING, rng=rng)

    assert (released.threads, released.answers) == (2, 1)
    assert sorted(map(sorted, rng.calls)) == sorted([sorted(pending_threads), sorted(pending_messages)])
    after = _row_versions(FeedbackThread, [*pending_threads, old.pk]) | _row_versions(FeedbackMessage, pending_messages)
    # One transaction wrote them all, the thread that got the answer included.
    assert len({xmin for xmin, _ in after.values()}) == 1
    assert len(after) == 6
    # Stored in the order the random source chose, not the order they were written in.
    assert _in_stored_order(FeedbackThread, pending_threads) == [second.pk, first.pk]
    assert _in_stored_order(FeedbackMessage, pending_messages) == list(reversed(pending_messages))
    # The same ids, the same words: only the order is new.
    assert sorted(FeedbackMessage.objects.filter(pk__in=pending_messages).values_list("body", flat=True)) == [
        "An answer",
        "First",
        "Second",
    ]

    # Idempotent: a second run (the same morning, or later) finds nothing left and rewrites nothing.
    assert services.feedback_release(now=NEXT_MORNING) == services.Released()
    assert services.feedback_release(now=NEXT_MORNING + timedelta(hours=5)) == services.Released()
    assert _row_versions(FeedbackThread, pending_threads) == {
        pk: version for pk, version in after.items() if pk in pending_threads
    }
    assert OutboundEmail.objects.filter(kind="feedback_digest").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_default_random_source_is_the_system_s(team, member, manager, monkeypatch):
    """No seed anyone could replay: the order comes from the operating system's randomness."""
    for _ in range(4):
        MembershipFactory(team=team, role=Role.MEMBER)
    _submit(member, team, "One", AFTERNOON)
    used = []
    original = release_services.secrets.SystemRandom.shuffle

    def recording(self, items):
        used.append(type(self))
        return original(self, items)

    monkeypatch.setattr(release_services.secrets.SystemRandom, "shuffle", recording)

    services.feedback_release(now=NEXT_MORNING)

    assert used and set(used) == {release_services.secrets.SystemRandom}


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_release_each_item_once(team, member, teammate, manager):
    for _ in range(3):
        MembershipFactory(team=team, role=Role.MEMBER)
    for writer, moment in ((member, AFTERNOON), (teammate, EVENING)):
        _submit(writer, team, "Feedback", moment)
    inside, proceed = threading.Event(), threading.Event()

    class Holding:
        """Holds the first release inside its transaction until the second is waiting."""

        def shuffle(self, items):
            inside.set()
            assert proceed.wait(timeout=20)

    results, errors = {}, []

    def run(name, rng):
        try:
            results[name] = services.feedback_release(now=NEXT_MORNING, rng=rng)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first", Holding()))
    first.start()
    assert inside.wait(timeout=20)
    second = threading.Thread(target=run, args=("second", None))
    second.start()
    # The second waits for the first's lock (PostgreSQL says so), and is let go only then.
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if cursor.fetchone()[0]:
                break
        threading.Event().wait(0.05)
    else:
        pytest.fail("the second release never waited for the first")
    proceed.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert errors == []
    assert results["first"].threads == 2
    assert results["second"] == services.Released()
    assert FeedbackThread.objects.filter(released_on__isnull=False).count() == 2
    assert FeedbackMessage.objects.count() == 2
    assert OutboundEmail.objects.filter(kind="feedback_digest").count() == 1


# --- Time zones and daylight saving ------------------------------------------------------------------

# (zone, the day D the feedback was written, the release: 08:00 on D + 1 in the team's zone, in UTC)
RELEASE_CASES = {
    # London springs forward on Sunday 29 March at 01:00: 08:00 BST is 07:00 UTC.
    "london-spring": ("Europe/London", date(2026, 3, 28), datetime(2026, 3, 29, 7, tzinfo=UTC)),
    # ... and falls back on Sunday 25 October: 08:00 GMT is 08:00 UTC.
    "london-autumn": ("Europe/London", date(2026, 10, 24), datetime(2026, 10, 25, 8, tzinfo=UTC)),
    # New York springs forward on 8 March (08:00 EDT, 12:00 UTC) and falls back on 1 November
    # (08:00 EST, 13:00 UTC).
    "new-york-spring": ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 8, 12, tzinfo=UTC)),
    "new-york-autumn": ("America/New_York", date(2026, 10, 31), datetime(2026, 11, 1, 13, tzinfo=UTC)),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "day", "expected"), RELEASE_CASES.values(), ids=RELEASE_CASES.keys())
def test_the_release_comes_at_08_00_team_time_across_daylight_saving_changes(zone, day, expected):
    team = TeamFactory(time_zone=zone)
    MembershipFactory(team=team, role=Role.MANAGER)
    writers = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(5)]
    tz = ZoneInfo(zone)
    # Just after midnight and just before the next, the team's time.
    early = _submit(writers[0], team, "Early", datetime.combine(day, time(0, 5), tzinfo=tz))
    late = _submit(writers[1], team, "Late", datetime.combine(day, time(23, 55), tzinfo=tz))

    assert services.release_at(team=team, written_on=day) == expected
    # Beat's walk, every fifteen minutes from the day's end: the release comes at `expected`.
    now = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)
    released_at = None
    while now <= expected + timedelta(hours=2):
        if services.feedback_release(now=now).threads:
            assert released_at is None, "released twice"
            released_at = now
        now += timedelta(minutes=15)
    assert released_at == expected
    for thread in (early, late):
        thread.refresh_from_db()
        assert thread.released_on == day + timedelta(days=1)


def test_a_team_in_new_york_is_released_at_its_own_08_00(team, other_team, member, teammate, manager, crowd):
    for _ in range(5):
        MembershipFactory(team=other_team, role=Role.MEMBER)
    MembershipFactory(team=other_team, role=Role.MANAGER)
    london = _submit(member, team, "From London", AFTERNOON)
    new_york = _submit(teammate, other_team, "To New York", AFTERNOON)

    services.feedback_release(now=NEXT_MORNING)  # 08:00 in London, 03:00 in New York
    london.refresh_from_db()
    new_york.refresh_from_db()
    assert (london.released_on, new_york.released_on) == (date(2026, 11, 27), None)

    services.feedback_release(now=NEXT_MORNING + timedelta(hours=5))  # 08:00 in New York
    new_york.refresh_from_db()
    assert new_york.released_on == date(2026, 11, 27)


# --- Cost: set-based, whatever the number of teams -------------------------------------------------------


def _teams_with_feedback(count: int) -> None:
    for _ in range(count):
        team = TeamFactory(time_zone="Europe/London")
        MembershipFactory(team=team, role=Role.MANAGER)
        writers = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(5)]
        _submit(writers[0], team, "New", AFTERNOON)
        old = FeedbackThreadFactory(team=team, created_on=DAY - timedelta(days=3))
        services.writer_reply(thread=old, body="Answer", now=AFTERNOON)
        services.writer_set_consent(thread=old, consent=True, now=AFTERNOON)


def _release_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        assert services.feedback_release(now=NEXT_MORNING).threads
    return len(queries)


@pytest.mark.django_db
def test_the_release_costs_the_same_however_many_teams_it_releases():
    _teams_with_feedback(2)
    few = _release_queries()

    _teams_with_feedback(8)
    many = _release_queries()

    assert many == few


@pytest.mark.django_db
def test_one_query_finds_the_teams_with_something_waiting():
    def before_eight() -> list[str]:
        # Before 08:00 nothing is due: the look-up, then a transaction that finds nothing to do.
        with CaptureQueriesContext(connection) as queries:
            assert services.feedback_release(now=NEXT_MORNING - timedelta(hours=1)) == services.Released()
        return [query["sql"] for query in queries]

    _teams_with_feedback(3)
    few = before_eight()
    _teams_with_feedback(6)
    many = before_eight()

    assert len(many) == len(few)
    assert len([sql for sql in many if 'FROM "accountability_team"' in sql.split(" WHERE ")[0]]) == 1


# --- Nothing waiting shows anywhere for its readers ----------------------------------------------------


def test_the_admin_lists_only_what_was_released(client, team, member, org_admin, crowd):
    org_admin.is_superuser = True
    org_admin.save()
    waiting = _submit(member, team, "Still waiting", AFTERNOON)
    shown = FeedbackThreadFactory(team=team, body="Released long ago")
    admin_sign_in(client, org_admin)  # the admin needs a session that passed a second factor

    listing = client.get(reverse("admin:feedback_feedbackthread_changelist"))

    assert list(listing.context["cl"].result_list) == [shown]
    assert client.get(reverse("admin:feedback_feedbackthread_change", args=[waiting.pk])).status_code == 302
    services.writer_reply(thread=shown, body="A waiting answer", now=AFTERNOON)
    page = client.get(reverse("admin:feedback_feedbackthread_change", args=[shown.pk])).content.decode()
    assert "Released long ago" in page
    assert "A waiting answer" not in page


def test_the_dashboard_s_figure_counts_only_released_feedback(team, member, manager, crowd):
    from accountability.weeks import Week

    _submit(member, team, "Waiting", AFTERNOON)
    week = Week.containing(DAY)

    assert selectors.trust_figures(team=team, weeks=[week])["feedback_answered"] == {"numerator": 0, "denominator": 0}
    services.feedback_release(now=NEXT_MORNING)
    assert selectors.trust_figures(team=team, weeks=[week])["feedback_answered"] == {"numerator": 0, "denominator": 1}


# --- What the writer is told ------------------------------------------------------------------------------


def test_the_writer_is_told_when_the_managers_will_see_it(client, team, member, manager, crowd):
    client.force_login(member)
    with time_machine.travel(AFTERNOON, tick=False) as traveller:
        sent = followed(send(client, team=team, body="Stand-ups run long"))
        assert "Your managers will see it tomorrow from 08:00, Europe/London time." in sent.content.decode()
        code = code_from(sent)

        page = open_thread(client, code).content.decode()
        assert "Your managers will see this tomorrow from 08:00, Europe/London time." in page
        assert "Waiting: your managers will see it tomorrow from 08:00, Europe/London time." in page
        assert "Stand-ups run long" in page

        traveller.move_to(NEXT_MORNING - timedelta(hours=5))
        assert "will see this today from 08:00, Europe/London time." in open_thread(client, code).content.decode()
        traveller.move_to(NEXT_MORNING + timedelta(minutes=5))  # the release's run is a few minutes away
        assert "Your managers will see this any moment now." in open_thread(client, code).content.decode()

        services.feedback_release()

        page = open_thread(client, code).content.decode()
        assert "will see this" not in page
        assert "Waiting:" not in page
        assert "Stand-ups run long" in page


def test_feedback_for_the_admins_in_new_york_says_so(client, other_team, member):
    client.force_login(member)
    with time_machine.travel(AFTERNOON, tick=False):  # 09:00 in New York
        sent = followed(send(client, team=other_team))

    assert (
        "The organisation&#x27;s admins will see it tomorrow from 08:00, America/New_York time."
        in sent.content.decode()
    )
