"""THE anonymity test (DESIGN.md, "Anonymity that holds up").

A known person writes anonymous feedback, follows up with the code and answers back; a manager
answers in between. Someone holding the whole database afterwards (every table, sessions
included), the logs and the outbox must find nothing that points to the writer: not their id,
email, name or address, and no time finer than the day.
"""

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from accountability.models import Membership, OutboundEmail, Role, User
from feedback import services
from feedback.models import FeedbackMessage, FeedbackThread

from ..factories import TEST_PASSWORD
from .helpers import code_from, followed, send

WRITER_PK = 987654
WRITER_EMAIL = "quentin.quietwriter@example.org"
WRITER_NAME = "Quentin Quietwriter"
WRITER_IP = "203.0.113.77"
# Mid-afternoon in London, already tomorrow in the writer's own zone (Auckland): a date taken
# in the writer's zone would tell the managers where they are.
MOMENT = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
# The daily releases after it: 08:30 the next two mornings in London (GMT, so UTC too).
FIRST_RELEASE = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
SECOND_RELEASE = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
FIRST = "The on-call rota leaves the same two people covering every weekend."
SECOND = "Thank you. A rota we all sign up to would help."
FEEDBACK_TABLES = {FeedbackThread._meta.db_table, FeedbackMessage._meta.db_table}
OUTBOX_TABLE = OutboundEmail._meta.db_table


def _hashable(value):
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def snapshot() -> dict[str, tuple[list[str], set[tuple]]]:
    """Every row of every table, read with raw SQL: Django's own tables (sessions, admin log,
    permissions) and ours alike."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            columns = [column.name for column in cursor.description]
            tables[table] = (columns, {tuple(_hashable(v) for v in row) for row in cursor.fetchall()})
    return tables


def written_between(before, after) -> dict[str, list[dict]]:
    """Rows that are new, or changed, in `after`: table -> rows as {column: value}."""
    written = {}
    for table, (columns, rows) in after.items():
        new = rows - before.get(table, (columns, set()))[1]
        if new:
            written[table] = [dict(zip(columns, row, strict=True)) for row in new]
    return written


@dataclass(frozen=True)
class Person:
    """Whoever must stay anonymous, and every clue that would give them away."""

    pk: int
    email: str
    name: str
    ip: str

    @property
    def fragments(self) -> list[str]:
        # The distinctive parts of the name ("quentin", "quietwriter"), wherever they turn up.
        return [part.lower() for part in self.name.split()]


WRITER = Person(pk=WRITER_PK, email=WRITER_EMAIL, name=WRITER_NAME, ip=WRITER_IP)


def identity_clues(value, person: Person = WRITER) -> list[str]:
    """What in this one value could point to the person."""
    clues = []
    if isinstance(value, int) and not isinstance(value, bool) and value == person.pk:
        clues.append("their id")
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        lowered = value.lower()
        if re.search(rf"(?<!\d){person.pk}(?!\d)", value):
            clues.append("their id in text")
        for label, secret in (("email", person.email), ("name", person.name), ("address", person.ip)):
            if secret.lower() in lowered:
                clues.append(f"their {label}")
        if any(fragment in lowered for fragment in person.fragments):
            clues.append("part of their name or email")
    return clues


def finer_than_a_day(value) -> bool:
    # datetime is a subclass of date: a plain date is fine, a datetime or a time is not.
    return isinstance(value, datetime | time)


@pytest.fixture
def writer(team):
    user = User.objects.create_user(
        pk=WRITER_PK,
        email=WRITER_EMAIL,
        display_name=WRITER_NAME,
        password=TEST_PASSWORD,
        time_zone="Pacific/Auckland",
    )
    Membership.objects.create(user=user, team=team, role=Role.MEMBER)
    return user


def test_nothing_written_or_logged_points_to_the_writer(
    writer, team, manager, crowd, all_loggers_at_debug, django_capture_on_commit_callbacks
):
    caplog = all_loggers_at_debug
    as_writer = Client(REMOTE_ADDR=WRITER_IP, HTTP_USER_AGENT="Quentin's laptop (Quentin Quietwriter)")
    as_manager = Client(REMOTE_ADDR="198.51.100.9")
    with time_machine.travel(MOMENT, tick=False) as traveller:
        # Both signed in before the first snapshot: signing in is not part of writing.
        as_writer.force_login(writer)
        as_manager.force_login(manager)
        as_writer.get(reverse("team_detail", args=[team.slug]))  # the team is remembered in the session
        caplog.clear()
        before = snapshot()

        # The writer writes, anonymously (confirming where it goes, as without JavaScript)...
        assert as_writer.get(reverse("feedback_new")).status_code == 200
        assert send(as_writer, team=team, body=FIRST, shown="").context["confirm"] is True
        with django_capture_on_commit_callbacks(execute=True):
            sent = send(as_writer, team=team, body=FIRST)
        assert sent.status_code == 302
        code = code_from(sent)
        # ... follows up, still signed in, mistyping the code once, and agrees to "you said, we did".
        mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")
        assert as_writer.post(reverse("feedback_follow_up"), {"code": mistyped}).status_code == 404
        assert as_writer.post(reverse("feedback_follow_up"), {"code": code}).status_code == 200
        consent = as_writer.post(reverse("feedback_follow_up_consent"), {"code": code, "consent": "on"})
        assert consent.status_code == 302
        assert followed(consent).status_code == 200
        thread = FeedbackThread.objects.get()

        # The managers see it with the daily release, the next morning at 08:00 (London).
        assert FIRST[:40] not in as_manager.get(reverse("feedback_inbox")).content.decode()
        traveller.move_to(FIRST_RELEASE)
        services.feedback_release()

        # A manager answers, moves it on and shares the gist.
        assert FIRST[:40] in as_manager.get(reverse("feedback_inbox")).content.decode()
        assert as_manager.get(reverse("feedback_thread", args=[thread.pk])).status_code == 200
        reply = as_manager.post(reverse("feedback_thread_reply", args=[thread.pk]), {"body": "Thank you for this."})
        assert reply.status_code == 302
        as_manager.post(reverse("feedback_thread_status", args=[thread.pk]), {"status": "in_progress"})
        publish = as_manager.post(
            reverse("feedback_thread_publish", args=[thread.pk]),
            {"gist": "Weekend on-call falls on too few people.", "answer": "We're moving to a sign-up rota."},
        )
        assert publish.status_code == 302

        # The writer reads the answer and answers back, that afternoon...
        traveller.move_to(MOMENT + timedelta(days=1))
        read = as_writer.post(reverse("feedback_follow_up"), {"code": code})
        assert "Thank you for this." in read.content.decode()
        answered = as_writer.post(reverse("feedback_follow_up_reply"), {"code": code, "body": SECOND})
        assert answered.status_code == 302
        assert followed(answered).status_code == 200
        # ... which the managers see with the next release.
        assert SECOND not in as_manager.get(reverse("feedback_thread", args=[thread.pk])).content.decode()
        traveller.move_to(SECOND_RELEASE)
        services.feedback_release()
        assert SECOND in as_manager.get(reverse("feedback_thread", args=[thread.pk])).content.decode()

        after = snapshot()
        records = list(caplog.records)

    written = written_between(before, after)

    # Only the feedback tables changed (no session, no user row (last_login), no admin log),
    # and the outbox, with the releases' digests to the manager and nothing else.
    assert set(written) <= FEEDBACK_TABLES | {OUTBOX_TABLE}, sorted(written)
    assert written[FeedbackMessage._meta.db_table], "the test wrote no messages"
    digests = written.get(OUTBOX_TABLE, [])
    assert [(row["kind"], row["recipient_id"]) for row in digests] == [("feedback_digest", manager.pk)] * 2
    # Their times are the releases', the same whoever wrote and whenever they did.
    assert sorted(row["created_at"] for row in digests) == [FIRST_RELEASE, SECOND_RELEASE]
    problems = []
    for table, rows in written.items():
        for row in rows:
            for column, value in row.items():
                problems += [f"{table}.{column}: {clue}" for clue in identity_clues(value)]
                if finer_than_a_day(value) and table != OUTBOX_TABLE:
                    problems.append(f"{table}.{column}: a time finer than a day ({value!r})")
                if isinstance(value, str) and value and services.code_normalise(code) in value.upper():
                    problems.append(f"{table}.{column}: the follow-up code")
    assert not problems, problems
    # Dates are the team's (London: the 26th, then the 27th), not the writer's (Auckland: already
    # the 27th, then the 28th).
    thread = FeedbackThread.objects.get()
    assert thread.created_on == date(2026, 11, 26)
    assert list(thread.messages.order_by("position").values_list("created_on", "manager_id")) == [
        (date(2026, 11, 26), None),
        (date(2026, 11, 27), manager.pk),
        (date(2026, 11, 27), None),
    ]
    assert thread.signed_by_id is None

    # Nothing logged about the writer, nor the code, nor what they wrote.
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logged = [formatter.format(record) for record in records]  # with any traceback
    for line in logged:
        assert not identity_clues(line), line
        assert services.code_normalise(code) not in line.upper(), line
        assert FIRST not in line and SECOND not in line, line
    # Nor anything that carries the request (its address, cookies and user) to a log handler:
    # not even the wrong code's 404.
    for record in records:
        assert getattr(record, "request", None) is None, f"a log record carries the request: {record.getMessage()}"


def test_the_digest_mentions_neither_the_writer_nor_what_they_wrote(
    writer, team, manager, crowd, django_capture_on_commit_callbacks
):
    as_writer = Client(REMOTE_ADDR=WRITER_IP)
    as_writer.force_login(writer)
    with time_machine.travel(MOMENT, tick=False), django_capture_on_commit_callbacks(execute=True):
        code = code_from(send(as_writer, team=team, body=FIRST))
    before = set(OutboundEmail.objects.values_list("pk", flat=True))

    services.feedback_release(now=MOMENT + timedelta(days=1))

    new = OutboundEmail.objects.exclude(pk__in=before)
    assert [email.to_email for email in new] == [manager.email]
    for email in new:
        for value in (email.subject, email.body_text, email.body_html, email.dedupe_key, json.dumps(email.headers)):
            assert not identity_clues(value), value
            assert FIRST not in value
            assert services.code_normalise(code) not in value.upper()
        assert email.recipient_id == manager.pk


def test_the_writer_s_pages_set_no_cookie_and_keep_no_copy(client, member, team, manager, crowd):
    """Signed in, the writer's pages set no cookie (beyond the CSRF cookie the writing form
    needs, once); signed out, the follow-up pages set none at all. No writer's page may be
    cached, and no redirect carries the code."""
    client.force_login(member)
    assert client.get(reverse("feedback_new")).status_code == 200  # as a browser does, before sending
    sent = send(client, team=team)
    shown = followed(sent)
    code = code_from(shown)
    for response in (sent, shown, client.get(sent["Location"])):
        assert not response.cookies, response.cookies
        assert "no-store" in response["Cache-Control"]
        assert code not in response.get("Location", "")
    client.logout()

    reply = client.post(reverse("feedback_follow_up_reply"), {"code": code, "body": "More."})
    consent = client.post(reverse("feedback_follow_up_consent"), {"code": code})
    for response in (
        client.get(reverse("feedback_follow_up")),
        client.post(reverse("feedback_follow_up"), {"code": code}),
        reply,
        followed(reply),
        client.get(reply["Location"]),
        consent,
        followed(consent),
        client.post(reverse("feedback_follow_up"), {"code": "WRONG-CODE"}),
    ):
        assert not response.cookies, response.cookies
        assert "no-store" in response["Cache-Control"]
        assert code not in response.get("Location", "")
