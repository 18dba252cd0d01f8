"""Single sign-on and two-factor in a real browser (issue 12).

The identity provider is a real OpenID Connect provider running on loopback for the test
(oidc-provider-mock: Authlib's authorization server, with discovery, signed ID tokens and a
JWKS), so the whole redirect, code exchange and token check of django-allauth runs as in
production; nothing of ours is mocked. Its sign-in page offers the test's users as buttons.
"""

import re

import pytest
from django.urls import reverse
from oidc_provider_mock import User as ProviderUser
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import Page, expect

from accountability.models import Invitation, Membership, Role, User

from ..factories import TEST_PASSWORD, MembershipFactory, TeamFactory, UserFactory
from ..twofactor import TOTP_SECRET, enrol_totp, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROVIDER_NAME = "Acme Workspace"
PEOPLE = {
    "nina@example.org": "Nina Newcomer",  # invited
    "stranger@elsewhere.example": "Sam Stranger",  # neither invited nor in an allowed domain
    "dee@acme.example": "Dee Domain",  # in an allowed domain
    "member@example.org": "Mia Member",  # has an account already
    "ada@example.org": "Ada Admin",  # an organisation admin, with TOTP
}


@pytest.fixture
def provider():
    users = [
        ProviderUser(sub=email, claims={"email": email, "email_verified": True, "name": name})
        for email, name in PEOPLE.items()
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(settings, provider, live_server):
    """The app configured as settings.py does from OIDC_SERVER_URL and friends."""
    settings.SITE_URL = live_server.url
    settings.OIDC_SERVER_URL = provider
    settings.SSO_ALLOWED_DOMAINS = ["acme.example"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": PROVIDER_NAME,
                    "client_id": "checkins",
                    "secret": "client-secret-for-tests",
                    "settings": {"server_url": provider, "verified_email": True},
                }
            ],
        }
    }
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": ["'self'", provider]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return live_server.url


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    return found


def sign_in_with_provider(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    # The provider's own page: choose who signs in.
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_role("button", name=email, exact=True).click()


def test_an_invited_person_signs_in_with_the_provider_and_joins_their_team(sso, page, csp_violations):
    team = TeamFactory(name="Platform", slug="platform")
    Invitation.objects.create(team=team, email="nina@example.org", role=Role.MEMBER)

    sign_in_with_provider(page, sso, "nina@example.org")

    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")
    nina = User.objects.get(email="nina@example.org")
    assert nina.display_name == "Nina Newcomer"
    assert not nina.has_usable_password()
    assert Membership.objects.get(user=nina, team=team).role == Role.MEMBER
    assert not Invitation.objects.filter(accepted_at__isnull=True).exists()
    assert not csp_violations


def test_nobody_uninvited_gets_an_account(sso, page):
    sign_in_with_provider(page, sso, "stranger@elsewhere.example")

    expect(page.get_by_role("heading", name="No account for that address yet")).to_be_visible()
    assert not User.objects.filter(email="stranger@elsewhere.example").exists()


def test_an_allowed_domain_gets_an_account_without_an_invitation(sso, page):
    sign_in_with_provider(page, sso, "dee@acme.example")

    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Dee Domain")
    assert User.objects.filter(email="dee@acme.example", display_name="Dee Domain").exists()


def test_an_existing_account_signs_in_as_itself(sso, page):
    member = MembershipFactory(
        team=TeamFactory(slug="platform"), user__email="member@example.org", user__display_name="Mia Member"
    ).user

    sign_in_with_provider(page, sso, "member@example.org")

    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")
    assert User.objects.filter(email__iexact="member@example.org").count() == 1
    assert member.socialaccount_set.get().uid == "member@example.org"


def test_an_admin_coming_from_the_provider_still_gives_their_second_factor(sso, page):
    admin = UserFactory(email="ada@example.org", display_name="Ada Admin", is_staff=True)
    enrol_totp(admin)

    sign_in_with_provider(page, sso, "ada@example.org")

    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(totp_code(TOTP_SECRET))
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{sso}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_with_password_sign_in_off_only_the_provider_signs_in(sso, page, settings):
    settings.PASSWORD_SIGN_IN = False
    UserFactory(email="member@example.org")

    page.goto(f"{sso}/accounts/login/")

    expect(page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(0)


def test_with_password_sign_in_off_a_posted_password_is_refused(client, settings, db):
    settings.PASSWORD_SIGN_IN = False
    UserFactory(email="member@example.org")
    response = client.post(reverse("login"), {"login": "member@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Passwords are not used here" in response.content.decode()
    reset = client.post(reverse("account_reset_password"), {"email": "member@example.org"})
    assert "Passwords are not used here" in reset.content.decode()


# --- Two-factor enrolment, in the browser -----------------------------------------------------------


def test_an_admin_sets_up_an_authenticator_app_at_first_sign_in(live_server, page, csp_violations):
    UserFactory(email="new.admin@example.org", display_name="Noor Admin", is_staff=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill("new.admin@example.org")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Straight to setting up a second factor; first, the password once more.
    expect(page.get_by_label("Password")).to_be_visible()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.get_by_role("img")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New team").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("team")
    assert not csp_violations
