"""Anonymous feedback, both ways: a member writes without their name and copies the follow-up
code, and reloading the page that showed it sends nothing twice; the managers see it only with
the daily release (driven here with an injected `now`: 08:00 the next morning, team time); a
manager answers from the inbox; the member, signed out in a fresh browser, opens the
conversation with the code, reads the answer and answers back; the manager sees that answer
with the next release.

Runs against the live server with the demo organisation (seed_demo): Platform has five
members besides its manager, enough for anonymous feedback to go to its manager (and a couple
of anonymous threads of its own, from the demo's feedback/demo.py)."""

import pytest
from playwright.sync_api import Page, expect

from accountability.models import Team
from dashboard.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from feedback import services
from feedback.models import FeedbackMessage, FeedbackThread

from .conftest import WAIT_MS
from .test_invitation_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WRITER_EMAIL = "priya@demo.example"
WRITER_NAME = "Priya Nair"
MANAGER_EMAIL = "maya.manager@demo.example"
MANAGER_NAME = "Maya Okafor"
FEEDBACK = "Planning meetings keep running past six, and <b>nobody</b> feels able to leave."
ANSWER = "Thank you for saying so. From next week planning ends at five, whatever is left."
WRITER_ANSWER = "Thank you, that would help a lot."


def _fresh_page(new_context, **options) -> Page:
    context = new_context(**options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context.new_page()


def write_anonymously(page: Page, base_url: str) -> str:
    sign_in(page, base_url, email=WRITER_EMAIL, password=DEFAULT_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send feedback")

    # Before sending, the page says who will read it, team by team.
    team = page.get_by_label("Which team is it for?")
    to_managers = page.locator("[data-destination-note='managers']")
    to_admins = page.locator("[data-destination-note='admins']")
    team.select_option(label="Customer Success")
    expect(to_admins).to_be_visible()
    expect(to_admins).to_contain_text("It goes to the organisation's admins, not to the managers of Customer Success")
    expect(page.get_by_text("the team is too small for you to stay anonymous among its members.")).to_be_visible()
    expect(to_managers).to_be_hidden()
    team.select_option(label="Platform")
    expect(to_managers).to_be_visible()
    expect(to_managers).to_have_text("It goes to the managers of Platform.")
    expect(to_admins).to_be_hidden()

    page.get_by_label("Concern").check()
    page.get_by_label("Your feedback").fill(FEEDBACK)
    expect(page.get_by_label("Sign it with my name")).not_to_be_checked()
    page.get_by_role("button", name="Send feedback").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. Your feedback is on its way")
    expect(page.get_by_text("It goes to the managers of Platform.")).to_be_visible()
    expect(page.locator("#release-note")).to_contain_text(
        "Your managers will see it tomorrow from 08:00, Europe/London time."
    )
    expect(page.get_by_text("We can't recover it.")).to_be_visible()
    code = page.locator("#follow-up-code").inner_text().strip()
    assert code not in page.url
    page.get_by_role("button", name="Copy the code").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == code
    return code


def reload_and_go_back(page: Page) -> None:
    """The page that showed the code, reloaded, then the back button: nothing is sent twice."""
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your follow-up code was shown once")
    expect(page.locator("#follow-up-code")).to_have_count(0)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send feedback")
    assert FeedbackThread.objects.filter(category="concern").count() == 1


def release_next_morning(written_on) -> None:
    """What beat does at 08:00 the next morning in Platform's zone, run now."""
    platform = Team.objects.get(slug="platform")
    services.feedback_release(now=services.release_at(team=platform, written_on=written_on))


def answer_from_the_inbox(page: Page, base_url: str, *, text: str) -> None:
    page.get_by_role("link", name="Concern for Platform").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern for Platform")
    expect(page.get_by_text(FEEDBACK)).to_be_visible()  # shown as written, tags and all
    expect(page.get_by_role("heading", name="The writer")).to_be_visible()
    expect(page.get_by_text(WRITER_NAME)).to_have_count(0)
    page.get_by_label("Your answer").fill(text)
    page.get_by_role("button", name="Send your answer").click()
    expect(page.get_by_role("status").filter(has_text="Answer sent.")).to_be_visible()


def test_a_member_and_a_manager_talk_with_the_member_staying_anonymous(demo_site, page, new_context):
    writer = _fresh_page(new_context, permissions=["clipboard-read", "clipboard-write"])
    code = write_anonymously(writer, demo_site)
    reload_and_go_back(writer)
    thread = FeedbackThread.objects.get(category="concern")  # the demo has threads of its own
    assert thread.signed_by is None and thread.to_admins is False

    # Until the daily release, the manager's inbox shows nothing of it.
    manager = page
    sign_in(manager, demo_site, email=MANAGER_EMAIL, password=DEFAULT_DEMO_PASSWORD)
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Feedback inbox")
    expect(manager.get_by_role("link", name="Process for Platform")).to_be_visible()  # the demo's
    expect(manager.get_by_role("link", name="Concern for Platform")).to_have_count(0)

    # Signed out, in a browser that has never seen the app: only the code. The writer sees what
    # they sent straight away, and when the managers will.
    reader = _fresh_page(new_context)
    open_with_the_code(reader, demo_site, code)
    conversation = reader.get_by_role("region", name="The conversation")
    expect(conversation.get_by_text(FEEDBACK)).to_be_visible()
    expect(conversation.get_by_text("Waiting: your managers will see it tomorrow from 08:00")).to_be_visible()

    release_next_morning(thread.created_on)
    manager.reload()
    ours = manager.get_by_role("listitem").filter(has=manager.get_by_role("link", name="Concern for Platform"))
    expect(ours.get_by_text("Waiting for an answer")).to_be_visible()
    answer_from_the_inbox(manager, demo_site, text=ANSWER)

    open_with_the_code(reader, demo_site, code)
    conversation = reader.get_by_role("region", name="The conversation")
    expect(conversation.get_by_role("heading", name="You")).to_be_visible()
    expect(conversation.get_by_role("heading", name=MANAGER_NAME)).to_be_visible()
    expect(conversation.get_by_text(ANSWER)).to_be_visible()
    expect(conversation.get_by_text("Waiting:")).to_have_count(0)
    assert code not in reader.url
    reader.get_by_label("Your answer").fill(WRITER_ANSWER)
    reader.get_by_role("button", name="Send your answer").click()
    expect(reader.get_by_role("status").filter(has_text="Sent. Your managers will see your answer")).to_be_visible()
    expect(reader.get_by_role("region", name="The conversation").get_by_text(WRITER_ANSWER)).to_be_visible()
    assert code.replace("-", "") not in reader.url.replace("-", "").upper()
    # Reloaded, that page shows nothing again and sends nothing again.
    reader.reload()
    expect(reader.get_by_role("status").filter(has_text="That page was shown once")).to_be_visible()
    assert FeedbackMessage.objects.filter(thread=thread, body=WRITER_ANSWER).count() == 1
    # The follow-up pages set no cookie at all.
    assert reader.context.cookies() == []

    # The manager sees the answer with the next release.
    manager.reload()
    expect(manager.get_by_text(ANSWER)).to_be_visible()
    expect(manager.get_by_text(WRITER_ANSWER)).to_have_count(0)
    release_next_morning(FeedbackMessage.objects.get(body=WRITER_ANSWER).created_on)
    manager.reload()
    expect(manager.get_by_text(WRITER_ANSWER)).to_be_visible()
    expect(manager.get_by_text(WRITER_NAME)).to_have_count(0)


def open_with_the_code(reader: Page, base_url: str, code: str) -> None:
    reader.goto(f"{base_url}/feedback/follow-up/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Follow up on your feedback")
    reader.get_by_label("Your follow-up code").fill(code.lower().replace("-", " "))
    reader.get_by_role("button", name="Open the conversation").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Your feedback for Platform")


def test_a_wrong_code_finds_nothing(demo_site, new_context):
    reader = _fresh_page(new_context)
    reader.goto(f"{demo_site}/feedback/follow-up/")
    reader.get_by_label("Your follow-up code").fill("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    reader.get_by_role("button", name="Open the conversation").click()

    expect(reader.get_by_role("alert")).to_contain_text("Not found.")
    expect(reader.get_by_label("Your follow-up code")).to_have_value("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
