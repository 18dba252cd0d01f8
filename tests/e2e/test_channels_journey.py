"""A manager connects the team's Slack channel from the team's settings and sends a test
message; it arrives at a loopback receiver in Slack's Block Kit format, and the page shows it sent."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accountability.models import Role
from accountability.outbox import outbox_sweep
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory, UserFactory

from ..integrations.receiver import LoopbackReceiver, verify
from ..twofactor import admin_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with LoopbackReceiver() as server:
        yield server


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_manager_connects_a_channel_and_the_test_message_arrives(live_server, test_redis, receiver, page):
    team = TeamFactory(name="Platform", slug="platform")
    MembershipFactory(team=team, role=Role.MANAGER, user__email="mona@example.org", user__display_name="Mona Manager")
    base = live_server.url

    sign_in(page, base, "mona@example.org")
    page.goto(f"{base}/teams/platform/settings/")
    page.get_by_role("link", name="Connect a chat channel").click()
    expect(page.get_by_role("heading", name="Chat channels for Platform")).to_be_visible()

    # A private address first: refused with a reason, and what was typed is still there.
    page.get_by_label("Where").select_option("slack")
    page.get_by_label("Label").fill("#platform")
    page.get_by_label("Webhook URL").fill("https://10.1.2.3/services/T0/B0/x")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("private address")).to_be_visible()
    expect(page.get_by_label("Label")).to_have_value("#platform")

    page.get_by_label("Webhook URL").fill(receiver.url)
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_text("Channel connected")).to_be_visible()
    expect(page.get_by_role("heading", name="#platform")).to_be_visible()

    page.get_by_role("button", name="Send a test message to #platform").click()
    expect(page.get_by_text("Test message queued for #platform")).to_be_visible()

    # No worker in browser tests: the sweep delivers, as beat's would.
    assert outbox_sweep() == 1
    [request] = receiver.wait_for(1)
    assert request.json["blocks"][0]["text"]["text"] == "Test message from Check-ins"
    assert "X-Checkins-Signature" in request.headers

    page.reload()
    expect(page.get_by_text("Sent", exact=True)).to_be_visible()


def test_admin_registers_a_webhook_and_verifies_the_test_event_with_the_secret_shown(
    live_server, test_redis, receiver, page
):
    admin = UserFactory(email="ada@example.org", display_name="Ada Admin", is_staff=True)
    base = live_server.url
    # Organisation admins sign in with a second factor (tests/twofactor.py does it for the browser).
    client = Client()
    admin_sign_in(client, admin)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
    page.goto(f"{base}/integrations/webhooks/")
    page.get_by_label("Name").fill("Data warehouse")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("A check-in is submitted").check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_text("The signing secret, shown this once.")).to_be_visible()
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")

    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event queued")).to_be_visible()
    expect(page.locator("#webhook-secret")).to_have_count(0)  # shown once, not again

    assert outbox_sweep() == 1
    [request] = receiver.wait_for(1)
    assert verify(secret, request.headers["X-Checkins-Signature"], request.body)
    assert request.json["type"] == "ping"
