"""A one-to-one in the browser: the member starts it and adds a talking point; the manager
opens it, adds an action item for her, marks the point talked through and records the meeting
as held; the member finds the action item on her week page, marked as from the one-to-one.

Runs on the real clock: the meeting is set an hour from now, team time, so it can be recorded
as held on any day at any hour."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.models import Commitment, CommitmentSource, Role
from meetings.models import Meeting, Status
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POINT = "Can we talk about the conference budget?"
ITEM = "Send the conference proposal"


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def people(live_server, test_redis):
    # Far from UTC: a time taken in the server's zone instead of the team's would show.
    team = TeamFactory(name="Platform", slug="platform", time_zone="Asia/Kolkata")
    manager = MembershipFactory(
        team=team, role=Role.MANAGER, user__email="mona@example.org", user__display_name="Mona Manager"
    ).user
    member = MembershipFactory(
        team=team, role=Role.MEMBER, user__email="mia@example.org", user__display_name="Mia Member"
    ).user
    return team, manager, member


def test_a_one_to_one_from_talking_point_to_the_week_page(people, live_server, page, new_context):
    team, manager, member = people
    base = live_server.url
    at = (timezone.now() + timedelta(hours=1)).astimezone(team.tz)

    # --- The member starts the one-to-one and adds a talking point -----------------------------
    sign_in(page, base, member.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="One-to-ones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One-to-ones and meetings")
    page.get_by_label("With").select_option(label="Mona Manager")
    page.get_by_label("How often").select_option(label="Every week")
    page.get_by_label("Day").select_option(label=at.strftime("%A"))
    page.get_by_label("Time").fill(at.strftime("%H:%M"))
    page.get_by_role("button", name="Start the one-to-one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One-to-one with Mona Manager")
    page.get_by_role("textbox", name="Talking point").fill(POINT)
    page.get_by_role("button", name="Add the talking point").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text("Talking point added")
    expect(page.get_by_role("list", name="Talking points")).to_contain_text(POINT)

    # --- The manager runs the meeting ----------------------------------------------------------
    manager_page = new_context().new_page()
    sign_in(manager_page, base, manager.email)
    manager_page.get_by_role("navigation", name="Main").get_by_role("link", name="One-to-ones").click()
    manager_page.get_by_role("link", name="One-to-one with Mia Member").click()
    expect(manager_page.get_by_role("list", name="Talking points")).to_contain_text(POINT)
    manager_page.get_by_role("textbox", name="Action item").fill(ITEM)
    manager_page.get_by_label("Whose").select_option(label="Mia Member")
    manager_page.get_by_label("Due").fill((at.date() + timedelta(days=3)).isoformat())
    manager_page.get_by_role("button", name="Add the action item").click()
    expect(manager_page.get_by_role("list", name="Action items")).to_contain_text(ITEM)
    manager_page.get_by_role("button", name=re.compile(r"^Talked through\s*: Can we talk")).click()
    expect(manager_page.get_by_role("list", name="Talking points")).to_contain_text("talked through")
    manager_page.get_by_role("radio", name="Held").check()
    manager_page.get_by_role("button", name="Record it").click()
    expect(manager_page.get_by_text("Recorded as held")).to_be_visible()
    expect(manager_page.get_by_role("heading", level=2, name=re.compile("Held"))).to_be_visible()

    meeting = Meeting.objects.filter(series__member=member).order_by("starts_at").first()
    assert meeting.status == Status.HELD
    commitment = Commitment.objects.get(owner=member)
    assert commitment.source == CommitmentSource.ONE_TO_ONE and commitment.title == ITEM

    # --- The member sees it on her week page -------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="This week").click()
    item = page.locator(f"#commitment-{commitment.pk}")
    expect(item).to_contain_text(ITEM)
    expect(item).to_contain_text("from a one-to-one")
