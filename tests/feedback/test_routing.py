"""Where anonymous feedback goes: to a team's managers only when the team has at least its
anonymity threshold of members besides them; otherwise to the organisation's admins."""

import pytest
from django.urls import reverse

from accountability.models import Role
from feedback import selectors, services
from feedback.models import FeedbackThread

from ..factories import MembershipFactory, TeamFactory, UserFactory
from .factories import FeedbackThreadFactory
from .helpers import followed


def _team_with(members: int, *, managers: int = 1, threshold: int = 5):
    team = TeamFactory(anonymity_threshold=threshold)
    for _ in range(managers):
        MembershipFactory(team=team, role=Role.MANAGER)
    for _ in range(members):
        MembershipFactory(team=team, role=Role.MEMBER)
    return team


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("members", "threshold", "to_admins"),
    [(4, 5, True), (5, 5, False), (6, 7, True), (7, 7, False), (3, 3, False), (0, 3, True)],
)
def test_threshold_decides_between_the_managers_and_the_admins(members, threshold, to_admins):
    team = _team_with(members, threshold=threshold)
    writer = UserFactory()

    submitted = services.feedback_submit(writer=writer, team=team, category="idea", body="Hi")

    assert submitted.thread.to_admins is to_admins
    assert services.goes_to_admins(team) is to_admins
    # The annotated teams of the writing form say the same, without a query per team.
    annotated = selectors.teams_for_writing().get(pk=team.pk)
    assert services.goes_to_admins(annotated) is to_admins


@pytest.mark.django_db
def test_managers_do_not_count_towards_the_threshold():
    team = _team_with(4, managers=3)

    assert services.goes_to_admins(team) is True


@pytest.mark.django_db
def test_members_whose_accounts_are_closed_do_not_count():
    team = _team_with(5)
    MembershipFactory(team=team, role=Role.MEMBER, user__is_active=False)
    assert services.goes_to_admins(team) is False

    first = team.memberships.filter(role=Role.MEMBER, user__is_active=True).first().user
    first.is_active = False
    first.save()

    assert services.goes_to_admins(team) is True


@pytest.mark.django_db
def test_a_team_without_a_manager_sends_it_to_the_admins_whatever_its_size():
    team = _team_with(8, managers=0)

    assert services.goes_to_admins(team) is True
    assert selectors.teams_for_writing().get(pk=team.pk).feedback_managers == 0


@pytest.mark.django_db
def test_signing_does_not_change_where_it_goes():
    """Routing follows the team's size, signed or not: a small team's feedback goes to the
    admins either way (the writer is told so before sending)."""
    team = _team_with(2)

    submitted = services.feedback_submit(writer=UserFactory(), team=team, category="idea", body="Hi", sign=True)

    assert submitted.thread.to_admins is True


def test_the_small_team_s_managers_cannot_see_what_went_to_the_admins(client, other_team, other_manager, org_admin):
    # other_team has its manager and no members: too small.
    thread = FeedbackThreadFactory(team=other_team, to_admins=True, body="Only for the admins")

    client.force_login(other_manager)
    inbox = client.get(reverse("feedback_inbox"))
    assert inbox.status_code == 200
    assert list(inbox.context["page"]) == []
    assert "Only for the admins" not in inbox.content.decode()
    assert client.get(reverse("feedback_thread", args=[thread.pk])).status_code == 404
    assert client.post(reverse("feedback_thread_reply", args=[thread.pk]), {"body": "Hi"}).status_code == 404

    client.force_login(org_admin)
    assert list(client.get(reverse("feedback_inbox")).context["page"]) == [thread]
    assert client.get(reverse("feedback_thread", args=[thread.pk])).status_code == 200


def test_the_admins_do_not_see_what_went_to_a_team_s_managers(client, team, manager, crowd, org_admin):
    thread = FeedbackThreadFactory(team=team, to_admins=False)

    client.force_login(org_admin)
    assert list(client.get(reverse("feedback_inbox")).context["page"]) == []
    assert client.get(reverse("feedback_thread", args=[thread.pk])).status_code == 404

    client.force_login(manager)
    assert list(client.get(reverse("feedback_inbox")).context["page"]) == [thread]


def test_through_the_page_small_teams_feedback_reaches_the_admins(client, member, other_team, other_manager):
    client.force_login(member)

    response = followed(
        client.post(
            reverse("feedback_new"),
            {"team": other_team.pk, "category": "concern", "body": "Hello", "shown_destination": "admins"},
        )
    )

    assert response.status_code == 200
    assert "It goes to the organisation's admins (for Support)." in response.content.decode()
    assert FeedbackThread.objects.get().to_admins is True
