"""A manager posts an update; a member reads it on their week page, says thanks, and thanks a
teammate for one of the organisation's values; the dashboard counts both."""

import re

import pytest
from playwright.sync_api import Page, expect

from accountability.models import OutboundEmail, Role
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory
from updates.models import Recognition, UpdateRead, UpdateResponse, Value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(live_server, test_redis):
    team = TeamFactory(name="Platform", slug="platform", time_zone="Europe/London")
    manager = MembershipFactory(
        team=team, role=Role.MANAGER, user__email="mona@example.org", user__display_name="Mona Manager"
    ).user
    member = MembershipFactory(
        team=team, role=Role.MEMBER, user__email="mia@example.org", user__display_name="Mia Member"
    ).user
    teammate = MembershipFactory(
        team=team, role=Role.MEMBER, user__email="theo@example.org", user__display_name="Theo Teammate"
    ).user
    Value.objects.create(name="Ownership", meaning="We keep our word, or renegotiate in time.", order=1)
    Value.objects.create(name="Candour", meaning="We say the hard thing, kindly.", order=2)
    return {"team": team, "manager": manager, "member": member, "teammate": teammate}


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_manager_posts_member_reads_and_thanks_dashboard_counts(people, live_server, page, new_context):
    base = live_server.url
    # The manager posts an update, with Markdown and an attempt at script.
    sign_in(page, base, "mona@example.org")
    page.goto(f"{base}/teams/platform/updates/")
    page.get_by_role("link", name="Post an update").click()
    page.get_by_label("Title").fill("On-call rota changes")
    page.get_by_label("What's decided, what's changing, and why").fill(
        "From May the rota is **weekly**.\n\n<script>alert('x')</script>"
    )
    page.get_by_role("button", name="Post the update").click()
    expect(page.get_by_role("heading", name="On-call rota changes")).to_be_visible()
    expect(page.locator(".update-body strong")).to_have_text("weekly")
    expect(page.locator(".update-body script")).to_have_count(0)
    expect(page.get_by_text("Read by 0 people")).to_be_visible()

    # The member sees it unread on their week page, opens it and says thanks.
    member_page = new_context().new_page()
    sign_in(member_page, base, "mia@example.org")
    member_page.goto(f"{base}/teams/platform/week/")
    unread = member_page.get_by_role("region", name="Updates you haven't read")
    expect(unread).to_contain_text("On-call rota changes")
    unread.get_by_role("link", name="On-call rota changes").click()
    member_page.get_by_role("button", name="Thanks").click()
    expect(member_page.get_by_text("Mona Manager will see your thanks.")).to_be_visible()
    member_page.goto(f"{base}/teams/platform/week/")
    expect(member_page.get_by_role("region", name="Updates you haven't read")).to_have_count(0)

    # ...and thanks a teammate for a value, from the team page.
    member_page.goto(f"{base}/teams/platform/")
    member_page.get_by_role("link", name="Thank someone").click()
    member_page.get_by_role("checkbox", name="Theo Teammate").check()
    member_page.get_by_role("checkbox", name=re.compile("Ownership")).check()
    member_page.get_by_label("What did they do?").fill("Took the pager over a holiday weekend")
    member_page.get_by_role("button", name="Send thanks").click()
    thanks = member_page.get_by_role("region", name="Thanks")
    expect(thanks).to_contain_text("Took the pager over a holiday weekend")
    expect(thanks).to_contain_text("Ownership")

    assert UpdateRead.objects.filter(user=people["member"]).count() == 1
    assert UpdateResponse.objects.filter(user=people["member"], kind="thanks").count() == 1
    assert Recognition.objects.get().recipients.get().user == people["teammate"]
    assert OutboundEmail.objects.filter(kind="recognition_received", to_email="theo@example.org").exists()

    # The author sees a count, never names; the dashboard shows the new figures with definitions.
    page.reload()
    expect(page.get_by_text("Read by 1 person")).to_be_visible()
    page.goto(f"{base}/teams/platform/dashboard/")
    trust = page.get_by_role("region", name="Trust, by strategy")
    posted = trust.locator(".trust-metric", has_text="Updates posted")
    expect(posted.locator("dt")).to_contain_text("1")
    expect(posted.locator("dd")).to_contain_text("Team updates the team's managers posted in the period")
    by_value = trust.locator(".trust-metric", has_text="Recognition for each value")
    expect(by_value.locator("dt")).to_contain_text("Ownership 1")
    expect(by_value.locator("dd")).to_contain_text("team totals only")
