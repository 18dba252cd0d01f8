"""Who may handle feedback. The pages × personas matrix for a thread routed to a team's
managers is in tests/accountability/test_permissions.py; here the thread routed to the
organisation's admins, and the permission functions themselves."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from feedback import permissions
from feedback.models import FeedbackThread

from .factories import FeedbackThreadFactory

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]


@pytest.fixture
def to_admins(team):
    """Feedback for `team` that went to the admins (the team is too small)."""
    return FeedbackThreadFactory(team=team, to_admins=True, publish_consent=True)


@pytest.fixture
def to_managers(team):
    return FeedbackThreadFactory(team=team, to_admins=False)


def _user(personas, persona):
    return personas[persona] or AnonymousUser()


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_use_inbox(personas, persona):
    expected = persona in {"manager", "other_manager", "org_admin"}
    assert permissions.can_use_inbox(_user(personas, persona)) is expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_handle(personas, to_admins, to_managers, persona):
    user = _user(personas, persona)
    assert permissions.can_handle(user, to_managers) is (persona == "manager")
    assert permissions.can_handle(user, to_admins) is (persona == "org_admin")


ADMIN_ROUTED_PAGES = [
    ("get", "feedback_thread", {}, 200),
    ("post", "feedback_thread_reply", {"body": "From the admins"}, 302),
    ("post", "feedback_thread_status", {"status": "addressed"}, 302),
    ("post", "feedback_thread_publish", {"gist": "Gist", "answer": "Answer"}, 302),
    ("post", "feedback_thread_unpublish", {}, 302),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name", "data", "ok"), ADMIN_ROUTED_PAGES, ids=[p[1] for p in ADMIN_ROUTED_PAGES])
def test_a_thread_routed_to_the_admins_is_theirs_alone(client, personas, to_admins, persona, method, name, data, ok):
    if personas[persona] is not None:
        client.force_login(personas[persona])
    before = FeedbackThread.objects.filter(pk=to_admins.pk).values().get()
    messages = to_admins.messages.count()

    response = getattr(client, method)(reverse(name, args=[to_admins.pk]), data)

    if persona == "org_admin":
        assert response.status_code == ok
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 404
    if persona != "org_admin":
        assert FeedbackThread.objects.filter(pk=to_admins.pk).values().get() == before
        assert to_admins.messages.count() == messages


@pytest.mark.parametrize("name", ["feedback_thread_reply", "feedback_thread_status", "feedback_thread_publish"])
def test_actions_refuse_get(client, manager, to_managers, name):
    client.force_login(manager)
    assert client.get(reverse(name, args=[to_managers.pk])).status_code == 405


@pytest.mark.parametrize("name", ["feedback_follow_up_reply", "feedback_follow_up_consent"])
def test_follow_up_actions_refuse_get(client, name):
    assert client.get(reverse(name)).status_code == 405
