"""At most DAILY_LIMIT anonymous pieces of feedback a day per writer, counted with an expiring
keyed hash in the cache (never the database). Signed feedback is neither limited nor counted:
it carries a name, so there is nothing to protect and no flood to hide behind."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from accountability.models import Membership, Role, User
from feedback import services
from feedback.models import FeedbackThread

from .helpers import send

WRITER_PK = 987655
WRITER_EMAIL = "rate.limited.writer@example.org"
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def writer(client, team, manager, crowd):
    user = User.objects.create_user(pk=WRITER_PK, email=WRITER_EMAIL, display_name="Rita Ratelimit")
    Membership.objects.create(user=user, team=team, role=Role.MEMBER)
    client.force_login(user)
    return user


@pytest.fixture
def send_counted(client, team, django_capture_on_commit_callbacks):
    """Send as the page does, running what waits for the commit (the count) as it would."""

    def _send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send(client, team=team, **kwargs)

    return _send


def _redis_keys() -> list[str]:
    return [key.decode() for key in cache._cache.get_client().keys("*")]


@time_machine.travel(NOON, tick=False)
def test_the_sixth_of_the_day_is_refused_and_its_text_kept(writer, send_counted):
    for n in range(services.DAILY_LIMIT):
        assert send_counted(body=f"Feedback {n}").status_code == 302

    response = send_counted(body="The sixth, still here")

    assert response.status_code == 429
    body = response.content.decode()
    assert "the most we take from one person in a day" in body
    assert response.context["form"]["body"].value() == "The sixth, still here"
    assert "The sixth, still here</textarea>" in body
    assert FeedbackThread.objects.count() == services.DAILY_LIMIT


@time_machine.travel(NOON, tick=False)
def test_the_page_says_so_before_writing_once_the_day_s_feedback_is_used_up(client, writer, send_counted):
    for _ in range(services.DAILY_LIMIT):
        send_counted()

    assert "You've reached today's limit" in client.get(reverse("feedback_new")).content.decode()


def test_the_next_day_starts_afresh(writer, send_counted):
    with time_machine.travel(NOON, tick=False):
        for _ in range(services.DAILY_LIMIT):
            send_counted()
        assert send_counted().status_code == 429
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        assert send_counted().status_code == 302


@time_machine.travel(NOON, tick=False)
def test_signed_feedback_is_neither_limited_nor_counted(writer, send_counted):
    for _ in range(3):
        assert send_counted(sign=True).status_code == 302
    assert services.submissions_left(writer=writer) == services.DAILY_LIMIT
    for _ in range(services.DAILY_LIMIT):
        send_counted()
    assert send_counted().status_code == 429

    assert send_counted(sign=True, body="Signed, past the limit").status_code == 302
    assert FeedbackThread.objects.filter(signed_by=writer).count() == 4


@time_machine.travel(NOON, tick=False)
def test_the_limit_is_each_writer_s_own(client, writer, member, send_counted):
    for _ in range(services.DAILY_LIMIT):
        send_counted()

    client.force_login(member)
    assert send_counted().status_code == 302


@time_machine.travel(NOON, tick=False)
def test_the_count_is_an_expiring_keyed_hash_with_nothing_of_the_writer_in_it(writer, send_counted):
    send_counted()

    keys = [key for key in _redis_keys() if ":fb:writer:" in key]
    assert len(keys) == 1
    [key] = keys
    for clue in (str(WRITER_PK), WRITER_EMAIL, "rita", NOON.date().isoformat(), "2026"):
        assert clue not in key.lower()
    # A keyed hash: without the secret key nobody can tell whose it is by hashing ids.
    digest = key.rsplit(":", 1)[1]
    for guess in (f"writer:{WRITER_PK}:{NOON.date().isoformat()}", f"{WRITER_PK}:{NOON.date().isoformat()}"):
        assert hashlib.sha256(guess.encode()).hexdigest() != digest
    ttl = cache._cache.get_client().ttl(key)
    assert 0 < ttl <= 36 * 3600
    assert services.submissions_left(writer=writer) == services.DAILY_LIMIT - 1


@time_machine.travel(NOON, tick=False)
def test_a_refused_submission_does_not_count(writer, send_counted):
    send_counted(body="")  # nothing written: refused by the form

    assert services.submissions_left(writer=writer) == services.DAILY_LIMIT
