"""Post/redirect/get on every feedback page: no page is the direct response of a POST that writes
something, so a reload or the back button sends nothing twice. The follow-up code is still
shown exactly once: the POST keeps it in the shared cache under a random single-use token, and
the page it redirects to takes it (feedback/views.py)."""

import pickle
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import FeedbackMessage, FeedbackThread

from .factories import FeedbackThreadFactory
from .helpers import code_from, followed, open_thread, send

CODE = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"


@pytest.fixture
def writer(client, member, team, manager, crowd):
    client.force_login(member)
    return member


@pytest.fixture
def thread(team, crowd):
    return FeedbackThreadFactory(team=team, code=CODE, body="The build is slow.")


def _rows() -> tuple[int, int]:
    return FeedbackThread.objects.count(), FeedbackMessage.objects.count()


def _secrets(code: str, *ids) -> list[str]:
    """Every spelling of the code, and the ids, as they could turn up in an address."""
    compact = code.replace("-", "")
    return [code, code.lower(), compact, compact.lower(), *(str(pk) for pk in ids), *(pk.hex for pk in ids)]


def _cache_values() -> list[bytes]:
    client = cache._cache.get_client()
    return [client.get(key) or b"" for key in client.keys("*")]


# --- Sending: the code, once ---------------------------------------------------------------------


def test_sending_redirects_to_a_page_that_shows_the_code_once(client, writer, team):
    sent = send(client, team=team, body="The release checklist is too long.")

    assert sent.status_code == 302
    assert sent["Location"].startswith("/feedback/sent/")
    page = client.get(sent["Location"])
    assert page.status_code == 200
    code = code_from(page)
    thread = FeedbackThread.objects.get()
    assert thread.code_hash == services.code_hash(code)
    # Nothing secret in the address the browser was sent to, nor in its history.
    for secret in _secrets(code, thread.pk):
        assert secret not in sent["Location"]


def test_reloading_the_code_page_sends_nothing_and_says_the_code_was_shown_once(client, writer, team):
    sent = send(client, team=team)
    code = code_from(followed(sent))
    before = _rows()

    for _ in range(2):  # a reload, then the back button
        again = client.get(sent["Location"])
        assert again.status_code == 410
        body = again.content.decode()
        assert "Your follow-up code was shown once" in body
        assert "going back or reloading doesn't send it again" in body
        assert code not in body
    # Back to the form: an empty one, and nothing sent.
    form = client.get(reverse("feedback_new"))
    assert form.context["form"]["body"].value() in (None, "")
    assert _rows() == before == (1, 1)


def test_the_code_waits_in_the_cache_only_until_it_is_shown(client, writer, team, member):
    sent = send(client, team=team, body="Kept for a moment")
    token = sent["Location"].rstrip("/").rsplit("/", 1)[1]

    # Waiting: one entry, under a keyed hash of the token (neither the token nor the writer in
    # the key), holding nothing about the writer.
    client_redis = cache._cache.get_client()
    keys = [key.decode() for key in client_redis.keys("*") if b":fb:once:" in key]
    assert len(keys) == 1
    assert token not in keys[0]
    assert 0 < client_redis.ttl(keys[0]) <= services.SHOWN_ONCE_SECONDS
    stored = pickle.loads(client_redis.get(keys[0]))  # noqa: S301 - our own test cache
    assert set(stored) == {"kind", "code", "team", "to_admins", "signed", "written_on", "expires"}
    for value in map(str, stored.values()):
        for clue in (str(member.pk), member.email, member.display_name, "Kept for a moment"):
            assert clue != value and clue not in value

    code = code_from(followed(sent))

    assert not any(code.encode() in value for value in _cache_values())


def test_the_token_is_single_use(client, writer, team):
    sent = send(client, team=team)

    assert client.get(sent["Location"]).status_code == 200
    assert client.get(sent["Location"]).status_code == 410


def test_of_requests_racing_for_a_token_one_gets_it(writer):
    token = services.shown_once_put(value={"kind": "code", "code": "X"})
    start = threading.Barrier(6)
    taken = []

    def take():
        start.wait(timeout=10)
        taken.append(services.shown_once_take(token=token))

    racers = [threading.Thread(target=take) for _ in range(6)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=10)

    assert sorted(taken, key=bool) == [None] * 5 + [{"kind": "code", "code": "X"}]


def test_the_token_expires_after_a_few_minutes(client, writer, team):
    now = timezone.now()
    with time_machine.travel(now, tick=False) as traveller:
        sent = send(client, team=team)
        in_time = services.shown_once_put(value={"kind": "code"})
        traveller.move_to(now + timedelta(seconds=services.SHOWN_ONCE_SECONDS - 1))
        assert services.shown_once_take(token=in_time) == {"kind": "code"}
        traveller.move_to(now + timedelta(seconds=services.SHOWN_ONCE_SECONDS + 1))

        # Expired by our clock, whatever the cache's own expiry says: nothing shown.
        expired = client.get(sent["Location"])

        assert expired.status_code == 410
        assert "shown once" in expired.content.decode()
        assert FeedbackThread.objects.count() == 1


@pytest.mark.parametrize("token", ["nonsense", "a" * 200, "..%2F..%2Fadmin"])
def test_an_unknown_token_gets_the_kind_page_never_an_error(client, writer, token):
    response = client.get(reverse("feedback_sent", args=[token]))

    assert response.status_code == 410
    assert "shown once" in response.content.decode()


def test_the_code_page_s_token_does_not_open_a_conversation(client, writer, team):
    sent = send(client, team=team)
    token = sent["Location"].rstrip("/").rsplit("/", 1)[1]

    response = client.get(reverse("feedback_follow_up_shown", args=[token]))

    assert response.status_code == 410
    assert "The build is slow." not in response.content.decode()


# --- Following up: answers and consent --------------------------------------------------------------


def test_an_answer_redirects_and_a_reload_adds_nothing(client, thread):
    sent = client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "It takes 40 minutes."})

    assert sent.status_code == 302
    for secret in _secrets(CODE, thread.pk):
        assert secret not in sent["Location"]
    shown = client.get(sent["Location"])
    assert shown.status_code == 200
    assert "It takes 40 minutes." in shown.content.decode()
    assert "Sent. Your managers will see your answer tomorrow from 08:00, Europe/London time." in shown.content.decode()
    rows = _rows()

    reloaded = client.get(sent["Location"])

    assert reloaded.status_code == 410
    assert "That page was shown once" in reloaded.content.decode()
    assert "It takes 40 minutes." not in reloaded.content.decode()
    assert reloaded.context["form"] is not None  # asks for the code, as the follow-up page does
    assert _rows() == rows == (1, 2)


def test_a_consent_redirects_and_a_reload_changes_nothing(client, thread):
    sent = client.post(reverse("feedback_follow_up_consent"), {"code": CODE, "consent": "on"})

    assert sent.status_code == 302
    for secret in _secrets(CODE, thread.pk):
        assert secret not in sent["Location"]
    shown = followed(sent)
    assert "Your managers will see your choice tomorrow from 08:00, Europe/London time" in shown.content.decode()
    thread.refresh_from_db()
    pending = (thread.consent_pending, thread.consent_pending_on, thread.publish_consent)
    assert pending[0] is True and pending[2] is False

    assert client.get(sent["Location"]).status_code == 410
    thread.refresh_from_db()
    assert (thread.consent_pending, thread.consent_pending_on, thread.publish_consent) == pending


def test_the_page_after_an_answer_shows_the_conversation_but_never_the_code(client, thread):
    shown = followed(client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "More."}))

    body = shown.content.decode()
    assert "The build is slow." in body
    for secret in _secrets(CODE):
        assert secret not in body
    assert 'name="code"' in body and 'value="' + CODE not in body  # an empty code field
    assert "Answer again or change your choice" in body


def test_a_refused_answer_is_shown_at_once_and_writes_nothing(client, thread):
    response = client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": " "})

    assert response.status_code == 422
    assert _rows() == (1, 1)


def test_the_shown_pages_leave_a_signed_in_writer_s_session_alone(client, member, thread):
    client.force_login(member)
    key = client.session.session_key
    before = dict(client.session.items())

    followed(client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "Hello again"}))
    followed(client.post(reverse("feedback_follow_up_consent"), {"code": CODE, "consent": "on"}))
    open_thread(client, CODE)

    assert client.session.session_key == key
    assert dict(client.session.items()) == before


# --- Managers ------------------------------------------------------------------------------------------


def test_a_manager_s_posts_redirect_and_a_reload_repeats_nothing(client, team, manager, crowd):
    thread = FeedbackThreadFactory(team=team, publish_consent=True)
    client.force_login(manager)
    page = reverse("feedback_thread", args=[thread.pk])

    for name, data in (
        ("feedback_thread_reply", {"body": "Thank you"}),
        ("feedback_thread_status", {"status": "in_progress"}),
        ("feedback_thread_publish", {"gist": "Slow builds", "answer": "Caching"}),
        ("feedback_thread_unpublish", {}),
    ):
        response = client.post(reverse(name, args=[thread.pk]), data)
        assert response.status_code == 302, name
        assert response["Location"] == page
    rows = _rows()

    assert client.get(page).status_code == 200
    assert client.get(page).status_code == 200
    assert _rows() == rows == (1, 2)


def test_a_head_request_does_not_take_the_token(client, writer, team):
    sent = send(client, team=team)

    assert client.head(sent["Location"]).status_code == 405
    assert code_from(client.get(sent["Location"]))
