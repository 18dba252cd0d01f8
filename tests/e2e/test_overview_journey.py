"""An organisation admin with many teams pages through the overview of dashboards and finds one
team by typing part of its name: htmx replaces the cards as they type (the address follows),
and the same search works with JavaScript off. Nothing breaks the Content-Security-Policy."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accountability.models import Membership, Role, Team
from dashboard.views import OVERVIEW_PAGE_SIZE as PAGE_SIZE
from tests.factories import UserFactory

from ..twofactor import admin_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organisation(live_server):
    teams = Team.objects.bulk_create(
        [Team(name=f"Area {i:02d}", slug=f"area-{i:02d}", time_zone="Europe/London") for i in range(PAGE_SIZE + 6)]
        + [Team(name="Customer Success", slug="customer-success", time_zone="America/New_York")]
    )
    person = UserFactory()
    Membership.objects.bulk_create([Membership(team=team, user=person, role=Role.MEMBER) for team in teams])
    admin = UserFactory(email="ada@example.org", display_name="Ada Admin", is_staff=True)
    return admin


def _sign_in(page: Page, base_url: str, user) -> None:
    client = Client()
    admin_sign_in(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def _card_titles(page: Page):
    return page.locator("#overview-results article h2")


def test_an_admin_pages_through_the_overview_and_finds_a_team_by_searching(live_server, page, organisation):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    _sign_in(page, live_server.url, organisation)

    page.goto(live_server.url + "/dashboard/")
    expect(_card_titles(page)).to_have_count(PAGE_SIZE)
    expect(_card_titles(page).first).to_have_text("Area 00")
    expect(page.get_by_role("link", name="Previous")).to_have_count(0)

    page.get_by_role("link", name="Next").click()
    expect(_card_titles(page)).to_have_count(7)  # six more areas and Customer Success
    expect(_card_titles(page).first).to_have_text(f"Area {PAGE_SIZE:02d}")
    expect(_card_titles(page).last).to_have_text("Customer Success")
    expect(page).to_have_url(re.compile(r"after=\d+"))
    expect(page.get_by_role("link", name="Next")).to_have_count(0)

    page.get_by_role("link", name="Previous").click()
    expect(_card_titles(page).first).to_have_text("Area 00")

    # Typing is enough: the cards follow after a short pause, and the address keeps the search.
    page.get_by_label("Find a team by name").press_sequentially("succ", delay=40)
    expect(_card_titles(page)).to_have_count(1)
    expect(_card_titles(page).first).to_have_text("Customer Success")
    expect(page).to_have_url(re.compile(r"q=succ"))
    expect(page.get_by_text("1 member")).to_be_visible()

    page.get_by_label("Find a team by name").fill("nothing like it")
    expect(page.get_by_role("status")).to_contain_text("No team’s name contains “nothing like it”")

    # The navigation's search box takes an admin to the directory of teams.
    page.get_by_label("Find a team", exact=True).fill("customer")
    page.get_by_label("Find a team", exact=True).press("Enter")
    expect(page.locator("#team-directory").get_by_role("link", name="Customer Success")).to_be_visible()
    page.locator("#team-directory").get_by_role("link", name="Customer Success").click()
    expect(page.get_by_role("heading", name="Customer Success")).to_be_visible()
    assert not problems, problems


def test_the_search_works_without_javascript(live_server, browser, organisation):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server.url, organisation)
    page.goto(live_server.url + "/dashboard/?weeks=4")
    page.get_by_label("Find a team by name").fill("area 1")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"weeks=4.*q=area\+1|q=area\+1.*weeks=4"))
    expect(_card_titles(page)).to_have_count(PAGE_SIZE + 6 - 10)  # Area 10 onwards
    context.close()
