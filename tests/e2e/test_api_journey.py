"""A member makes an access token on their profile page, sees it once, uses it against the API,
and revokes it; makes their private calendar address and reads it; the API reference renders
from the vendored Swagger UI under the Content-Security-Policy, with nothing fetched elsewhere."""

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from accountability.models import Role
from api.models import AccessToken
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory

from .test_content_security_policy import Violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mia(live_server, settings):
    settings.SITE_URL = live_server.url
    team = TeamFactory(name="Platform", slug="platform", time_zone="Europe/London")
    return MembershipFactory(
        team=team, role=Role.MEMBER, user__email="mia@example.org", user__display_name="Mia Member"
    ).user


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_member_makes_uses_and_revokes_a_token_and_subscribes_to_their_calendar(mia, live_server, page):
    base = live_server.url
    violations = Violations(page)
    _sign_in(page, base, "mia@example.org")
    page.goto(f"{base}/accounts/profile/")
    page.get_by_label("Token name").fill("weekly report")
    page.get_by_label("What it may do").select_option("read-write")
    page.get_by_role("button", name="Make a token").click()
    expect(page.get_by_role("heading", name="Your new access token")).to_be_visible()
    raw = page.get_by_label("Token", exact=True).input_value()
    assert raw.startswith("acc_")

    me = page.request.get(f"{base}/api/v1/me/", headers={"Authorization": f"Bearer {raw}"})
    assert me.status == 200 and me.json()["email"] == "mia@example.org"
    made = page.request.post(
        f"{base}/api/v1/commitments/",
        headers={"Authorization": f"Bearer {raw}"},
        data={"team": "platform", "title": "Pair with Theo on the release"},
    )
    assert made.status == 201, made.text()

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("cell", name="weekly report", exact=True)).to_be_visible()
    assert raw not in page.content()
    page.get_by_role("button", name="Revoke weekly report").click()
    expect(page.get_by_text("no longer opens anything")).to_be_visible()
    assert page.request.get(f"{base}/api/v1/me/", headers={"Authorization": f"Bearer {raw}"}).status == 401
    assert AccessToken.objects.get().revoked_at is not None

    page.get_by_role("button", name="Make my calendar address").click()
    address = page.get_by_label("Your private calendar address").input_value()
    assert address.startswith(f"{base}/calendar/")
    feed = page.request.get(address)
    assert feed.status == 200
    summaries = [str(event["summary"]) for event in Calendar.from_ical(feed.body()).walk("VEVENT")]
    assert "Due: Pair with Theo on the release" in summaries
    assert any(summary == "Check-in due: Platform" for summary in summaries)
    assert not violations.found, violations.found


def test_the_api_reference_renders_under_the_content_security_policy(live_server, page):
    base = live_server.url
    violations = Violations(page)
    elsewhere = []

    def only_here(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    response = page.goto(f"{base}/api/docs/")
    assert "script-src 'self'" in (response.header_value("content-security-policy") or "")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API")
    expect(page.get_by_text("/api/v1/commitments/", exact=True).first).to_be_visible()
    assert not violations.found, violations.found
    assert not elsewhere, elsewhere
