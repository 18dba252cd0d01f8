"""A manager adds a scale question to the team's check-in on a phone; it is asked from the next
week. A week later (the clock moved with time-machine, which the live server in this process
shares) a member answers it on a phone, a draft surviving a reload on the way, and finds the
answer in their history under the question as it was asked."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.models import Role
from checkins.models import Answer, CheckIn
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory

from .conftest import PHONE, WAIT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUESTION = "How much focus time did you get?"


def _phone(new_context) -> Page:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context.new_page()


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_adds_a_scale_question_and_a_member_answers_it_next_week(live_server, new_context, test_redis):
    team = TeamFactory(name="Platform", slug="platform", time_zone="Europe/London")
    MembershipFactory(team=team, role=Role.MANAGER, user__email="mona@example.org", user__display_name="Mona")
    member = MembershipFactory(
        team=team, role=Role.MEMBER, user__email="mia@example.org", user__display_name="Mia"
    ).user

    # The manager, on a phone: team settings, then the check-in questions.
    manager_page = _phone(new_context)
    _sign_in(manager_page, live_server.url, "mona@example.org")
    manager_page.goto(f"{live_server.url}/teams/{team.slug}/settings/")
    manager_page.get_by_role("link", name="Check-in questions").click()
    expect(manager_page.get_by_role("heading", level=1)).to_contain_text("Check-in questions for Platform")
    manager_page.get_by_role("combobox", name=re.compile(r"^Answered with")).select_option(label="Scale from 1 to 5")
    manager_page.get_by_role("textbox", name=re.compile(r"^Question")).fill(QUESTION)
    manager_page.get_by_label("What 1 means (for a scale)").fill("Hardly any")
    manager_page.get_by_label("What 5 means (for a scale)").fill("Plenty")
    manager_page.get_by_role("button", name="Add question").click()
    expect(manager_page.get_by_role("status").filter(has_text="Question added.")).to_be_visible()
    expect(manager_page.locator("#next-week-questions")).to_contain_text(QUESTION)

    # This week's check-in does not ask it yet.
    member_page = _phone(new_context)
    _sign_in(member_page, live_server.url, "mia@example.org")
    expect(member_page.get_by_role("heading", level=1)).to_contain_text("This week")
    expect(member_page.get_by_role("main")).not_to_contain_text(QUESTION)

    # Next week: the question is asked, with its end labels.
    week_url = f"{live_server.url}/teams/{team.slug}/week/"
    with time_machine.travel(timezone.now() + timedelta(days=7), tick=True):
        member_page.goto(week_url)
        question = member_page.get_by_role("group", name=re.compile(re.escape(QUESTION)))
        expect(question).to_contain_text("1: Hardly any")
        expect(question).to_contain_text("5: Plenty")
        moods = member_page.get_by_role("group", name="How are your mood and energy this week?")
        moods.locator("label", has_text="Good").click()
        question.locator("label", has_text="4").click()
        member_page.get_by_label("Highlights").fill("Two long mornings without meetings")
        # A draft survives the tab closing (or the session running out) before saving: opened
        # afresh (not reloaded, which a browser may refill by itself), the form has it back.
        member_page.goto("about:blank")
        member_page.goto(week_url)
        expect(member_page.get_by_label("Highlights")).to_have_value("Two long mornings without meetings")
        expect(question.get_by_role("radio", name="4")).to_be_checked()
        member_page.get_by_role("button", name="Submit check-in").click()
        expect(member_page.get_by_role("status").filter(has_text="Check-in saved.")).to_be_visible()
        checkin = CheckIn.objects.get(member=member)
        assert Answer.objects.get(checkin=checkin).number == 4
        # Saved: the draft is dropped (the page shows a newer version than it was typed over).
        assert member_page.evaluate("Object.keys(window.localStorage).length") == 0

        # History shows the answer under the question as it was asked.
        member_page.get_by_role("link", name="History").first.click()
        expect(member_page.get_by_role("main")).to_contain_text(QUESTION)
        entry = member_page.locator("dl.history-answers")
        expect(entry).to_contain_text(QUESTION)
        expect(entry).to_contain_text("4")
