"""A manager of a team of 60 reads its dashboard a page of people at a time, opens someone
from the second page, and finds everyone on the People page, a page at a time too.

Runs on the real clock: the history is built back from the team's current week."""

import re

import pytest
from playwright.sync_api import Page, expect

from accountability.models import Role
from accountability.views import MEMBERS_PER_PAGE as PEOPLE_PER_PAGE
from dashboard.pages import MEMBERS_PER_PAGE as ROWS_PER_PAGE
from tests.dashboard.test_queries import populate
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBERS = 60


@pytest.fixture
def big_team(live_server):
    team = TeamFactory(name="Platform", slug="platform", time_zone="Europe/London")
    manager = MembershipFactory(
        team=team, role=Role.MANAGER, user__email="mona@example.org", user__display_name="Mona Manager"
    ).user
    people = populate(team, manager, members=MEMBERS, weeks=2)
    return team, manager, people


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_team_of_sixty_a_page_at_a_time(page: Page, live_server, big_team):
    team, manager, people = big_team
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server.url, manager.email)
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
    page.get_by_role("link", name="Dashboard").click()

    table = page.get_by_role("table", name=re.compile(r"^People, over"))
    expect(table.locator("tbody tr")).to_have_count(ROWS_PER_PAGE)
    pages = page.get_by_role("navigation", name="Pages of people")
    expect(pages).to_contain_text(f"People 1–{ROWS_PER_PAGE} of {MEMBERS}")
    expect(pages.get_by_role("link", name=re.compile("Previous"))).to_have_count(0)

    pages.get_by_role("link", name=re.compile("Next")).click()
    expect(pages).to_contain_text(f"People {ROWS_PER_PAGE + 1}–{2 * ROWS_PER_PAGE} of {MEMBERS}")
    expect(table.locator("tbody tr")).to_have_count(ROWS_PER_PAGE)
    # Rows are by name: the second page starts where the first stopped.
    expect(table.locator("tbody tr").first.get_by_role("link")).to_have_text(f"Person {ROWS_PER_PAGE:03d}")
    # Every row keeps its sparkline, named by its figures.
    expect(table.get_by_role("img", name=re.compile(r"^Follow-through, week by week: "))).to_have_count(ROWS_PER_PAGE)

    table.get_by_role("link", name=f"Person {ROWS_PER_PAGE:03d}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Person {ROWS_PER_PAGE:03d}")
    page.go_back()

    page.get_by_role("link", name="People", exact=True).click()
    people_list = page.get_by_role("region", name="Members and managers").get_by_role("listitem")
    expect(people_list).to_have_count(PEOPLE_PER_PAGE)
    expect(people_list.first).to_contain_text("Mona Manager")  # managers first
    people_pages = page.get_by_role("navigation", name="Pages of people")
    people_pages.get_by_role("link", name=re.compile("Next")).click()
    expect(people_list).to_have_count(MEMBERS + 1 - PEOPLE_PER_PAGE)
    expect(people_pages).to_contain_text(f"{PEOPLE_PER_PAGE + 1}–{MEMBERS + 1} of {MEMBERS + 1}")
    assert not errors, errors
