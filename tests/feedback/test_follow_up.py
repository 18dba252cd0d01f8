"""Following up with the code: reading the answers and answering back, anonymously; codes
kept only as hashes; wrong codes get a plain "not found" and are throttled."""

import hashlib
import re

import pytest
from django.db import connection
from django.urls import reverse

from feedback import selectors, services
from feedback.models import Author, FeedbackMessage, FeedbackThread, ThreadStatus

from .factories import FeedbackThreadFactory
from .helpers import code_from, followed, open_thread, release_next_morning, send

CODE = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"


@pytest.fixture
def thread(team):
    return FeedbackThreadFactory(team=team, code=CODE, body="The build is slow.")


# --- Codes ---------------------------------------------------------------------------------


def test_a_new_code_is_six_groups_of_four_and_random():
    codes = {services.code_new() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(group) for group in groups] == [4] * 6
        assert code == services.code_normalise(code)


def test_the_code_is_stored_only_as_its_sha256(client, member, team, manager, crowd):
    client.force_login(member)
    code = code_from(send(client, team=team))

    thread = FeedbackThread.objects.get()
    assert thread.code_hash == hashlib.sha256(code.encode()).hexdigest()
    compact = code.replace("-", "")
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row).upper()
                assert code not in text and compact not in text, table


@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        CODE.lower(),
        CODE.replace("-", " "),
        CODE.replace("-", ""),
        f"  {CODE.lower().replace('-', ' - ')}  ",
    ],
)
def test_lower_case_spaces_and_dashes_are_accepted(client, thread, typed):
    response = open_thread(client, typed)

    assert response.status_code == 200
    assert response.context["thread"] == thread


# --- Reading and answering back ------------------------------------------------------------


def test_it_shows_the_conversation_with_you_and_the_managers_by_name(client, thread, manager):
    services.manager_reply(thread=thread, manager=manager, body="Thanks, we'll look at caching.")

    response = open_thread(client, CODE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "The build is slow." in body
    assert "Thanks, we&#x27;ll look at caching." in body
    assert "Mona Manager" in body
    assert re.findall(r'<h3 class="h6 mb-1">\s*(You|Mona Manager)\s', body) == ["You", "Mona Manager"]
    assert 'name="code" value="ABCD-EFGH-IJKL-MNOP-QRST-UVWX"' in body
    assert "No answer yet" not in body


def test_without_an_answer_it_says_when_to_come_back(client, thread):
    assert "No answer yet" in open_thread(client, CODE).content.decode()


def test_the_writer_answers_back_anonymously(client, member, thread, manager):
    client.force_login(member)  # signed in or not, the answer carries no one

    sent = client.post(reverse("feedback_follow_up_reply"), {"code": CODE.lower(), "body": "It takes 40 min."})

    assert sent.status_code == 302
    response = followed(sent)
    assert response.status_code == 200
    assert (
        "Sent. Your managers will see your answer tomorrow from 08:00, Europe/London time." in response.content.decode()
    )
    message = thread.messages.get(released_on__isnull=True)
    assert (message.author_kind, message.manager_id, message.body) == (Author.WRITER, None, "It takes 40 min.")
    # The page shows the conversation, the answer with it, and asks for the code to go on:
    # the code went nowhere but the POST's body.
    assert [m.body for m in response.context["conversation"]] == ["The build is slow.", "It takes 40 min."]
    assert response.context["code_known"] is False
    assert CODE not in response.content.decode()


def test_sending_the_same_answer_again_adds_it_once(client, thread):
    """A double click (or a browser that sends the form again) adds it once."""
    for _ in range(2):
        client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "Same words."})

    assert [m.body for m in selectors.writer_conversation(thread)] == ["The build is slow.", "Same words."]


def test_an_empty_answer_is_refused(client, thread):
    response = client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "  "})

    assert response.status_code == 422
    assert "Write what you&#x27;d like to say." in response.content.decode()
    assert thread.messages.count() == 1


def test_a_closed_conversation_takes_no_more_answers(client, thread, manager):
    services.thread_set_status(thread=thread, actor=manager, status=ThreadStatus.CLOSED)

    page = open_thread(client, CODE)
    assert "This conversation is closed" in page.content.decode()
    assert page.context["thread"].status == ThreadStatus.CLOSED

    response = client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "One more thing"})
    assert response.status_code == 422
    assert thread.messages.count() == 1


def test_the_writer_gives_and_takes_back_consent(client, thread, manager):
    response = client.post(reverse("feedback_follow_up_consent"), {"code": CODE, "consent": "on"})

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.consent_pending is True
    release_next_morning(thread.team)
    thread.refresh_from_db()
    assert thread.publish_consent is True
    services.thread_publish(thread=thread, actor=manager, gist="Slow builds", answer="Caching")

    response = followed(client.post(reverse("feedback_follow_up_consent"), {"code": CODE}))

    assert "nothing from this conversation will be shared" in response.content.decode()
    release_next_morning(thread.team)
    thread.refresh_from_db()
    assert thread.publish_consent is False
    # Taking consent back takes down what was shared.
    assert (thread.published_on, thread.published_gist, thread.published_answer) == (None, "", "")


def test_the_code_never_goes_into_a_link(client, thread):
    body = open_thread(client, CODE).content.decode()

    for compact in (CODE, CODE.replace("-", ""), CODE.lower()):
        assert f"?code={compact}" not in body
        assert f"/{compact}" not in body


def test_signed_in_the_follow_up_pages_leave_the_session_alone(client, member, thread):
    client.force_login(member)
    key = client.session.session_key
    before = dict(client.session.items())

    open_thread(client, CODE)
    followed(client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "Hello again"}))
    followed(client.post(reverse("feedback_follow_up_consent"), {"code": CODE, "consent": "on"}))
    response = open_thread(client, "WRONG-CODE")

    assert client.session.session_key == key
    assert dict(client.session.items()) == before
    assert "sessionid" not in response.cookies


# --- Wrong codes ---------------------------------------------------------------------------


def test_a_wrong_code_is_a_plain_not_found(client, thread):
    response = open_thread(client, "ABCD-EFGH-IJKL-MNOP-QRST-UVWZ")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found." in body
    assert "The build is slow." not in body


def test_wrong_codes_are_throttled_per_address_and_then_even_the_right_one_waits(client, thread):
    for _ in range(services.WRONG_CODE_LIMIT):
        assert open_thread(client, "NOPE", REMOTE_ADDR="192.0.2.10").status_code == 404

    throttled = open_thread(client, CODE, REMOTE_ADDR="192.0.2.10")
    assert throttled.status_code == 429
    assert "Too many codes have been tried from here" in throttled.content.decode()
    assert "The build is slow." not in throttled.content.decode()
    # The reply and consent forms are doors too.
    reply = client.post(reverse("feedback_follow_up_reply"), {"code": CODE, "body": "x"}, REMOTE_ADDR="192.0.2.10")
    assert reply.status_code == 429
    assert FeedbackMessage.objects.count() == 1
    # Another address is not held up.
    assert open_thread(client, CODE, REMOTE_ADDR="192.0.2.11").status_code == 200


def test_a_right_code_does_not_count_against_the_limit(client, thread):
    for _ in range(services.WRONG_CODE_LIMIT + 2):
        assert open_thread(client, CODE, REMOTE_ADDR="192.0.2.12").status_code == 200


def test_the_throttle_keeps_a_keyed_hash_of_the_address_in_the_cache_only(client, thread):
    from django.core.cache import cache

    open_thread(client, "NOPE", REMOTE_ADDR="192.0.2.99")

    keys = [key.decode() for key in cache._cache.get_client().keys("*")]
    assert keys, "nothing counted"
    assert not [key for key in keys if "192.0.2.99" in key]
    key = next(key for key in keys if ":fb:code:" in key)
    assert cache._cache.get_client().ttl(key) > 0


def test_an_empty_code_asks_for_one_and_is_not_counted(client, thread):
    for _ in range(services.WRONG_CODE_LIMIT + 1):
        response = open_thread(client, "")
        assert response.status_code == 422
    assert open_thread(client, CODE).status_code == 200


def test_behind_our_proxy_clients_are_told_apart_by_the_forwarded_address(client, thread, settings):
    settings.BEHIND_PROXY = True
    proxy = "10.0.0.2"
    for _ in range(services.WRONG_CODE_LIMIT):
        response = open_thread(client, "NOPE", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.20")
        assert response.status_code == 404
    assert open_thread(client, CODE, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.20").status_code == 429
    # Someone else behind the same proxy is not locked out.
    assert open_thread(client, CODE, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.21").status_code == 200
