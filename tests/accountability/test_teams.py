"""Team settings, roles and members, creating teams, the team switcher, and query counts."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability import services
from accountability.models import (
    Commitment,
    CommitmentStatus,
    Invitation,
    Membership,
    OutboundEmail,
    Role,
    Team,
    Weekday,
)

from ..factories import CommitmentFactory, MembershipFactory, TeamFactory, UserFactory
from ..twofactor import admin_sign_in

# --- Settings ----------------------------------------------------------------------------


def _settings_data(**overrides):
    data = {
        "name": "Platform Engineering",
        "time_zone": "Asia/Tokyo",
        "checkin_weekday": str(Weekday.MONDAY),
        "checkin_time": "09:30",
        "nudge_hours_before_close": "12",
        "anonymity_threshold": "7",
        "reminders_enabled": "",  # unchecked
        # open_commitments left out: an unchecked box
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_manager_saves_team_settings(client, team, manager):
    client.force_login(manager)
    url = reverse("team_settings", args=[team.slug])

    response = client.post(url, _settings_data(), follow=True)

    assert response.redirect_chain == [(url, 302)]
    assert "Team settings saved." in response.content.decode()
    team.refresh_from_db()
    assert team.name == "Platform Engineering"
    assert team.slug == "platform"  # links keep working after a rename
    assert team.time_zone == "Asia/Tokyo"
    assert team.checkin_weekday == Weekday.MONDAY
    assert team.checkin_time == time(9, 30)
    assert team.nudge_hours_before_close == 12
    assert team.anonymity_threshold == 7
    assert team.reminders_enabled is False
    assert team.open_commitments is False


def test_settings_form_shows_the_current_values(client, team, manager):
    client.force_login(manager)
    body = client.get(reverse("team_settings", args=[team.slug])).content.decode()
    assert 'value="Platform"' in body
    assert '<option value="Europe/London" selected>' in body


@pytest.mark.parametrize("threshold", ["2", "0", "-1"])
def test_anonymity_threshold_below_three_is_rejected_and_typed_values_stay(client, team, manager, threshold):
    client.force_login(manager)

    response = client.post(
        reverse("team_settings", args=[team.slug]), _settings_data(name="Renamed", anonymity_threshold=threshold)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["anonymity_threshold"]
    body = response.content.decode()
    assert "Keep it at 3 or more" in body
    assert 'value="Renamed"' in body
    assert f'value="{threshold}"' in body
    assert "Settings for Platform" in body  # the heading is the saved name, not the rejected one
    team.refresh_from_db()
    assert (team.name, team.anonymity_threshold, team.time_zone) == ("Platform", 5, "Europe/London")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", ""),
        ("checkin_weekday", "7"),
        ("checkin_time", "25:00"),
        ("nudge_hours_before_close", "145"),
        ("anonymity_threshold", "51"),
        ("anonymity_threshold", "many"),
        ("name", ""),
    ],
)
def test_invalid_settings_are_form_errors_not_500(client, team, manager, field, value):
    client.force_login(manager)
    data = _settings_data()
    data[field] = value

    response = client.post(reverse("team_settings", args=[team.slug]), data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    team.refresh_from_db()
    assert team.name == "Platform"
    assert team.time_zone == "Europe/London"


# --- Roles and members -------------------------------------------------------------------


def _membership(team, user):
    return Membership.objects.get(team=team, user=user)


def _set_role(client, team, membership, role, **kwargs):
    return client.post(reverse("membership_role", args=[team.slug, membership.pk]), {"role": role}, **kwargs)


def _remove(client, team, membership, **kwargs):
    return client.post(reverse("membership_remove", args=[team.slug, membership.pk]), **kwargs)


def test_manager_promotes_a_member_to_manager(client, team, manager, member):
    client.force_login(manager)

    response = _set_role(client, team, _membership(team, member), Role.MANAGER, follow=True)

    assert response.redirect_chain[-1][0] == reverse("team_members", args=[team.slug])
    assert "Mia Member is now a manager." in response.content.decode()
    assert _membership(team, member).role == Role.MANAGER


def test_manager_demotes_another_manager(client, team, manager, member):
    Membership.objects.filter(team=team, user=member).update(role=Role.MANAGER)
    client.force_login(manager)

    _set_role(client, team, _membership(team, member), Role.MEMBER)

    assert _membership(team, member).role == Role.MEMBER


@pytest.mark.parametrize("persona", ["manager", "org_admin"])
def test_the_last_manager_cannot_be_demoted(client, personas, team, manager, persona):
    client.force_login(personas[persona])

    response = _set_role(client, team, _membership(team, manager), Role.MEMBER, follow=True)

    assert "A team needs at least one manager" in response.content.decode()
    assert _membership(team, manager).role == Role.MANAGER


@pytest.mark.parametrize("persona", ["manager", "org_admin"])
def test_the_last_manager_cannot_be_removed(client, personas, team, manager, persona):
    client.force_login(personas[persona])

    response = _remove(client, team, _membership(team, manager), follow=True)

    assert response.redirect_chain[-1][0] == reverse("team_members", args=[team.slug])
    assert "A team needs at least one manager" in response.content.decode()
    assert Membership.objects.filter(team=team, user=manager, role=Role.MANAGER).exists()


def test_a_manager_who_steps_down_lands_on_the_team_page(client, team, manager, member):
    Membership.objects.filter(team=team, user=member).update(role=Role.MANAGER)
    client.force_login(manager)

    response = _set_role(client, team, _membership(team, manager), Role.MEMBER, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("team_detail", args=[team.slug])
    assert _membership(team, manager).role == Role.MEMBER


def test_a_manager_who_leaves_lands_on_home(client, team, manager, member):
    Membership.objects.filter(team=team, user=member).update(role=Role.MANAGER)
    client.force_login(manager)

    response = _remove(client, team, _membership(team, manager))

    assert response.url == reverse("home")
    assert not Membership.objects.filter(team=team, user=manager).exists()


@pytest.mark.parametrize("role", ["owner", "", "MANAGER"])
def test_unknown_role_changes_nothing(client, team, manager, member, role):
    client.force_login(manager)

    response = _set_role(client, team, _membership(team, member), role, follow=True)

    assert "Choose member or manager." in response.content.decode()
    assert _membership(team, member).role == Role.MEMBER


def test_manager_removes_a_member(client, team, manager, member):
    client.force_login(manager)

    response = _remove(client, team, _membership(team, member), follow=True)

    assert response.redirect_chain[-1][0] == reverse("team_members", args=[team.slug])
    assert "Mia Member is no longer in Platform." in response.content.decode()
    assert not Membership.objects.filter(team=team, user=member).exists()
    member.refresh_from_db()  # the account stays; only the membership goes
    assert member.is_active
    client.force_login(member)
    assert client.get(reverse("team_detail", args=[team.slug])).status_code == 404


def test_removing_a_membership_that_is_gone_is_404(client, team, manager, member):
    membership = _membership(team, member)
    client.force_login(manager)
    _remove(client, team, membership)
    assert _remove(client, team, membership).status_code == 404


def test_members_page_lists_people_with_their_emails(client, team, manager, member, teammate):
    client.force_login(manager)
    body = client.get(reverse("team_members", args=[team.slug])).content.decode()
    for person in (manager, member, teammate):
        assert person.email in body
        assert reverse("membership_remove", args=[team.slug, _membership(team, person).pk]) in body


# --- Creating teams ----------------------------------------------------------------------


def test_org_admin_creates_a_team_with_a_first_manager_invitation(client, org_admin):
    client.force_login(org_admin)

    response = client.post(
        reverse("team_create"),
        {"name": "Data Science", "time_zone": "Europe/Berlin", "first_manager_email": "Dana@Example.org"},
    )

    team = Team.objects.get(name="Data Science")
    assert response.url == reverse("team_detail", args=[team.slug])
    assert (team.slug, team.time_zone) == ("data-science", "Europe/Berlin")
    invitation = Invitation.objects.get(team=team)
    assert (invitation.email, invitation.role, invitation.invited_by) == ("dana@example.org", Role.MANAGER, org_admin)
    row = OutboundEmail.objects.get()
    assert (row.kind, row.to_email) == ("invitation", "dana@example.org")
    assert "as a manager" in row.body_text
    assert not Membership.objects.filter(team=team).exists()


def test_org_admin_creates_a_team_whose_first_manager_has_an_account(client, org_admin, outsider):
    client.force_login(org_admin)

    client.post(
        reverse("team_create"), {"name": "Data", "time_zone": "UTC", "first_manager_email": "outsider@example.org"}
    )

    team = Team.objects.get(name="Data")
    assert _membership(team, outsider).role == Role.MANAGER
    assert OutboundEmail.objects.get().kind == "added_to_team"
    assert not Invitation.objects.exists()


def test_org_admin_creates_a_team_without_a_first_manager_and_manages_it(client, org_admin):
    client.force_login(org_admin)

    response = client.post(reverse("team_create"), {"name": "Data Science", "time_zone": "UTC"}, follow=True)

    team = Team.objects.get(name="Data Science")
    assert "Team “Data Science” created." in response.content.decode()
    assert _membership(team, org_admin).role == Role.MANAGER
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "time_zone": "UTC"},
        {"name": "Data", "time_zone": "Nowhere/Atlantis"},
        {"name": "Data", "time_zone": "UTC", "first_manager_email": "not-an-email"},
        {"name": "x" * 101, "time_zone": "UTC"},
    ],
)
def test_team_create_form_errors_create_nothing(client, org_admin, data):
    client.force_login(org_admin)
    response = client.post(reverse("team_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Team.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "member", "outsider"])
def test_only_org_admins_create_teams(client, personas, persona):
    client.force_login(personas[persona])
    assert client.post(reverse("team_create"), {"name": "Sneaky", "time_zone": "UTC"}).status_code == 404
    assert not Team.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("name", ["New", "new", "NEW!", " new "])
def test_the_slug_new_is_never_given_to_a_team(client, org_admin, name):
    client.force_login(org_admin)

    response = client.post(reverse("team_create"), {"name": name, "time_zone": "UTC"})

    team = Team.objects.get()
    assert team.slug != "new"
    assert response.url == reverse("team_detail", args=[team.slug])
    assert client.get(response.url).templates[0].name == "dashboard/team_detail.html"


def test_team_slugs_stay_unique(db):
    TeamFactory(name="Platform", slug="platform")
    TeamFactory(name="Platform 2", slug="platform-2")
    assert services.team_create(name="Platform").slug == "platform-3"
    assert services.team_create(name="!!!").slug == "team"
    assert services.team_create(name="New").slug == "new-2"


def test_the_admin_refuses_the_slug_new(client, db):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    admin_sign_in(client, superuser)
    data = {
        "name": "New",
        "slug": "new",
        "time_zone": "UTC",
        "checkin_weekday": "4",
        "checkin_time": "16:00",
        "nudge_hours_before_close": "24",
        "anonymity_threshold": "5",
        "created_at_0": "2026-01-05",
        "created_at_1": "10:00",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:accountability_team_add"), data)

    assert response.status_code == 200
    assert "is reserved" in response.content.decode()
    assert not Team.objects.exists()
    data["slug"] = "new-team"
    assert client.post(reverse("admin:accountability_team_add"), data).status_code == 302
    assert Team.objects.get().slug == "new-team"


# --- Team switcher -----------------------------------------------------------------------


def _current_team_link(body: str) -> str:
    """The switcher entry marked as current."""
    marker = 'aria-current="true"'
    assert marker in body
    head = body[: body.index(marker)]
    return head[head.rindex("href=") :]


@pytest.fixture
def member_of_two_teams(member, other_team):
    MembershipFactory(team=other_team, user=member, role=Role.MEMBER)
    return member


def test_a_person_in_two_teams_sees_both_in_the_switcher(client, team, other_team, member_of_two_teams):
    client.force_login(member_of_two_teams)
    response = client.get(reverse("profile"))
    body = response.content.decode()
    assert reverse("team_detail", args=[team.slug]) in body
    assert reverse("team_detail", args=[other_team.slug]) in body
    assert {t.pk for t in response.context["nav_teams"]} == {team.pk, other_team.pk}


def test_the_current_team_follows_the_last_team_page_visited(client, team, other_team, member_of_two_teams):
    client.force_login(member_of_two_teams)

    client.get(reverse("team_detail", args=[other_team.slug]))
    response = client.get(reverse("profile"))
    assert response.context["nav_current_team"] == other_team
    assert reverse("team_detail", args=[other_team.slug]) in _current_team_link(response.content.decode())

    client.get(reverse("team_detail", args=[team.slug]))
    response = client.get(reverse("profile"))
    assert response.context["nav_current_team"] == team
    assert reverse("team_detail", args=[team.slug]) in _current_team_link(response.content.decode())


def test_home_opens_this_week_of_the_team_last_opened(client, team, other_team, member_of_two_teams):
    client.force_login(member_of_two_teams)

    client.get(reverse("team_detail", args=[other_team.slug]))
    assert client.get(reverse("home")).url == reverse("this_week", args=[other_team.slug])

    client.get(reverse("team_detail", args=[team.slug]))
    assert client.get(reverse("home")).url == reverse("this_week", args=[team.slug])


def test_home_opens_this_week_of_the_first_team_on_a_first_visit(client, team, other_team, member_of_two_teams):
    client.force_login(member_of_two_teams)
    # Teams come in name order: Platform before Support.
    assert client.get(reverse("home")).url == reverse("this_week", args=[team.slug])


@pytest.mark.parametrize("persona", ["outsider", "org_admin"])
def test_home_lists_teams_for_someone_in_none(client, personas, team, persona):
    client.force_login(personas[persona])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    if persona == "org_admin":  # staff see every team, to manage it
        assert reverse("team_detail", args=[team.slug]) in body
    else:
        assert "You're not in a team yet" in body
        assert team.name not in body


def test_a_manager_s_people_link_follows_the_team_they_manage_last_opened(client, team, other_team, manager):
    MembershipFactory(team=other_team, user=manager, role=Role.MANAGER)
    client.force_login(manager)
    client.get(reverse("team_detail", args=[team.slug]))

    response = client.get(reverse("team_settings", args=[other_team.slug]))

    assert response.context["nav_current_team"] == other_team
    body = response.content.decode()
    assert reverse("team_members", args=[other_team.slug]) in body
    assert reverse("team_members", args=[team.slug]) not in body


def test_a_person_in_one_team_has_no_switcher_but_a_link(client, team, member):
    client.force_login(member)
    response = client.get(reverse("profile"))
    assert response.context["nav_current_team"] == team
    assert 'aria-current="true"' not in response.content.decode()


def test_a_removed_team_does_not_stay_current(client, team, other_team, member_of_two_teams):
    client.force_login(member_of_two_teams)
    client.get(reverse("team_detail", args=[other_team.slug]))
    Membership.objects.filter(team=other_team, user=member_of_two_teams).delete()

    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain == [(reverse("this_week", args=[team.slug]), 302)]
    assert response.context["nav_current_team"] == team
    assert list(response.context["nav_teams"]) == [team]
    # Not the team's name: the week page has a "Support I'd like" field, and the team is Support.
    assert f"/teams/{other_team.slug}/" not in response.content.decode()


# --- Query counts ------------------------------------------------------------------------


def _grow(team, people: int, invitations: int, commitments_each: int = 0) -> None:
    for _ in range(people - Membership.objects.filter(team=team).count()):
        MembershipFactory(team=team)
    for n in range(Invitation.objects.filter(team=team).count(), invitations):
        Invitation.objects.create(team=team, email=f"invitee{team.pk}-{n}@example.org")
    # This week's commitments, listed on the team page; proposals and declined ones are not.
    for membership in Membership.objects.filter(team=team).select_related("user"):
        owner = membership.user
        for n in range(Commitment.objects.filter(team=team, owner=owner).count(), commitments_each):
            status = [CommitmentStatus.OPEN, CommitmentStatus.DONE, CommitmentStatus.PROPOSED][n % 3]
            CommitmentFactory(team=team, owner=owner, status=status)


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Pinned: session, user, the team with the viewer's role, the switcher's teams, the people,
# the pending invitations (managers and org admins) and this week's commitments (the team's
# managers; members too, as the team shares commitments openly) and its "you said, we did". A
# repeat visit does not save the session.
# +3: the thanks, the latest updates and the leadership history (updates app and core).
# +1 for the team's people: this week's shared check-in answers (check-ins app).
TEAM_DETAIL_QUERIES = {"manager": 12, "member": 11, "org_admin": 10}
# The People page: session, user, the team with the viewer's role, the switcher's teams, the
# count of people and a page of them (MEMBERS_PER_PAGE), and the pending invitations.
TEAM_MEMBERS_MAX_QUERIES = 7


@pytest.mark.parametrize("persona", ["manager", "member", "org_admin"])
def test_team_detail_query_count_does_not_grow_with_the_team(
    client, personas, team, persona, django_assert_max_num_queries
):
    client.force_login(personas[persona])
    url = reverse("team_detail", args=[team.slug])
    _grow(team, 3, 3, commitments_each=1)
    client.get(url)  # the first visit stores the current team in the session
    small = _count_queries(client, url)

    _grow(team, 30, 30, commitments_each=4)
    with django_assert_max_num_queries(TEAM_DETAIL_QUERIES[persona]):
        large = _count_queries(client, url)

    assert large == small
    listed = client.get(url).context["commitments"]
    if persona == "org_admin":  # not in the team: its commitments are its people's business
        assert listed is None
    else:
        assert len(listed) == 30 * 4 - 30  # one in three of each person's four is a proposal


@pytest.mark.parametrize("persona", ["manager", "org_admin"])
def test_team_members_query_count_does_not_grow_with_the_team(
    client, personas, team, persona, django_assert_max_num_queries
):
    client.force_login(personas[persona])
    url = reverse("team_members", args=[team.slug])
    _grow(team, 3, 3)
    client.get(url)
    small = _count_queries(client, url)

    _grow(team, 30, 30)
    with django_assert_max_num_queries(TEAM_MEMBERS_MAX_QUERIES):
        large = _count_queries(client, url)

    assert large == small
    assert Membership.objects.filter(team=team).count() == 30


def test_team_members_come_a_page_at_a_time(client, manager, team, django_assert_max_num_queries):
    from accountability.views import MEMBERS_PER_PAGE

    _grow(team, MEMBERS_PER_PAGE + 7, 0)
    client.force_login(manager)
    url = reverse("team_members", args=[team.slug])

    first = client.get(url)
    with django_assert_max_num_queries(TEAM_MEMBERS_MAX_QUERIES):
        second = client.get(url + "?page=2")

    assert len(first.context["memberships"]) == MEMBERS_PER_PAGE
    assert len(second.context["memberships"]) == 7
    # Managers first, then members; every membership on exactly one page.
    listed = [m.pk for m in first.context["memberships"]] + [m.pk for m in second.context["memberships"]]
    assert sorted(listed) == sorted(Membership.objects.filter(team=team).values_list("pk", flat=True))
    assert first.context["memberships"][0].user == manager
    html = first.content.decode()
    assert 'aria-label="Pages of people"' in html and "?page=2" in html
    # A page that does not exist is the last one, not an error.
    assert client.get(url + "?page=99").context["memberships"].number == 2
    assert client.get(url + "?page=x").context["memberships"].number == 1


# --- Organisation admins in the Django admin ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accountability/team/",
        "/admin/accountability/team/add/",
        "/admin/accountability/membership/add/",
        "/admin/accountability/invitation/",
        "/admin/accountability/user/",
        "/admin/accountability/outboundemail/",
    ],
)
def test_org_admin_without_model_permissions_can_run_teams_in_the_admin(client, org_admin, url):
    assert not org_admin.is_superuser
    admin_sign_in(client, org_admin)
    assert client.get(url).status_code == 200


def test_org_admin_appoints_a_manager_in_the_admin(client, org_admin, team, member):
    admin_sign_in(client, org_admin)
    membership = Membership.objects.get(team=team, user=member)
    response = client.post(
        f"/admin/accountability/membership/{membership.pk}/change/",
        {"user": member.pk, "team": team.pk, "role": "manager", "joined_at_0": "2026-01-01", "joined_at_1": "10:00"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_org_admin_cannot_edit_accounts_in_the_admin(client, org_admin, member):
    admin_sign_in(client, org_admin)
    response = client.post(f"/admin/accountability/user/{member.pk}/change/", {"email": "x@example.org"})
    assert response.status_code == 403


@pytest.mark.parametrize(("threshold", "minimum"), [(2, 3), (3, 3), (5, 5), (12, 12)])
def test_anonymous_results_never_describe_a_group_below_the_floor(threshold, minimum):
    assert Team(anonymity_threshold=threshold).anonymity_minimum == minimum


def test_pending_invitations_come_a_page_at_a_time(client, manager, team, django_assert_max_num_queries):
    """Newest first, INVITATIONS_PER_PAGE at a time, without counting them all."""
    from accountability.selectors import INVITATIONS_PER_PAGE

    _grow(team, 2, INVITATIONS_PER_PAGE + 4)
    client.force_login(manager)
    url = reverse("team_members", args=[team.slug])
    client.get(url)

    with django_assert_max_num_queries(TEAM_MEMBERS_MAX_QUERIES):
        first = client.get(url)
    older = first.context["next_invited_before"]
    with django_assert_max_num_queries(TEAM_MEMBERS_MAX_QUERIES):
        second = client.get(url, {"invited_before": older})

    shown = [i.pk for i in first.context["pending_invitations"]] + [i.pk for i in second.context["pending_invitations"]]
    assert len(first.context["pending_invitations"]) == INVITATIONS_PER_PAGE
    assert sorted(shown) == sorted(Invitation.objects.filter(team=team).values_list("pk", flat=True))
    assert shown == sorted(shown, reverse=True)  # newest first (made in order)
    assert f"?invited_before={older}" in first.content.decode()
    assert 'aria-label="Pages of invitations"' in second.content.decode()
    assert second.context["next_invited_before"] is None
    assert (
        client.get(url, {"invited_before": "x"}).context["pending_invitations"] == first.context["pending_invitations"]
    )
