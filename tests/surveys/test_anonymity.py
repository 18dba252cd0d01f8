"""THE survey anonymity test (DESIGN.md, "Anonymity that holds up").

A known person, signed in, answers a pulse survey from the link in their invitation email. Someone
holding the whole database afterwards (every table, sessions included) and the logs must find
nothing that ties the answers to them: the response and its answers hold no person, no time and
no order; on the invitation side the only change is that they answered.

PostgreSQL's hidden row stamps are checked too: `xmin` (the transaction that wrote a row) would
otherwise pair the invitation marked answered with the response written in the same transaction.
"""

import logging
import random
import re
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accountability.models import Membership, Role, User
from accountability.outbox import outbox_sweep
from surveys import services
from surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse, SurveyRound

from ..factories import TEST_PASSWORD, MembershipFactory
from ..feedback.test_anonymity import Person, snapshot, written_between
from ..feedback.test_anonymity import identity_clues as person_clues
from .factories import answer_everything, invite, make_round, service_answers

ANSWERER_PK = 987655
ANSWERER_EMAIL = "quentin.quietanswerer@example.org"
ANSWERER_NAME = "Quentin Quietanswerer"
ANSWERER_IP = "203.0.113.78"
OPENS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MOMENT = datetime(2026, 11, 26, 14, 31, 7, tzinfo=UTC)
COMMENT = "Planning feels rushed; I would like more time to think before we commit."
SURVEY_TABLES = {SurveyResponse._meta.db_table, SurveyAnswer._meta.db_table, SurveyInvitation._meta.db_table}
LINK_RE = re.compile(r"http://testserver/surveys/answer/[A-Za-z0-9_-]+/")


ANSWERER = Person(pk=ANSWERER_PK, email=ANSWERER_EMAIL, name=ANSWERER_NAME, ip=ANSWERER_IP)


def identity_clues(value) -> list[str]:
    return person_clues(value, ANSWERER)


@pytest.fixture
def answerer(team):
    user = User.objects.create_user(
        pk=ANSWERER_PK,
        email=ANSWERER_EMAIL,
        display_name=ANSWERER_NAME,
        password=TEST_PASSWORD,
        time_zone="Pacific/Auckland",
    )
    Membership.objects.create(user=user, team=team, role=Role.MEMBER)
    return user


@pytest.fixture
def colleagues(team):
    return [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(5)]


def test_nothing_written_or_logged_ties_the_answers_to_the_answerer(
    answerer, colleagues, team, manager, settings, all_loggers_at_debug, django_capture_on_commit_callbacks
):
    caplog = all_loggers_at_debug
    round = make_round(team, opens_at=OPENS, closes_at=OPENS + timedelta(days=7), invited=False)
    with (
        time_machine.travel(OPENS + timedelta(minutes=3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.survey_dispatch()
    outbox_sweep()
    [invitation_email] = [m for m in mail.outbox if m.to == [ANSWERER_EMAIL]]
    link = LINK_RE.search(invitation_email.body).group(0).removeprefix("http://testserver")
    # Two colleagues answered already.
    for colleague in colleagues[:2]:
        services.response_submit(
            token=invite_again(round, colleague), answers=service_answers(round), now=OPENS + timedelta(hours=2)
        )

    as_answerer = Client(REMOTE_ADDR=ANSWERER_IP, HTTP_USER_AGENT="Quentin's phone (Quentin Quietanswerer)")
    with time_machine.travel(MOMENT, tick=False):
        # Signed in before the first snapshot (and the team remembered in the session): signing
        # in is not part of answering, but a signed-in answerer must leave no more trace.
        as_answerer.force_login(answerer)
        as_answerer.get(reverse("team_detail", args=[team.slug]))
        caplog.clear()
        before = snapshot()

        page = as_answerer.get(link)
        assert page.status_code == 200
        # First with a statement left out (told so, nothing stored), then in full.
        data = {**answer_everything(round, value=2, comment=COMMENT)}
        first_statement = next(iter(data))
        missing = as_answerer.post(link, {k: v for k, v in data.items() if k != first_statement})
        assert missing.status_code == 422
        sent = as_answerer.post(link, data)
        assert sent.status_code == 302  # to the thanks page (post/redirect/get)
        assert token_of(link) not in sent.url
        thanks = as_answerer.get(sent.url)
        assert "Thank you" in thanks.content.decode()
        reloaded = as_answerer.get(sent.url)
        again = as_answerer.post(link, data)
        assert again.status_code == 410
        for response in (page, missing, sent, thanks, reloaded, again):
            assert not response.cookies, response.cookies
            assert "no-store" in response["Cache-Control"]

        after = snapshot()
        records = list(caplog.records)

    written = written_between(before, after)

    # Only the survey tables changed: no session, no user row, no outbox, no admin log.
    assert set(written) <= SURVEY_TABLES, sorted(written)
    [response_row] = written[SurveyResponse._meta.db_table]
    answers = written[SurveyAnswer._meta.db_table]
    assert len(answers) == round.template.questions.count()
    problems = []
    for table in (SurveyResponse._meta.db_table, SurveyAnswer._meta.db_table):
        for row in written[table]:
            for column, value in row.items():
                problems += [f"{table}.{column}: {clue}" for clue in identity_clues(value)]
                if isinstance(value, datetime | date | time):
                    problems.append(f"{table}.{column}: a time ({value!r})")
    assert not problems, problems
    # No column to hold a person or a time, whatever the values.
    for model in (SurveyResponse, SurveyAnswer):
        for field in model._meta.concrete_fields:
            assert field.get_internal_type() not in {"DateTimeField", "DateField", "TimeField"}, field
            assert getattr(field.related_model, "_meta", None) is None or field.related_model is not User, field

    # On the invitation side: the answerer's invitation, and only its `answered`, changed.
    [changed] = written[SurveyInvitation._meta.db_table]
    columns, rows = before[SurveyInvitation._meta.db_table]
    [was] = [
        dict(zip(columns, row, strict=True))
        for row in rows
        if dict(zip(columns, row, strict=True))["id"] == changed["id"]
    ]
    assert changed["user_id"] == ANSWERER_PK
    assert {column for column in changed if changed[column] != was[column]} == {"answered"}
    assert changed["answered"] is True
    assert SurveyResponse.objects.filter(round=round).count() == 3

    # Nothing logged about the answerer, their link or what they answered.
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    token = token_of(link)
    for record in records:
        line = formatter.format(record)
        assert not identity_clues(line), line
        assert token not in line, line
        assert COMMENT not in line, line
        assert getattr(record, "request", None) is None, f"a log record carries the request: {record.getMessage()}"


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def invite_again(round: SurveyRound, user) -> str:
    """A fresh link for someone the dispatcher invited (their emailed token is not kept)."""
    return services.invitation_renew(round=round, user=user, now=round.opens_at + timedelta(hours=1))


def test_answering_from_the_reminder_page_changes_only_the_link_and_the_answered_flag(
    answerer, team, colleagues, all_loggers_at_debug
):
    round = make_round(team)
    invite(round, answerer)
    for colleague in colleagues:
        invite(round, colleague)
    client = Client(REMOTE_ADDR=ANSWERER_IP)
    client.force_login(answerer)
    all_loggers_at_debug.clear()
    before = snapshot()

    opened = client.post(reverse("survey_open", args=[round.pk]))
    assert opened.status_code == 302
    assert client.post(opened.url, answer_everything(round)).status_code == 302  # to the thanks page

    written = written_between(before, snapshot())
    assert set(written) <= SURVEY_TABLES, sorted(written)
    [changed] = written[SurveyInvitation._meta.db_table]
    assert changed["user_id"] == ANSWERER_PK and changed["answered"] is True
    for record in all_loggers_at_debug.records:
        assert not identity_clues(logging.Formatter("%(message)s").format(record))


def _xmin(table: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our table
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_database_s_row_stamps_do_not_pair_an_invitation_with_its_response(team, member, teammate, crowd):
    """Each submit is its own transaction here, as in production. Without care, the invitation
    marked answered would carry the same `xmin` as the response written with it."""
    round = make_round(team)
    tokens = {user: invite(round, user) for user in [member, teammate, *crowd]}

    first = services.response_submit(token=tokens[member], answers=service_answers(round))
    second = services.response_submit(token=tokens[teammate], answers=service_answers(round))

    invitations = _xmin(SurveyInvitation._meta.db_table)
    responses = _xmin(SurveyResponse._meta.db_table)
    # All of the round's invitations carry one stamp, the latest submit's...
    assert len(set(invitations.values())) == 1
    assert set(invitations.values()) == {responses[second.pk]}
    # ... so the earlier response's stamp pairs with no invitation at all.
    assert responses[first.pk] not in set(invitations.values())
    assert responses[first.pk] != responses[second.pk]


def _physical(sql: str, params: list) -> list[tuple]:
    """Rows as PostgreSQL stores them: in `ctid` order, each with its `xmin`."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _stamps(round: SurveyRound) -> dict[str, list[tuple]]:
    """(id, xmin) of the round's rows in each survey table, in the order they lie on disk."""
    q = connection.ops.quote_name
    responses, answers, invitations, rounds = (
        q(model._meta.db_table) for model in (SurveyResponse, SurveyAnswer, SurveyInvitation, SurveyRound)
    )
    # Our own table names, quoted: nothing here comes from outside.
    return {
        "responses": _physical(
            f"SELECT id::text, xmin::text FROM {responses} WHERE round_id = %s ORDER BY ctid",  # noqa: S608
            [round.pk],
        ),
        "answers": _physical(
            f"SELECT a.id::text, a.xmin::text FROM {answers} a JOIN {responses} r ON r.id = a.response_id "  # noqa: S608
            "WHERE r.round_id = %s ORDER BY a.ctid",
            [round.pk],
        ),
        "invitations": _physical(
            f"SELECT id::text, xmin::text FROM {invitations} WHERE round_id = %s ORDER BY ctid",  # noqa: S608
            [round.pk],
        ),
        "round": _physical(f"SELECT id::text, xmin::text FROM {rounds} WHERE id = %s", [round.pk]),  # noqa: S608
    }


SEED = 20310330


@pytest.mark.parametrize("closed_by", ["manager", "dispatcher"])
@pytest.mark.django_db(transaction=True)
def test_after_closing_neither_xmin_nor_ctid_ties_an_answer_to_a_person_or_an_order(
    team, member, teammate, crowd, manager, closed_by
):
    """While open, responses lie in the order they arrived, each with its own transaction's
    stamp (unavoidable, and the reason for this test). Closing rewrites the round's responses
    and answers in one transaction, in an order drawn from the (injected) random source, and
    touches its invitations: afterwards every row of the round carries the closing
    transaction's stamp and the order on disk is the shuffle's, not the answers'."""
    round = make_round(team)
    people = [member, teammate, *crowd, MembershipFactory(team=team, role=Role.MEMBER).user]
    tokens = {person: invite(round, person) for person in people}
    arrived = [
        str(services.response_submit(token=tokens[person], answers=service_answers(round, value=1 + i % 5)).pk)
        for i, person in enumerate(people)
    ]
    values = sorted(SurveyAnswer.objects.filter(response__round=round).values_list("id", "response_id", "value"))

    before = _stamps(round)
    # The clue that closing removes: on disk in the order they arrived, one stamp each.
    assert [pk for pk, _ in before["responses"]] == arrived
    assert len({xmin for _, xmin in before["responses"]}) == len(people)

    if closed_by == "manager":
        services.round_close(round=round, actor=manager, rng=random.Random(SEED))
    else:
        SurveyRound.objects.filter(pk=round.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
        assert services.survey_dispatch(rng=random.Random(SEED))["closed"] == 1

    after = _stamps(round)
    [(_, closing)] = after["round"]
    for table in ("responses", "answers", "invitations"):
        assert {xmin for _, xmin in after[table]} == {closing}, table
    # The order on disk is the random source's: ids in order, shuffled (responses, then answers).
    rng = random.Random(SEED)
    expected_responses = sorted(arrived)
    rng.shuffle(expected_responses)
    expected_answers = sorted(str(pk) for pk, _, _ in values)
    rng.shuffle(expected_answers)
    assert [pk for pk, _ in after["responses"]] == expected_responses
    assert [pk for pk, _ in after["answers"]] == expected_answers
    assert expected_responses != arrived
    # The same answers, ids and all: only where and when they were written changed.
    assert sorted(SurveyAnswer.objects.filter(response__round=round).values_list("id", "response_id", "value")) == (
        values
    )
    assert SurveyInvitation.objects.filter(round=round, answered=True).count() == len(people)


@pytest.mark.django_db(transaction=True)
def test_two_submits_racing_with_one_link_store_one_response(team, member, teammate):
    round = make_round(team)
    token = invite(round, member)
    outcomes = _race([token, token], round)
    assert sorted(outcomes) == ["stored", "used"]
    assert SurveyResponse.objects.filter(round=round).count() == 1
    assert SurveyInvitation.objects.get(round=round, user=member).answered is True


@pytest.mark.django_db(transaction=True)
def test_two_people_answering_at_once_both_count(team, member, teammate):
    """Submits to one round take turns (the round's row is locked): no deadlock, no lost answer."""
    round = make_round(team)
    outcomes = _race([invite(round, member), invite(round, teammate)], round)
    assert outcomes == ["stored", "stored"]
    assert SurveyResponse.objects.filter(round=round).count() == 2
    assert SurveyInvitation.objects.filter(round=round, answered=True).count() == 2


def _race(tokens: list[str], round: SurveyRound) -> list[str]:
    barrier = threading.Barrier(len(tokens))
    answers = service_answers(round)
    outcomes: list[str] = []

    def submit(token: str) -> None:
        try:
            barrier.wait(timeout=5)
            services.response_submit(token=token, answers=answers)
            outcomes.append("stored")
        except services.SurveyUnavailable as exc:
            outcomes.append(exc.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return outcomes
