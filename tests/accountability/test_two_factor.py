"""Two-factor sign-in (issue 12): optional for members, required for organisation admins, for
the Django admin, and for managers when MFA_REQUIRED_FOR_MANAGERS is on. Enrolment, signing in
with a code or a recovery code, and a reset by an admin, all through the pages."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from accountability import twofactor
from accountability.models import User

from ..factories import TEST_PASSWORD, MembershipFactory, UserFactory
from ..twofactor import TOTP_SECRET, admin_sign_in, enrol_totp, totp_code


def _sign_in(client, email, password=TEST_PASSWORD, **extra):
    return client.post(reverse("login"), {"login": email, "password": password, **extra})


@pytest.fixture
def new_admin(db):
    """An organisation admin who has not set up a second factor yet."""
    return UserFactory(email="new.admin@example.org", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


# --- Who must -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "required"),
    [("member", False), ("manager", False), ("outsider", False), ("org_admin", True)],
)
def test_who_must_have_a_second_factor(personas, persona, required):
    assert twofactor.is_required(personas[persona]) is required


def test_managers_must_too_when_the_organisation_says_so(personas, settings):
    settings.MFA_REQUIRED_FOR_MANAGERS = True
    assert twofactor.is_required(personas["manager"]) is True
    assert twofactor.is_required(personas["other_manager"]) is True
    assert twofactor.is_required(personas["member"]) is False


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up(client, new_admin, team):
    client.force_login(new_admin)
    for url in (reverse("home"), reverse("team_detail", args=[team.slug]), reverse("team_create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp") + "?next=" + url.replace("/", "%2F")
    # Setting one up, and signing out, stay open.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_a_member_is_not_asked_for_one(client, member, team):
    client.force_login(member)
    assert client.get(reverse("this_week", args=[team.slug])).status_code == 200


def test_a_manager_is_asked_when_managers_must(client, manager, member, team, settings):
    settings.MFA_REQUIRED_FOR_MANAGERS = True
    client.force_login(manager)
    assert client.get(reverse("team_members", args=[team.slug])).url.startswith(reverse("mfa_activate_totp"))
    client.force_login(member)
    assert client.get(reverse("this_week", args=[team.slug])).status_code == 200


# --- Enrolment, in the pages -----------------------------------------------------------------------


def test_an_admin_enrols_with_an_authenticator_app_and_gets_recovery_codes(client, new_admin):
    assert _sign_in(client, new_admin.email).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("mfa_activate_totp"))

    # Changing two-factor asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert "data:image/svg+xml;base64," in page.content.decode()  # the QR code, as an image
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not twofactor.is_enrolled(new_admin)

    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert done.url == reverse("mfa_view_recovery_codes")
    assert twofactor.is_enrolled(new_admin)
    codes = client.get(done.url)
    assert codes.status_code == 200
    assert len(codes.context["unused_codes"]) == 10
    # The policy is met: the app opens.
    assert client.get(reverse("home")).status_code == 200


def test_the_totp_secret_is_sealed_in_the_database(new_admin):
    authenticator = enrol_totp(new_admin)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        (raw,) = cursor.fetchone()
    assert TOTP_SECRET not in raw
    assert "sealed:" in raw


def test_someone_who_must_cannot_remove_their_last_factor(client, org_admin):
    admin_sign_in(client, org_admin)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert twofactor.is_enrolled(org_admin)


def test_a_member_may_remove_theirs(client, member):
    enrol_totp(member)
    client.force_login(member)
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    assert client.post(reverse("mfa_deactivate_totp")).url == reverse("mfa_index")
    assert not twofactor.is_enrolled(member)


# --- Signing in with a second factor ------------------------------------------------------------------


def test_signing_in_needs_the_code_after_the_password(client, org_admin):
    response = _sign_in(client, org_admin.email)

    assert response.url == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    assert client.post(reverse("mfa_authenticate"), {"code": "123456"}).status_code == 200
    assert SESSION_KEY not in client.session

    done = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert done.status_code == 302
    assert client.session[SESSION_KEY] == str(org_admin.pk)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_recovery_code_stands_in_for_a_lost_phone_once(client, org_admin):
    [code, *_] = RecoveryCodes.activate(org_admin).generate_codes()
    _sign_in(client, org_admin.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.session[SESSION_KEY] == str(org_admin.pk)

    client.post(reverse("logout"))
    _sign_in(client, org_admin.email)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert SESSION_KEY not in client.session


def test_wrong_codes_are_throttled(client, org_admin):
    _sign_in(client, org_admin.email)
    for _ in range(10):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    refused = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert SESSION_KEY not in client.session
    assert "Too many" in refused.content.decode()


# --- The Django admin ---------------------------------------------------------------------------------


def test_the_admin_needs_a_session_that_passed_a_second_factor(client, org_admin):
    client.force_login(org_admin)  # signed in, but not through a second factor in this session
    response = client.get(reverse("admin:index"))
    assert response.url == reverse("admin:login") + "?next=/admin/"

    confirm = client.get(response.url)
    assert confirm.url == reverse("mfa_reauthenticate") + "?next=%2Fadmin%2F"
    confirmed = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(), "next": "/admin/"})
    assert confirmed.url == "/admin/"

    assert client.get(reverse("admin:index")).status_code == 200


def test_an_admin_without_a_factor_is_sent_from_the_admin_to_set_one_up(client, new_admin):
    client.force_login(new_admin)
    response = client.get(reverse("admin:login") + "?next=/admin/")
    # On to the set-up page, and from there back to the admin's door.
    assert response.url.startswith(reverse("mfa_activate_totp") + "?next=%2Fadmin%2F")


@pytest.mark.parametrize("persona", ["member", "manager"])
def test_people_who_are_not_staff_never_reach_the_admin(client, personas, persona):
    admin_sign_in(client, personas[persona])
    assert client.get(reverse("admin:index")).url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:login")).url == reverse("home")


def test_a_superuser_needs_it_as_much(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 302
    admin_sign_in(client, superuser)
    assert client.get(reverse("admin:index")).status_code == 200


# --- Reset by an admin ---------------------------------------------------------------------------------


def _reset(client, user):
    return client.post(
        reverse("admin:accountability_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk]},
        follow=True,
    )


def test_a_superuser_resets_someone_s_lost_factor_in_the_admin(client, superuser, team):
    lost = MembershipFactory(team=team, role="manager", user__is_staff=True).user
    enrol_totp(lost)
    RecoveryCodes.activate(lost)
    admin_sign_in(client, superuser)

    response = _reset(client, lost)

    assert "Two-factor reset for 1 account(s)." in response.content.decode()
    assert not Authenticator.objects.filter(user=lost).exists()
    # At their next sign-in they are asked to set one up again.
    other = type(client)()
    assert _sign_in(other, lost.email).url == reverse("home")
    assert other.get(reverse("home")).url.startswith(reverse("mfa_activate_totp"))


def test_an_organisation_admin_cannot_reset_anyone_s_factor(client, org_admin, superuser):
    enrol_totp(superuser)
    admin_sign_in(client, org_admin)
    response = _reset(client, superuser)
    assert response.status_code in (200, 403)
    assert Authenticator.objects.filter(user=superuser).exists()


def test_only_a_superuser_resets_a_superuser_s(superuser):
    helper = UserFactory(email="helper@example.org", is_staff=True)
    helper.user_permissions.add(Permission.objects.get(codename="delete_authenticator"))
    helper = User.objects.get(pk=helper.pk)  # fresh permission cache
    member = UserFactory(email="someone@example.org")
    assert twofactor.may_reset(actor=helper, user=member) is True
    assert twofactor.may_reset(actor=helper, user=superuser) is False
    assert twofactor.may_reset(actor=superuser, user=superuser) is True
