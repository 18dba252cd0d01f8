"""Writing feedback: where it goes (said before sending), the code shown once, the text kept
and escaped."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import Role
from feedback import services
from feedback.models import Author, FeedbackMessage, FeedbackThread

from ..factories import MembershipFactory, TeamFactory
from .helpers import code_from, followed, release_next_morning, send


@pytest.fixture
def writer(client, member):
    client.force_login(member)
    return member


def test_it_says_where_feedback_to_each_team_goes(client, writer, team, other_team, manager, other_manager, crowd):
    body = client.get(reverse("feedback_new")).content.decode()

    # `team` has five members besides its manager; `other_team` has none.
    assert f'value="{team.pk}" data-destination="managers" data-reason=""' in body
    assert f'value="{other_team.pk}" data-destination="admins" data-reason="small"' in body


def test_it_starts_from_the_team_last_opened_and_says_where_it_goes_without_javascript(
    client, writer, team, manager, crowd
):
    client.get(reverse("team_detail", args=[team.slug]))  # remembers the team

    response = client.get(reverse("feedback_new"))

    assert response.context["form"]["team"].value() == team.pk
    assert response.context["destination"]["kind"] == "managers"
    assert response.context["form"]["shown_destination"].value() == "managers"
    body = response.content.decode()
    assert _note(body, "managers") == "shown"
    assert _note(body, "admins") == "hidden"
    assert _note(body, "") == "hidden"


def _note(body: str, destination: str) -> str:
    match = re.search(rf'data-destination-note="{destination}"\s*(hidden)?\s*>', body)
    assert match, destination
    return "hidden" if match.group(1) else "shown"


def test_sending_shows_the_code_once_and_keeps_only_its_hash(client, writer, team, manager, crowd):
    sent = send(client, team=team, body="The release checklist is too long.")
    assert sent.status_code == 302
    response = followed(sent)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    code = code_from(response)
    thread = FeedbackThread.objects.get()
    assert thread.code_hash == services.code_hash(code)
    assert thread.to_admins is False
    assert thread.signed_by is None
    assert [m.body for m in thread.messages.all()] == ["The release checklist is too long."]
    assert "We can't recover it" in response.content.decode()
    # Nowhere to be seen again, not even on the page that showed it.
    assert code not in client.get(reverse("feedback_new")).content.decode()
    assert code not in client.get(sent["Location"]).content.decode()


def test_signing_stores_who_wrote_it(client, writer, team, manager, crowd):
    send(client, team=team, sign=True)

    assert FeedbackThread.objects.get().signed_by == writer


def test_a_destination_other_than_the_one_shown_asks_first(client, writer, other_team):
    # `other_team` is too small: its feedback goes to the admins, but the page said managers.
    response = send(client, team=other_team, body="Kept while you confirm", shown="managers")

    assert response.status_code == 200
    assert response.context["confirm"] is True
    assert not FeedbackThread.objects.exists()
    body = response.content.decode()
    assert "It goes to the organisation's admins, not to the managers of Support" in body
    assert "Kept while you confirm" in body
    assert 'name="shown_destination" value="admins"' in body

    response = followed(send(client, team=other_team, body="Kept while you confirm", shown="admins"))

    assert "follow-up code" in response.content.decode()
    assert FeedbackThread.objects.get().to_admins is True


def test_without_javascript_nothing_shown_means_a_confirmation(client, writer, team, manager, crowd):
    response = send(client, team=team, shown="")

    assert response.context["confirm"] is True
    assert "It goes to the managers of Platform." in response.content.decode()
    assert not FeedbackThread.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "idea", "body": "Hi", "shown_destination": "managers"}, "team"),
        ({"category": "gossip", "body": "Hi", "shown_destination": "managers"}, "category"),
        ({"category": "idea", "body": "   ", "shown_destination": "managers"}, "body"),
    ],
)
def test_it_says_what_is_missing(client, writer, team, manager, crowd, data, field):
    if field != "team":
        data = {**data, "team": team.pk}

    response = client.post(reverse("feedback_new"), data)

    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not FeedbackThread.objects.exists()


def test_too_long_a_text_is_refused_and_kept(client, writer, team, manager, crowd):
    text = "x" * (services.BODY_MAX + 1)

    response = send(client, team=team, body=text)

    assert response.status_code == 422
    assert "Keep it to 5,000 characters" in response.content.decode()
    assert response.context["form"]["body"].value() == text
    assert not FeedbackThread.objects.exists()


def test_line_breaks_count_once_towards_the_limit(client, writer, team, manager, crowd):
    # 5,000 characters as the browser counts them (2,499 line breaks), 7,499 as it sends them.
    text = "a" + "\r\n".join(["a"] * 2500)
    assert len(text) == 7499

    response = send(client, team=team, body=text)

    assert response.status_code == 302
    assert len(FeedbackMessage.objects.get().body) == services.BODY_MAX


def test_text_is_escaped_wherever_it_is_shown(client, member, team, manager, crowd):
    script = "<script>alert('hi')</script> & <b>bold</b>"
    client.force_login(member)
    code = code_from(send(client, team=team, body=script))
    thread = FeedbackThread.objects.get()
    services.writer_set_consent(thread=thread, consent=True)
    release_next_morning(team)
    thread.refresh_from_db()
    services.thread_publish(thread=thread, actor=manager, gist=script, answer=script)
    services.manager_reply(thread=thread, manager=manager, body=script)

    pages = [client.post(reverse("feedback_follow_up"), {"code": code})]
    client.force_login(manager)
    pages += [client.get(reverse("feedback_inbox")), client.get(reverse("feedback_thread", args=[thread.pk]))]

    for page in pages:
        body = page.content.decode()
        assert "<script>alert" not in body
        assert "<b>bold</b>" not in body
        assert "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in body


def test_the_writers_first_message_is_theirs_and_has_no_person(client, writer, team, manager, crowd):
    send(client, team=team)

    message = FeedbackMessage.objects.get()
    assert message.author_kind == Author.WRITER
    assert message.manager_id is None


def test_the_writing_page_costs_the_same_however_many_teams(client, writer, team, django_assert_max_num_queries):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("feedback_new")).status_code == 200
        return len(queries)

    few = count()
    for _ in range(15):
        other = TeamFactory()
        MembershipFactory(team=other, role=Role.MANAGER)
        MembershipFactory(team=other, role=Role.MEMBER)
    with django_assert_max_num_queries(few):
        many = count()
    assert many == few
