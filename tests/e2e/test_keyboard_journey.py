"""The member's weekly check-in with the keyboard alone (issue 18): no click, no `fill`, only
Tab, arrows, Enter, Space and typed characters, as someone who cannot use a mouse does it.
Focus must never be lost when htmx replaces a commitment's row, and the change is announced.

The data is the phone journey's (test_weekly_journey.journey): two commitments from last week
waiting for review."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from accountability.models import Commitment, CommitmentStatus
from checkins.models import CheckIn, Mood
from tests.factories import TEST_PASSWORD

from ..accountability.test_permissions import ctx  # noqa: F401 (a fixture)
from .test_weekly_journey import MEMBER_EMAIL, journey  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IS_FOCUSED = "(element) => element === document.activeElement"


def tab_to(page: Page, target: Locator, *, limit: int = 80) -> None:
    """Press Tab until `target` has the focus; fail if it never comes (out of the tab order)."""
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(IS_FOCUSED, handle):
            return
    pytest.fail(f"Tab never reached {target}")


def arrow_to(page: Page, radio: Locator, *, limit: int = 8) -> None:
    """In a radio group that has the focus, move with the arrow keys until `radio` is checked."""
    for _ in range(limit):
        if radio.is_checked():
            return
        page.keyboard.press("ArrowRight")
    expect(radio).to_be_checked()


def expect_focus_inside(page: Page, element_id: str) -> None:
    page.wait_for_function(
        "(id) => { const el = document.getElementById(id); return el && el.contains(document.activeElement); }",
        arg=element_id,
    )


def test_a_member_does_the_weekly_check_in_with_the_keyboard_only(journey, live_server, page):  # noqa: F811
    # Signing in: Tab to the address, type; Tab to the password, type; Enter sends.
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(MEMBER_EMAIL)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")

    # The first Tab reaches "Skip to content", visible when focused; Enter goes to the page's main part.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    # Review last week's first commitment: open it, choose "Partly done" with the arrows, say why.
    row_id = f"commitment-{journey.slipped.pk}"
    row = page.locator(f"#{row_id}")
    tab_to(page, row.locator("summary"))
    page.keyboard.press("Enter")
    tab_to(page, row.locator("input[name='status']").first)
    arrow_to(page, row.get_by_role("radio", name="Partly done", exact=True))
    tab_to(page, row.get_by_label("What got in the way?"))
    page.keyboard.type("The staging database was down")
    tab_to(page, row.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")

    # htmx replaced the row in place: the focus is still in it, and the change is announced
    # (the list is a live region; otherwise the page's #live-region says it).
    expect(row.locator(".badge.status-partly_done")).to_have_text("Partly done")
    expect_focus_inside(page, row_id)
    assert row.evaluate(
        "(el) => Boolean(el.parentElement.closest('[aria-live]'))"
        " || document.getElementById('live-region').textContent.trim().length > 0"
    )
    journey.slipped.refresh_from_db()
    assert journey.slipped.status == CommitmentStatus.PARTLY_DONE
    assert journey.slipped.obstacle == "The staging database was down"

    # Undo by keyboard: focus stays in the row once more.
    tab_to(page, row.get_by_role("button", name=re.compile("^Undo")), limit=5)
    page.keyboard.press("Enter")
    expect(row.locator(".badge.status-open")).to_have_text("Open")
    expect_focus_inside(page, row_id)
    # ...and reviewed again, with Space to choose this time.
    tab_to(page, row.locator("summary"))
    page.keyboard.press("Enter")
    tab_to(page, row.locator("input[name='status']").first)
    page.keyboard.press("Space")
    expect(row.locator("input[name='status']").first).to_be_checked()
    tab_to(page, row.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")
    expect(row.locator(".badge.status-done")).to_be_visible()
    expect_focus_inside(page, row_id)

    # A new commitment for this week (a plain form post).
    due = journey.this_week.end
    tab_to(page, page.locator("details.add-commitment summary"))
    if page.locator("details.add-commitment").get_attribute("open") is None:
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("I commit to"))
    page.keyboard.type("Pair with Theo on the billing retries")
    tab_to(page, page.get_by_label("Due", exact=True))
    # Chromium's date field takes the digits segment by segment (month, day, year in en-US).
    page.keyboard.type(f"{due:%m%d%Y}")
    tab_to(page, page.get_by_role("button", name="Add commitment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Commitment added.")).to_be_visible()
    added = Commitment.objects.get(owner=journey.member, title="Pair with Theo on the billing retries")
    assert added.due_date == due

    # The check-in: the mood tiles by arrow keys, the text fields by typing, Enter on the button.
    moods = page.get_by_role("group", name="How are your mood and energy this week?")
    tab_to(page, moods.get_by_role("radio").first)
    arrow_to(page, moods.get_by_role("radio", name="4 Good"))
    tab_to(page, page.get_by_label("Highlights"))
    page.keyboard.type("The importer is live")
    tab_to(page, page.get_by_label("Anything in your way?"))
    page.keyboard.type("Waiting on the vendor's API keys")
    tab_to(page, page.get_by_label("Support I'd like"))
    page.keyboard.type("Could you nudge the vendor?")
    tab_to(page, page.get_by_role("button", name="Submit check-in"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Check-in saved.")).to_be_visible()
    checkin = CheckIn.objects.get(member=journey.member, team=journey.team, week=journey.this_week.start)
    assert (checkin.mood, checkin.highlights, checkin.blockers, checkin.support_requested) == (
        Mood.GOOD,
        "The importer is live",
        "Waiting on the vendor's API keys",
        "Could you nudge the vendor?",
    )
    assert checkin.submitted_at is not None
    assert journey.this_week.start <= due < journey.this_week.start + timedelta(days=7)


def test_search_results_replaced_in_place_are_announced(ctx, live_server, page):  # noqa: F811
    client = Client()
    client.force_login(ctx["personas"]["member"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.goto(live_server.url + reverse("team_list"))
    page.evaluate("window.searchMarker = 'no reload'")

    tab_to(page, page.get_by_label("Find a team by name"))
    page.keyboard.type("plat")
    expect(page.locator("#live-region")).to_have_text("1 team shown")
    expect(page.get_by_label("Find a team by name")).to_be_focused()

    page.keyboard.type("ypus")
    expect(page.locator("#live-region")).to_have_text("No team’s name contains “platypus”.")
    expect(page.get_by_label("Find a team by name")).to_be_focused()
    assert page.evaluate("window.searchMarker") == "no reload"
