"""Inviting people by email and accepting the invitation."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.urls import reverse

from accountability import services
from accountability.models import Invitation, Membership, OutboundEmail, Role, User

from ..factories import UserFactory

NEW_PASSWORD = "a-long-and-unusual-passphrase"
LINK = re.compile(r"http://testserver(/invite/[^/\s\"<]+/)")


def _invite(client, team, email, role=Role.MEMBER, **kwargs):
    return client.post(reverse("team_invite", args=[team.slug]), {"email": email, "role": role}, **kwargs)


def _link(row: OutboundEmail) -> str:
    match = LINK.search(row.body_text)
    assert match, row.body_text
    return match.group(1)


def _accept(client, path, name="Nina New", password=NEW_PASSWORD, password2=None, **kwargs):
    data = {"display_name": name, "password1": password, "password2": password if password2 is None else password2}
    return client.post(path, data, **kwargs)


@pytest.fixture
def invited(client, team, manager):
    """The manager invites nina@example.org; returns the path of the emailed link."""
    client.force_login(manager)
    _invite(client, team, "nina@example.org")
    client.logout()
    return _link(OutboundEmail.objects.get(kind="invitation"))


# --- Inviting ----------------------------------------------------------------------------


def test_manager_invites_a_new_address(client, team, manager):
    client.force_login(manager)
    response = _invite(client, team, "nina@example.org", follow=True)

    assert response.redirect_chain[-1][0] == reverse("team_members", args=[team.slug])
    assert "Invitation sent to nina@example.org" in response.content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.team, invitation.email, invitation.role) == (team, "nina@example.org", Role.MEMBER)
    assert invitation.invited_by == manager
    assert invitation.sent_count == 1
    row = OutboundEmail.objects.get()
    assert (row.kind, row.to_email, row.recipient) == ("invitation", "nina@example.org", None)
    assert team.name in row.subject
    path = _link(row)
    assert path in row.body_html
    assert services.invitation_from_token(path.split("/")[2]) == invitation
    assert not User.objects.filter(email="nina@example.org").exists()


def test_pending_invitation_shows_on_the_members_page(client, team, manager, invited):
    client.force_login(manager)
    assert "nina@example.org" in client.get(reverse("team_members", args=[team.slug])).content.decode()


def test_manager_can_invite_a_manager(client, team, manager):
    client.force_login(manager)
    _invite(client, team, "nina@example.org", role=Role.MANAGER)
    assert Invitation.objects.get().role == Role.MANAGER
    assert "as a manager" in OutboundEmail.objects.get().body_text


@pytest.mark.parametrize("email", ["not-an-email", "", "two@at@example.org", "nina@", "x" * 250 + "@example.org"])
def test_invalid_email_in_the_invite_form_is_a_form_error(client, team, manager, email):
    client.force_login(manager)
    response = _invite(client, team, email)
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_unknown_role_in_the_invite_form_is_a_form_error(client, team, manager):
    client.force_login(manager)
    response = _invite(client, team, "nina@example.org", role="owner")
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("persona", ["member", "other_manager", "outsider"])
def test_only_the_team_s_managers_can_invite(client, personas, team, persona):
    client.force_login(personas[persona])
    assert _invite(client, team, "nina@example.org").status_code == 404
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_org_admin_can_invite_to_any_team(client, team, org_admin):
    client.force_login(org_admin)
    assert _invite(client, team, "nina@example.org").status_code == 302
    assert Invitation.objects.get().invited_by == org_admin


def test_inviting_twice_the_same_day_keeps_one_invitation_and_one_email(client, team, manager):
    client.force_login(manager)
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False) as traveller:
        _invite(client, team, "nina@example.org")
        traveller.shift(timedelta(hours=8))
        response = _invite(client, team, "Nina@Example.org", follow=True)

    assert "was already invited" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="invitation").count() == 1
    assert Invitation.objects.get().sent_count == 1


def test_inviting_again_the_next_day_sends_one_more_email_for_the_same_invitation(client, team, manager):
    client.force_login(manager)
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False) as traveller:
        _invite(client, team, "nina@example.org")
        traveller.shift(timedelta(days=1))
        _invite(client, team, "nina@example.org")
        _invite(client, team, "nina@example.org")

    invitation = Invitation.objects.get()
    assert invitation.sent_count == 2
    assert invitation.last_sent_at == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    rows = list(OutboundEmail.objects.filter(kind="invitation").order_by("created_at"))
    assert len(rows) == 2
    assert {row.to_email for row in rows} == {"nina@example.org"}


def test_two_invitations_for_one_address_make_one_account(client, team, manager, invited):
    client.force_login(manager)
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=1)):
        _invite(client, team, "nina@example.org")
    second = _link(OutboundEmail.objects.filter(kind="invitation").order_by("-created_at").first())
    assert second != invited
    client.logout()

    _accept(client, second)
    response = client.get(invited)

    assert response.status_code == 410
    assert User.objects.filter(email__iexact="nina@example.org").count() == 1
    assert Membership.objects.filter(team=team, user__email="nina@example.org").count() == 1


def test_inviting_an_existing_user_adds_them_at_once(client, team, manager, outsider):
    client.force_login(manager)
    response = _invite(client, team, "outsider@example.org", follow=True)

    assert "already had an account and is now in Platform" in response.content.decode()
    assert Membership.objects.get(team=team, user=outsider).role == Role.MEMBER
    assert not Invitation.objects.exists()
    row = OutboundEmail.objects.get()
    assert (row.kind, row.to_email, row.recipient) == ("added_to_team", outsider.email, outsider)
    assert f"http://testserver{reverse('team_detail', args=[team.slug])}" in row.body_text


def test_email_addresses_are_case_insensitive(client, team, manager, outsider):
    client.force_login(manager)
    _invite(client, team, "OutSider@Example.ORG")

    assert Membership.objects.filter(team=team, user=outsider).exists()
    assert User.objects.filter(email__iexact="outsider@example.org").count() == 1
    assert not Invitation.objects.exists()
    assert OutboundEmail.objects.get().kind == "added_to_team"


def test_a_new_address_is_stored_lower_cased(client, team, manager):
    client.force_login(manager)
    _invite(client, team, "New@Example.org")
    _invite(client, team, "new@example.ORG")
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@example.org"]


def test_inviting_someone_already_in_the_team_says_so_and_sends_nothing(client, team, manager, member):
    client.force_login(manager)
    response = _invite(client, team, "Member@example.org", follow=True)

    assert "member@example.org is already in Platform" in response.content.decode()
    assert not OutboundEmail.objects.exists()
    assert not Invitation.objects.exists()
    assert Membership.objects.filter(team=team, user=member).count() == 1


# --- Accepting ---------------------------------------------------------------------------


def test_following_the_link_shows_the_accept_form(client, team, invited):
    response = client.get(invited)
    assert response.status_code == 200
    assert response.templates[0].name == "accountability/invitation_accept.html"
    body = response.content.decode()
    assert "Join Platform" in body
    assert "nina@example.org" in body
    assert 'name="display_name"' in body


def test_accepting_creates_the_account_joins_the_team_and_signs_in(client, team, manager):
    client.force_login(manager)
    _invite(client, team, "nina@example.org", role=Role.MANAGER)
    client.logout()
    path = _link(OutboundEmail.objects.get())

    response = _accept(client, path, name="  Nina New  ")

    assert response.status_code == 302
    assert response.url == reverse("team_detail", args=[team.slug])
    user = User.objects.get(email="nina@example.org")
    assert user.display_name == "Nina New"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(team=team, user=user).role == Role.MANAGER
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get(response.url).status_code == 200


def test_a_used_link_says_so(client, invited):
    _accept(client, invited)
    client.logout()

    response = client.get(invited)

    assert response.status_code == 410
    assert "already been accepted" in response.content.decode()
    assert _accept(client, invited, name="Someone Else").status_code == 410
    assert User.objects.get(email="nina@example.org").display_name == "Nina New"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"password2": "a-different-passphrase"}, "password2"),
        ({"password": "Xy7!a", "password2": "Xy7!a"}, "password1"),  # too short
        ({"password": "qwertyuiop", "password2": "qwertyuiop"}, "password1"),  # too common
        ({"password": "8675309123", "password2": "8675309123"}, "password1"),  # all digits
        ({"name": ""}, "display_name"),
    ],
    ids=["mismatched", "too-short", "common", "numeric", "empty-name"],
)
def test_accept_form_errors_rerender_with_the_name_kept(client, team, invited, data, field):
    name = data.pop("name", "Nina New")
    response = _accept(client, invited, name=name, **data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    if name:
        assert 'value="Nina New"' in response.content.decode()
    assert not User.objects.filter(email="nina@example.org").exists()
    assert Invitation.objects.get().is_pending
    assert SESSION_KEY not in client.session


def test_expired_link_is_410_with_a_clear_message(client, team, manager):
    client.force_login(manager)
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False) as traveller:
        _invite(client, team, "nina@example.org")
        client.logout()
        path = _link(OutboundEmail.objects.get())
        traveller.shift(settings.INVITATION_MAX_AGE - timedelta(minutes=1))
        assert client.get(path).status_code == 200
        traveller.shift(timedelta(minutes=2))

        response = client.get(path)
        posted = _accept(client, path)

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Ask the person who invited you" in response.content.decode()
    assert posted.status_code == 410
    assert not User.objects.filter(email="nina@example.org").exists()


def _bad_tokens(token: str, invitation: Invitation) -> dict[str, str]:
    return {
        "garbage": "garbage",
        "truncated": token[:-3],
        "one-character-changed": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "other-salt": signing.dumps({"i": invitation.pk, "e": invitation.email}, salt="something.else"),
        "unknown-invitation": signing.dumps({"i": 987654, "e": invitation.email}, salt=services.INVITATION_SALT),
        "other-address": signing.dumps({"i": invitation.pk, "e": "eve@example.org"}, salt=services.INVITATION_SALT),
        "not-a-dict": signing.dumps(["i", invitation.pk], salt=services.INVITATION_SALT),
        "colons": "a:b:c:d",
        "very-long": "x" * 5000,
        "unicode": "%C3%A9t%C3%A9",
    }


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "truncated",
        "one-character-changed",
        "other-salt",
        "unknown-invitation",
        "other-address",
        "not-a-dict",
        "colons",
        "very-long",
        "unicode",
    ],
)
def test_tampered_or_garbage_link_is_410_never_500(client, invited, kind):
    invitation = Invitation.objects.get()
    token = _bad_tokens(invited.split("/")[2], invitation)[kind]
    path = f"/invite/{token}/"

    response = client.get(path)
    posted = _accept(client, path)

    assert response.status_code == 410
    assert "not valid" in response.content.decode()
    assert posted.status_code == 410
    assert not User.objects.filter(email="nina@example.org").exists()
    assert Invitation.objects.get().is_pending


def test_revoked_invitation_link_fails(client, team, manager, invited):
    invitation = Invitation.objects.get()
    client.force_login(manager)
    response = client.post(reverse("invitation_revoke", args=[team.slug, invitation.pk]), follow=True)
    assert "Invitation for nina@example.org withdrawn" in response.content.decode()
    assert not Invitation.objects.exists()
    client.logout()

    assert client.get(invited).status_code == 410
    assert _accept(client, invited).status_code == 410
    assert not User.objects.filter(email="nina@example.org").exists()


def test_revoking_an_accepted_invitation_is_404(client, team, manager, invited):
    _accept(client, invited)
    invitation = Invitation.objects.get()
    client.force_login(manager)
    assert client.post(reverse("invitation_revoke", args=[team.slug, invitation.pk])).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


# --- Invitations for an address that has an account -------------------------------------


@pytest.fixture
def nina_with_account_and_second_invitation(client, team, other_team, manager, other_manager, invited):
    """Nina was invited to two teams while she had no account; she accepted the first."""
    client.force_login(other_manager)
    _invite(client, other_team, "nina@example.org")
    client.logout()
    pending = Invitation.objects.get(team=other_team)
    second = _link(OutboundEmail.objects.get(dedupe_key__startswith=f"invitation:{pending.pk}:"))
    _accept(client, invited)
    client.logout()
    nina = User.objects.get(email="nina@example.org")
    assert not Membership.objects.filter(team=other_team, user=nina).exists()
    return nina, second


def test_an_existing_account_s_invitation_requires_sign_in(client, nina_with_account_and_second_invitation):
    _nina, path = nina_with_account_and_second_invitation

    response = client.get(path)

    assert response.status_code == 302
    url = urlsplit(response.url)
    assert url.path == reverse("login")
    assert parse_qs(url.query)["next"] == [path]
    assert _accept(client, path, name="Mallory").status_code == 302
    assert User.objects.filter(email="nina@example.org").count() == 1


def test_signing_in_as_the_invited_address_then_joining(client, other_team, nina_with_account_and_second_invitation):
    nina, path = nina_with_account_and_second_invitation
    response = client.post(
        reverse("login"), {"login": "NINA@example.org", "password": NEW_PASSWORD, "next": path}, follow=True
    )
    assert response.templates[0].name == "accountability/invitation_join.html"

    response = client.post(path)

    assert response.status_code == 302
    assert response.url == reverse("team_detail", args=[other_team.slug])
    assert Membership.objects.get(team=other_team, user=nina).role == Role.MEMBER
    assert not Invitation.objects.filter(accepted_at__isnull=True).exists()
    assert User.objects.filter(email="nina@example.org").count() == 1


def test_joining_while_signed_in_as_another_address_is_refused(
    client, other_team, outsider, nina_with_account_and_second_invitation
):
    nina, path = nina_with_account_and_second_invitation
    client.force_login(outsider)

    shown = client.get(path)
    posted = client.post(path)

    for response in (shown, posted):
        assert response.status_code == 403
        assert "for another email address" in response.content.decode()
    assert not Membership.objects.filter(team=other_team).exclude(role=Role.MANAGER).exists()
    assert Invitation.objects.filter(team=other_team, accepted_at__isnull=True).exists()


def test_an_invitation_cannot_be_accepted_by_a_new_account_once_the_address_has_one(client, team, manager):
    """The account appeared after the invitation was sent (e.g. created in the admin)."""
    client.force_login(manager)
    _invite(client, team, "nina@example.org")
    client.logout()
    UserFactory(email="nina@example.org")

    response = _accept(client, _link(OutboundEmail.objects.get()), name="Impostor")

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert User.objects.get(email="nina@example.org").display_name != "Impostor"
    assert not Membership.objects.filter(team=team, user__email="nina@example.org").exists()


def test_inviting_a_member_as_manager_promotes_them_and_says_so(client, team, manager, member):
    client.force_login(manager)
    response = client.post(
        reverse("team_invite", args=[team.slug]), {"email": member.email, "role": "manager"}, follow=True
    )
    assert "is now a manager" in response.content.decode()
    assert Membership.objects.get(team=team, user=member).role == Role.MANAGER
    assert not OutboundEmail.objects.filter(to_email=member.email).exists()


def test_a_weak_password_is_reported_even_when_the_two_differ(client, invited):
    response = client.post(invited, {"display_name": "Nina", "password1": "123", "password2": "1234"})
    form = response.context["form"]
    assert "password1" in form.errors and "password2" in form.errors
