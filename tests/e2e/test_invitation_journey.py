"""A manager invites a newcomer from the People page; the newcomer joins from the emailed link
on a phone. Runs against the live server with the demo organisation (seed_demo)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accountability.outbox import outbox_sweep
from dashboard.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MANAGER_EMAIL = "maya.manager@demo.example"
MANAGER_NAME = "Maya Okafor"
TEAM_NAME = "Platform"
INVITEE_EMAIL = "newcomer@example.org"
INVITEE_NAME = "Nia Newcomer"
INVITEE_PASSWORD = "kind-weekly-rhythm-42"


def sign_in(page: Page, base_url: str, *, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def invite_from_people_page(page: Page, base_url: str, *, email: str) -> None:
    sign_in(page, base_url, email=MANAGER_EMAIL, password=DEFAULT_DEMO_PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=MANAGER_NAME)).to_be_visible()
    nav.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"People in {TEAM_NAME}")

    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email address").fill(email)
    invite.get_by_label("Role", exact=True).select_option(label="Member")
    invite.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("status").filter(has_text=f"Invitation sent to {email}.")).to_be_visible()
    expect(page.get_by_role("region", name="Invited, not joined yet")).to_contain_text(email)


def deliver_invitation_link(base_url: str, *, to: str) -> str:
    """Send what the outbox holds, the way the beat sweep does, and read the link from the text."""
    assert outbox_sweep() == 1
    [message] = mail.outbox
    assert message.to == [to]
    assert TEAM_NAME in message.subject
    match = re.search(re.escape(base_url) + r"/invite/\S+", message.body)
    assert match, message.body
    return match.group(0)


def test_newcomer_joins_on_a_phone_from_the_emailed_invitation(demo_site, page, phone_page):
    invite_from_people_page(page, demo_site, email=INVITEE_EMAIL)
    link = deliver_invitation_link(demo_site, to=INVITEE_EMAIL)

    invitee = phone_page
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Join {TEAM_NAME}")
    expect(invitee.get_by_text(INVITEE_EMAIL)).to_be_visible()
    invitee.get_by_label("Your name").fill(INVITEE_NAME)
    invitee.get_by_role("textbox", name="Password", exact=True).fill(INVITEE_PASSWORD)
    invitee.get_by_label("Password again").fill(INVITEE_PASSWORD)
    invitee.get_by_role("button", name="Join the team").click()

    expect(invitee.get_by_role("heading", level=1)).to_have_text(TEAM_NAME)
    expect(invitee.get_by_role("status").filter(has_text=f"Welcome to {TEAM_NAME}, {INVITEE_NAME}.")).to_be_visible()
    # On a phone the navigation folds behind its toggle; the invitee's name is inside it.
    toggle = invitee.get_by_role("button", name="Show navigation")
    nav_name = invitee.get_by_role("navigation", name="Main").get_by_role("link", name=INVITEE_NAME)
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav_name).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav_name).to_be_visible()
    # Nothing sticks out sideways on a phone (a mobile browser would widen the layout to fit it).
    assert invitee.evaluate("document.documentElement.scrollWidth") <= invitee.viewport_size["width"]

    page.reload()
    people = page.get_by_role("region", name="Members and managers")
    newcomer = people.get_by_role("listitem").filter(has_text=INVITEE_NAME)
    expect(newcomer).to_contain_text(INVITEE_EMAIL)
    expect(newcomer.get_by_label(f"Role of {INVITEE_NAME}")).to_have_value("member")
    expect(page.get_by_role("region", name="Invited, not joined yet")).to_have_count(0)


def test_mismatched_passwords_keep_the_name_and_say_what_to_fix(demo_site, page, phone_page):
    invite_from_people_page(page, demo_site, email=INVITEE_EMAIL)
    link = deliver_invitation_link(demo_site, to=INVITEE_EMAIL)

    invitee = phone_page
    invitee.goto(link)
    invitee.get_by_label("Your name").fill(INVITEE_NAME)
    invitee.get_by_role("textbox", name="Password", exact=True).fill(INVITEE_PASSWORD)
    invitee.get_by_label("Password again").fill(INVITEE_PASSWORD + "-typo")
    invitee.get_by_role("button", name="Join the team").click()

    again = invitee.get_by_label("Password again")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(again).to_have_accessible_description(re.compile("The two passwords differ"))
    expect(invitee.get_by_text("The two passwords differ.")).to_be_visible()
    expect(invitee.get_by_label("Your name")).to_have_value(INVITEE_NAME)
    # Still an invitee: no account yet, so nobody is signed in.
    expect(invitee.get_by_role("heading", level=1)).to_have_text(f"Join {TEAM_NAME}")
    expect(invitee.get_by_role("button", name="Show navigation")).to_have_count(0)
