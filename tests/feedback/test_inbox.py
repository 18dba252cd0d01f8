"""The managers' side: the inbox, a thread, answering under one's own name, the status, and
"you said, we did" with the writer's consent."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.models import Role
from feedback import services
from feedback.models import Author, ThreadStatus

from ..factories import MembershipFactory, TeamFactory
from .factories import FeedbackThreadFactory
from .helpers import release_next_morning


@pytest.fixture
def thread(team, crowd):
    return FeedbackThreadFactory(team=team, body="Meetings overrun every Monday.")


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def test_the_inbox_lists_the_threads_of_the_teams_one_manages(as_manager, thread, other_team):
    FeedbackThreadFactory(team=other_team, body="Not for this manager")

    response = as_manager.get(reverse("feedback_inbox"))

    assert list(response.context["page"]) == [thread]
    body = response.content.decode()
    assert "Idea for Platform" in body
    assert "Meetings overrun every Monday." in body
    assert "Waiting for an answer" in body
    assert "anonymous" in body
    assert "Not for this manager" not in body


def test_the_inbox_filters_by_status(as_manager, team, thread):
    done = FeedbackThreadFactory(team=team, status=ThreadStatus.ADDRESSED)

    assert list(as_manager.get(reverse("feedback_inbox"), {"status": "addressed"}).context["page"]) == [done]
    assert list(as_manager.get(reverse("feedback_inbox"), {"status": "new"}).context["page"]) == [thread]
    assert len(as_manager.get(reverse("feedback_inbox"), {"status": "nonsense"}).context["page"]) == 2


def test_an_answered_thread_no_longer_waits(as_manager, thread, manager):
    services.manager_reply(thread=thread, manager=manager, body="Thanks")

    assert "Waiting for an answer" not in as_manager.get(reverse("feedback_inbox")).content.decode()


def test_a_signed_thread_shows_its_writer(as_manager, team, crowd, member):
    signed = FeedbackThreadFactory(team=team, signed_by=member)

    assert "signed by Mia Member" in as_manager.get(reverse("feedback_inbox")).content.decode()
    page = as_manager.get(reverse("feedback_thread", args=[signed.pk])).content.decode()
    assert "signed by Mia Member" in page


def test_the_thread_page_shows_the_writer_without_a_name_and_managers_by_theirs(as_manager, thread, manager):
    services.manager_reply(thread=thread, manager=manager, body="We hear you.")

    body = as_manager.get(reverse("feedback_thread", args=[thread.pk])).content.decode()

    assert "The writer" in body
    assert "Mona Manager" in body
    assert "Meetings overrun every Monday." in body
    assert "We hear you." in body


def test_a_manager_answers_under_their_own_name(as_manager, thread, manager):
    response = as_manager.post(reverse("feedback_thread_reply", args=[thread.pk]), {"body": "Let's shorten them."})

    assert response.status_code == 302
    assert response.url == reverse("feedback_thread", args=[thread.pk])
    message = thread.messages.get(position=2)
    assert (message.author_kind, message.manager, message.body) == (Author.MANAGER, manager, "Let's shorten them.")
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.ACKNOWLEDGED


def test_an_empty_answer_is_refused(as_manager, thread):
    response = as_manager.post(reverse("feedback_thread_reply", args=[thread.pk]), {"body": ""})

    assert response.status_code == 422
    assert thread.messages.count() == 1


def test_the_status_changes(as_manager, thread):
    response = as_manager.post(reverse("feedback_thread_status", args=[thread.pk]), {"status": "in_progress"})

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.IN_PROGRESS
    as_manager.post(reverse("feedback_thread_status", args=[thread.pk]), {"status": "finished"})
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.IN_PROGRESS


def test_publishing_needs_the_writer_s_consent(as_manager, thread):
    data = {"gist": "Mondays run long", "answer": "A 30-minute cap"}

    page = as_manager.get(reverse("feedback_thread", args=[thread.pk])).content.decode()
    assert "hasn't agreed to share this" in page
    assert reverse("feedback_thread_publish", args=[thread.pk]) not in page
    refused = as_manager.post(reverse("feedback_thread_publish", args=[thread.pk]), data)
    assert refused.status_code == 422
    thread.refresh_from_db()
    assert thread.published_on is None

    services.writer_set_consent(thread=thread, consent=True)
    release_next_morning(thread.team)  # the writer's choice reaches the managers with the daily release
    assert (
        reverse("feedback_thread_publish", args=[thread.pk])
        in as_manager.get(reverse("feedback_thread", args=[thread.pk])).content.decode()
    )
    published = as_manager.post(reverse("feedback_thread_publish", args=[thread.pk]), data)

    assert published.status_code == 302
    thread.refresh_from_db()
    assert (thread.published_gist, thread.published_answer) == ("Mondays run long", "A 30-minute cap")
    assert thread.published_on == thread.team.today()

    as_manager.post(reverse("feedback_thread_unpublish", args=[thread.pk]))
    thread.refresh_from_db()
    assert thread.published_on is None


def test_members_never_see_threads(client, member, teammate, thread):
    mine = FeedbackThreadFactory(team=thread.team, body="Mine")
    for person in (member, teammate):
        client.force_login(person)
        assert client.get(reverse("feedback_inbox")).status_code == 404
        for each in (thread, mine):
            assert client.get(reverse("feedback_thread", args=[each.pk])).status_code == 404


def test_an_unknown_thread_is_404(as_manager):
    assert as_manager.get(reverse("feedback_thread", args=[uuid.uuid4()])).status_code == 404


# --- Queries: the inbox and a thread cost the same however much there is -----------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(team, manager, threads: int, replies: int):
    today = timezone.now().date()
    made = []
    for n in range(threads):
        made.append(FeedbackThreadFactory(team=team, created_on=today - timedelta(days=n % 9)))
        for _ in range(replies):
            services.manager_reply(thread=made[-1], manager=manager, body="Thanks")
    return made


# Session, user, the navigation's teams, the inbox check, the page of threads and its count.
INBOX_QUERIES = 6
# Session, user, the navigation's teams, the thread, the handler check and the messages.
THREAD_QUERIES = 6


def test_inbox_query_count_does_not_grow(as_manager, team, manager, crowd, django_assert_max_num_queries):
    url = reverse("feedback_inbox")
    _grow(team, manager, 2, 1)
    small = _count(as_manager, url)

    _grow(team, manager, 40, 3)
    with django_assert_max_num_queries(INBOX_QUERIES):
        large = _count(as_manager, url)

    assert large == small


def test_thread_query_count_does_not_grow(as_manager, team, manager, crowd, django_assert_max_num_queries):
    [thread] = _grow(team, manager, 1, 1)
    url = reverse("feedback_thread", args=[thread.pk])
    small = _count(as_manager, url)

    for _ in range(20):
        services.manager_reply(thread=thread, manager=manager, body="More")
        services.writer_reply(thread=thread, body=f"And more {_}")
    MembershipFactory(team=team, role=Role.MANAGER)
    with django_assert_max_num_queries(THREAD_QUERIES):
        large = _count(as_manager, url)

    assert large == small


def test_the_inbox_pages_through_many_threads(as_manager, team, manager, crowd):
    _grow(team, manager, 30, 0)

    first = as_manager.get(reverse("feedback_inbox"))
    second = as_manager.get(reverse("feedback_inbox"), {"page": 2})

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert {t.pk for t in first.context["page"]}.isdisjoint({t.pk for t in second.context["page"]})


def test_an_org_admin_in_no_team_still_has_an_inbox(client, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("feedback_inbox")).status_code == 200


def test_a_manager_of_another_team_cannot_act_on_a_thread(client, thread, other_manager):
    client.force_login(other_manager)
    for name, data in (
        ("feedback_thread_reply", {"body": "Hi"}),
        ("feedback_thread_status", {"status": "closed"}),
        ("feedback_thread_publish", {"gist": "a", "answer": "b"}),
        ("feedback_thread_unpublish", {}),
    ):
        assert client.post(reverse(name, args=[thread.pk]), data).status_code == 404
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.NEW
    assert thread.messages.count() == 1


def test_a_manager_of_two_teams_sees_both(client, team, other_team, manager, crowd):
    MembershipFactory(team=other_team, user=manager, role=Role.MANAGER)
    mine = [FeedbackThreadFactory(team=team), FeedbackThreadFactory(team=other_team, to_admins=False)]
    FeedbackThreadFactory(team=TeamFactory())

    client.force_login(manager)

    assert set(client.get(reverse("feedback_inbox")).context["page"]) == set(mine)
