"""A security key (WebAuthn) as the second factor, in Chromium with a virtual authenticator
(Chrome DevTools' WebAuthn domain): added from the two-factor page, then asked for at the next
sign-in. No Content-Security-Policy violation on the way: allauth's WebAuthn pages load their
scripts from static files and pass data in JSON blocks."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from ..factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def security_key(page: Page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    return cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_member_adds_a_security_key_and_signs_in_with_it(live_server, page, security_key):
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    UserFactory(email="keyholder@example.org", display_name="Kei Holder")
    sign_in(page, live_server.url, "keyholder@example.org")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Kei Holder").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_label("Name").fill("Laptop key")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    user = get_user_model().objects.get(email="keyholder@example.org")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    # Next time: the password, then the key.
    page.context.clear_cookies()
    sign_in(page, live_server.url, "keyholder@example.org")
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Kei Holder")
    assert not violations
