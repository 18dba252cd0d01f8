"""The smaller journeys, in a real browser: a forgotten password reset through the emailed link,
email preferences and time away, and a manager changing the team's rhythm."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accountability.models import Absence, Team, User
from accountability.outbox import outbox_sweep
from dashboard.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .test_invitation_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBER = "priya@demo.example"
MANAGER = "maya.manager@demo.example"


def test_a_forgotten_password_is_reset_from_the_emailed_link_on_a_phone(demo_site, phone_page):
    page = phone_page
    page.goto(f"{demo_site}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("PRIYA@demo.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert outbox_sweep() == 1
    [message] = mail.outbox
    assert message.to == [MEMBER]
    link = re.search(re.escape(demo_site) + r"/accounts/password/reset/\S+", message.body).group(0)

    page.goto(link)
    page.get_by_role("textbox", name="New password", exact=True).fill("a-new-kinder-week-77")
    page.get_by_role("textbox", name="New password confirmation").fill("a-new-kinder-week-77")
    page.get_by_role("button", name="Save my new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    # The old password no longer works; the new one does.
    page.context.clear_cookies()
    sign_in(page, demo_site, email=MEMBER, password=DEFAULT_DEMO_PASSWORD)
    expect(page.get_by_text("don't match an account")).to_be_visible()
    sign_in(page, demo_site, email=MEMBER, password="a-new-kinder-week-77")
    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")


def test_a_member_turns_off_reminders_and_adds_time_away(demo_site, page):
    sign_in(page, demo_site, email=MEMBER, password=DEFAULT_DEMO_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Priya Nair").click()
    page.get_by_role("link", name="Email preferences and time away").click()

    page.get_by_label("Check-in reminders").uncheck()
    page.get_by_role("button", name="Save email preferences").click()
    expect(page.get_by_role("status").filter(has_text="Email preferences saved.")).to_be_visible()
    expect(page.get_by_label("Check-in reminders")).not_to_be_checked()
    expect(page.get_by_label("A nudge before the week closes")).to_be_checked()

    # Time away to come, whatever day the suite runs.
    first = timezone.localdate() + timedelta(days=200)
    page.get_by_label("First day away").fill(first.isoformat())
    page.get_by_label("Last day away").fill((first - timedelta(days=11)).isoformat())  # before the first: refused, kept
    page.get_by_role("button", name="Add time away").click()
    expect(page.get_by_text("can't be before the first")).to_be_visible()
    expect(page.get_by_label("First day away")).to_have_value(first.isoformat())
    page.get_by_label("Last day away").fill((first + timedelta(days=13)).isoformat())
    page.get_by_label("Note (optional)").fill("Summer holiday")
    page.get_by_role("button", name="Add time away").click()
    expect(page.get_by_text("Summer holiday")).to_be_visible()

    user = User.objects.get(email=MEMBER)
    assert user.email_opt_outs == ["checkin_reminder"]
    assert Absence.objects.filter(user=user, note="Summer holiday").count() == 1


def test_a_manager_moves_the_check_in_and_cannot_lower_the_anonymity_threshold(demo_site, page):
    sign_in(page, demo_site, email=MANAGER, password=DEFAULT_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team settings").click()

    page.get_by_label("Check-in day").select_option(label="Thursday")
    page.get_by_label("Check-in time").fill("10:30")
    page.get_by_label("Anonymity threshold").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Keep it at 3 or more")).to_be_visible()
    # Nothing typed is lost, and nothing was saved.
    expect(page.get_by_label("Check-in time")).to_have_value("10:30")
    assert Team.objects.get(slug="platform").checkin_weekday == 4

    page.get_by_label("Anonymity threshold").fill("6")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Team settings saved.")).to_be_visible()
    team = Team.objects.get(slug="platform")
    assert (team.checkin_weekday, team.checkin_time.strftime("%H:%M"), team.anonymity_threshold) == (3, "10:30", 6)
