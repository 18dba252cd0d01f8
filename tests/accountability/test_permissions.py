"""Who may open which page: every named URL × every persona, plus the permission functions.

The matrix is the contract. A new page without a row fails `test_every_named_page_has_a_row`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accountability import permissions, selectors
from accountability.models import Invitation, Membership, Role

from ..factories import MembershipFactory

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]

# Outcomes
OK = "200"
GONE = "410"  # an invitation link that cannot be used
NOT_FOUND = "404"
LOGIN = "login"  # 302 to the sign-in page with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to the Django admin's sign-in page
REDIRECT = "redirect"  # 302 somewhere else: the action was done


@dataclass
class Page:
    method: str
    url: Callable[[dict], str]
    expect: dict[str, str]
    # For actions: did the change happen? Checked against the expectation (done iff REDIRECT).
    done: Callable[[dict], bool] | None = None
    data: dict = field(default_factory=dict)


def _all(outcome: str, **overrides: str) -> dict[str, str]:
    return {persona: overrides.get(persona, outcome) for persona in PERSONAS}


def _signed_in(outcome: str, **overrides: str) -> dict[str, str]:
    return _all(outcome, anonymous=LOGIN, **overrides)


def _team_viewers(outcome: str) -> dict[str, str]:
    return _signed_in(NOT_FOUND, member=outcome, teammate=outcome, manager=outcome, org_admin=outcome)


def _team_managers(outcome: str) -> dict[str, str]:
    return _signed_in(NOT_FOUND, manager=outcome, org_admin=outcome)


PAGES: dict[str, Page] = {
    # Public pages
    "healthz": Page("get", lambda c: reverse("healthz"), _all(OK)),
    "login": Page("get", lambda c: reverse("login"), _all(REDIRECT, anonymous=OK)),
    "logout": Page("post", lambda c: reverse("logout"), _all(REDIRECT)),
    "password_reset": Page("get", lambda c: reverse("password_reset"), _all(OK)),
    "password_reset_done": Page("get", lambda c: reverse("password_reset_done"), _all(OK)),
    "password_reset_confirm": Page(
        "get", lambda c: reverse("password_reset_confirm", args=["MQ", "not-a-token"]), _all(OK)
    ),
    "password_reset_complete": Page("get", lambda c: reverse("password_reset_complete"), _all(OK)),
    "invitation_accept": Page("get", lambda c: reverse("invitation_accept", args=["garbage"]), _all(GONE)),
    # Any signed-in person
    "home": Page("get", lambda c: reverse("home"), _signed_in(OK)),
    "profile": Page("get", lambda c: reverse("profile"), _signed_in(OK)),
    "password_change": Page("get", lambda c: reverse("password_change"), _signed_in(OK)),
    "password_change_done": Page("get", lambda c: reverse("password_change_done"), _signed_in(OK)),
    # Organisation admins
    "team_create": Page("get", lambda c: reverse("team_create"), _signed_in(NOT_FOUND, org_admin=OK)),
    "admin:index": Page("get", lambda c: reverse("admin:index"), _all(ADMIN_LOGIN, org_admin=OK)),
    # A team's people
    "team_detail": Page("get", lambda c: reverse("team_detail", args=[c["team"].slug]), _team_viewers(OK)),
    # A team's managers
    "team_settings": Page("get", lambda c: reverse("team_settings", args=[c["team"].slug]), _team_managers(OK)),
    "team_members": Page("get", lambda c: reverse("team_members", args=[c["team"].slug]), _team_managers(OK)),
    "team_invite": Page("get", lambda c: reverse("team_invite", args=[c["team"].slug]), _team_managers(OK)),
    "membership_role": Page(
        "post",
        lambda c: reverse("membership_role", args=[c["team"].slug, c["teammate_membership"].pk]),
        _team_managers(REDIRECT),
        data={"role": Role.MANAGER},
        done=lambda c: Membership.objects.get(pk=c["teammate_membership"].pk).role == Role.MANAGER,
    ),
    "membership_remove": Page(
        "post",
        lambda c: reverse("membership_remove", args=[c["team"].slug, c["teammate_membership"].pk]),
        _team_managers(REDIRECT),
        done=lambda c: not Membership.objects.filter(pk=c["teammate_membership"].pk).exists(),
    ),
    "invitation_revoke": Page(
        "post",
        lambda c: reverse("invitation_revoke", args=[c["team"].slug, c["invitation"].pk]),
        _team_managers(REDIRECT),
        done=lambda c: not Invitation.objects.filter(pk=c["invitation"].pk).exists(),
    ),
}

# Named URLs that are not pages of ours: the Django admin's internals (its index is in PAGES).
NOT_IN_MATRIX_NAMESPACES = {"admin"}


def _named_urls(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_page_has_a_row():
    names = _named_urls(get_resolver().url_patterns)
    ours = {
        name
        for name in names
        if name == "admin:index" or ":" not in name or name.split(":", 1)[0] not in NOT_IN_MATRIX_NAMESPACES
    }
    assert "admin:index" in names
    missing = ours - set(PAGES)
    assert not missing, f"pages without a permission row in PAGES: {sorted(missing)}"
    assert set(PAGES) - {"admin:index"} <= names, "PAGES names a URL that no longer exists"


@pytest.fixture
def ctx(personas, team, other_team, teammate, manager):
    return {
        "team": team,
        "other_team": other_team,
        "personas": personas,
        "teammate_membership": Membership.objects.get(team=team, user=teammate),
        "invitation": Invitation.objects.create(team=team, email="pending@example.org", invited_by=manager),
    }


MATRIX = [(name, persona, page.expect[persona]) for name, page in PAGES.items() for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona", "expected"), MATRIX, ids=[f"{n}-{p}-{e}" for n, p, e in MATRIX])
def test_page_access(client, ctx, name, persona, expected):
    page = PAGES[name]
    user = ctx["personas"][persona]
    if user is not None:
        client.force_login(user)
    url = page.url(ctx)

    response = getattr(client, page.method)(url, page.data)

    if expected == OK:
        assert response.status_code == 200
    elif expected == GONE:
        assert response.status_code == 410
    elif expected == NOT_FOUND:
        assert response.status_code == 404
    elif expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login") + "?next=")
    elif expected == REDIRECT:
        assert response.status_code == 302
        assert not response.url.startswith(reverse("login") + "?next=")
    else:  # pragma: no cover - a typo in the matrix
        pytest.fail(f"unknown outcome {expected}")
    if page.done is not None:
        assert page.done(ctx) is (expected == REDIRECT)


# --- Details the matrix does not show ----------------------------------------------------


@pytest.mark.parametrize("name", ["membership_role", "membership_remove", "invitation_revoke"])
def test_actions_refuse_get(client, ctx, manager, name):
    client.force_login(manager)
    response = client.get(PAGES[name].url(ctx))
    assert response.status_code == 405
    assert PAGES[name].done(ctx) is False


def test_unknown_team_gets_404_even_for_org_admin(client, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("team_detail", args=["no-such-team"])).status_code == 404


def test_manager_of_other_team_cannot_reach_a_membership_through_their_own_team(client, ctx, other_manager):
    """The membership id belongs to `team`; naming it under `other_team`'s URL must not work."""
    client.force_login(other_manager)
    membership = ctx["teammate_membership"]
    other = ctx["other_team"].slug
    assert client.post(reverse("membership_role", args=[other, membership.pk]), {"role": "manager"}).status_code == 404
    assert client.post(reverse("membership_remove", args=[other, membership.pk])).status_code == 404
    assert client.post(reverse("invitation_revoke", args=[other, ctx["invitation"].pk])).status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    assert Invitation.objects.filter(pk=ctx["invitation"].pk).exists()


def test_member_gets_404_not_403_so_a_team_s_existence_does_not_leak(client, member, other_team):
    client.force_login(member)
    response = client.get(reverse("team_detail", args=[other_team.slug]))
    assert response.status_code == 404
    assert other_team.name not in response.content.decode()


def test_manager_sees_invite_and_settings_links_member_does_not(client, team, member, manager):
    settings_url = reverse("team_settings", args=[team.slug])
    client.force_login(member)
    assert settings_url not in client.get(reverse("team_detail", args=[team.slug])).content.decode()
    client.force_login(manager)
    assert settings_url in client.get(reverse("team_detail", args=[team.slug])).content.decode()


# --- permissions.py ----------------------------------------------------------------------

VIEW = {"member", "teammate", "manager", "org_admin"}
MANAGE = {"manager", "org_admin"}


def _user(personas, persona):
    return personas[persona] or AnonymousUser()


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_view_team(personas, team, persona):
    assert permissions.can_view_team(_user(personas, persona), team) is (persona in VIEW)


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_manage_team(personas, team, persona):
    assert permissions.can_manage_team(_user(personas, persona), team) is (persona in MANAGE)


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_create_team(personas, persona):
    assert permissions.can_create_team(_user(personas, persona)) is (persona == "org_admin")


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_manage_any_team(personas, persona):
    expected = persona in {"manager", "other_manager", "org_admin"}
    assert permissions.can_manage_any_team(_user(personas, persona)) is expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", None),
        ("member", Role.MEMBER),
        ("manager", Role.MANAGER),
        ("other_manager", None),
        ("outsider", None),
        ("org_admin", None),  # staff manage every team without being in it
    ],
)
def test_role_in(personas, team, persona, expected):
    assert permissions.role_in(_user(personas, persona), team) == expected


def test_role_in_uses_the_role_annotated_by_the_selector(personas, team, django_assert_num_queries):
    manager = personas["manager"]
    annotated = selectors.teams_for_user(manager).get(pk=team.pk)
    with django_assert_num_queries(0):
        assert permissions.role_in(manager, annotated) == Role.MANAGER
        assert permissions.can_manage_team(manager, annotated) is True


def test_a_demoted_manager_can_no_longer_manage(team, manager):
    MembershipFactory(team=team, role=Role.MANAGER)  # someone else keeps the team managed
    Membership.objects.filter(team=team, user=manager).update(role=Role.MEMBER)
    assert permissions.can_manage_team(manager, team) is False
    assert permissions.can_view_team(manager, team) is True


def test_an_inactive_user_is_not_signed_in(client, member, team):
    member.is_active = False
    member.save()
    client.force_login(member)
    response = client.get(reverse("team_detail", args=[team.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_role_in_never_uses_the_role_annotated_for_someone_else(personas, team):
    annotated_for_manager = selectors.teams_with_viewer_role(personas["manager"]).get(pk=team.pk)
    assert permissions.role_in(personas["member"], annotated_for_manager) == Role.MEMBER
    assert permissions.can_manage_team(personas["member"], annotated_for_manager) is False
    assert permissions.can_view_team(personas["other_manager"], annotated_for_manager) is False
