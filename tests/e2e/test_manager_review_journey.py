"""A manager's weekly review, then the member's side of it.

The manager opens the team dashboard from the navigation, works through "Needs you" (a support
request, a check-in with blockers nobody has acknowledged), acknowledging, replying and marking
the support request answered on each check-in's page, with htmx updating the page in place,
and comes back to an empty "Needs you". The member, on a phone, finds the reply on "This week"
marked new and answers it. When the reply batch is over, she gets no email about a reply she
has already read; her manager gets one naming her.

Runs on the real clock; every date is built from the team's current week, so the journey holds
on any day of the week."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.models import EmailStatus, OutboundEmail, Role, Team, User
from accountability.weeks import Week, week_opens_at
from checkins.models import CheckIn, Comment, Mood
from checkins.services import REPLY_BATCH_MINUTES, REPLY_BATCH_SETTLE, replies_dispatch
from tests.factories import TEST_PASSWORD, CheckInFactory, MembershipFactory, TeamFactory

from .conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MANAGER_EMAIL = "mona@example.org"
MEMBER_EMAIL = "mia@example.org"
SUPPORT = "Could we pair on the rollout plan this week?"
MIA_BLOCKER = "The staging database is down again"
THEO_BLOCKER = "Waiting on the vendor's API keys"
REPLY = "Yes, let's pair on Thursday morning. I'll book the room and bring the draft."
ANSWER = "Thursday works. I'll bring the rollout checklist."


@dataclass
class Review:
    team: Team
    manager: User
    member: User
    teammate: User
    this_week: Week
    last_week: Week
    asks_support: CheckIn  # Mia's, this week: support and a blocker, not acknowledged
    blocked: CheckIn  # Theo's, last week: a blocker, not acknowledged


@pytest.fixture
def review(live_server, settings, test_redis) -> Review:
    # Links in emails point back at the live server.
    settings.SITE_URL = live_server.url
    # Far from UTC: a week or a time computed in the server's zone instead of the team's shows.
    team = TeamFactory(name="Platform", slug="platform", time_zone="Pacific/Auckland")
    manager = MembershipFactory(
        team=team, role=Role.MANAGER, user__email=MANAGER_EMAIL, user__display_name="Mona Manager"
    ).user
    member = MembershipFactory(
        team=team, role=Role.MEMBER, user__email=MEMBER_EMAIL, user__display_name="Mia Member"
    ).user
    teammate = MembershipFactory(
        team=team, role=Role.MEMBER, user__email="theo@example.org", user__display_name="Theo Teammate"
    ).user
    # Joined weeks ago, so last week's check-in is theirs to give.
    team.memberships.update(joined_at=timezone.now() - timedelta(weeks=4))
    this_week = team.current_week()
    last_week = this_week.previous()
    now = timezone.now()
    # Sent this week, however early in the week the test runs.
    sent = max(week_opens_at(this_week, team.tz), now - timedelta(hours=1))
    asks_support = CheckInFactory(
        member=member,
        team=team,
        week=this_week.start,
        mood=Mood.LOW,
        highlights="Finished the importer",
        blockers=MIA_BLOCKER,
        support_requested=SUPPORT,
        submitted_at=sent,
        updated_at=sent,
        is_late=sent > team.checkin_due_at(this_week),
    )
    sent_last_week = team.checkin_due_at(last_week) - timedelta(hours=2)
    blocked = CheckInFactory(
        member=teammate,
        team=team,
        week=last_week.start,
        mood=Mood.OK,
        blockers=THEO_BLOCKER,
        submitted_at=sent_last_week,
        updated_at=sent_last_week,
    )
    return Review(team, manager, member, teammate, this_week, last_week, asks_support, blocked)


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def needs_you(page: Page):
    return page.get_by_role("region", name=re.compile(r"^Needs you"))


def needs_list(page: Page, title: str):
    return needs_you(page).get_by_role("region", name=re.compile(rf"^{re.escape(title)}"))


def status_block(page: Page):
    return page.locator("#checkin-status")


def test_a_manager_works_through_needs_you_and_the_member_sees_the_reply(review, live_server, page, phone_page):
    base = live_server.url

    # --- The manager: sign in, open the dashboard from the navigation ------------------------
    sign_in(page, base, MANAGER_EMAIL)
    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(f"{base}/teams/platform/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform: dashboard")

    # "Needs you" comes first, and counts what waits.
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Needs you")
    expect(needs_you(page).get_by_role("heading", level=2)).to_have_accessible_name("Needs you 2 waiting")
    support = needs_list(page, "Asked for support")
    expect(support.get_by_role("link", name=f"Mia Member, {review.this_week.label}")).to_be_visible()
    expect(support).to_contain_text(SUPPORT)
    blockers = needs_list(page, "Blockers, not yet acknowledged")
    expect(blockers.get_by_role("link", name=f"Theo Teammate, {review.last_week.label}")).to_be_visible()
    expect(blockers).to_contain_text(THEO_BLOCKER)
    # Each check-in is listed once, under the first list that fits (Mia's has a blocker too).
    expect(needs_you(page).get_by_role("link", name=re.compile("^Mia Member"))).to_have_count(1)
    expect(needs_list(page, "Check-ins waiting for acknowledgement")).to_contain_text("Every check-in is acknowledged.")

    # --- Mia's check-in: acknowledge, reply, mark the support request answered -------------
    support.get_by_role("link", name=f"Mia Member, {review.this_week.label}").click()
    expect(page).to_have_url(f"{base}/checkins/{review.asks_support.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mia Member's check-in")
    checkin = page.get_by_role("region", name="Check-in", exact=True)
    expect(checkin).to_contain_text(SUPPORT)
    expect(checkin).to_contain_text(MIA_BLOCKER)
    expect(checkin).to_contain_text("Low")
    # From here on a full page load would wipe this marker: every step must update in place.
    page.evaluate("window.reviewMarker = 'no reload'")

    # One click.
    status_block(page).get_by_role("button", name="Acknowledge").click()
    expect(status_block(page).get_by_text("Acknowledged", exact=True)).to_be_visible()
    expect(status_block(page)).to_contain_text("by you")
    expect(status_block(page).get_by_role("button", name="Acknowledge")).to_have_count(0)
    review.asks_support.refresh_from_db()
    assert review.asks_support.acknowledged_by == review.manager
    acknowledged_at = review.asks_support.acknowledged_at
    assert acknowledged_at is not None

    # A reply in the thread.
    replies = page.get_by_role("region", name="Replies", exact=True)
    expect(replies).to_contain_text("No replies yet.")
    replies.get_by_label("Reply to Mia Member").fill(REPLY)
    replies.get_by_role("button", name="Send reply").click()
    replies = page.get_by_role("region", name="Replies", exact=True)
    expect(replies.get_by_role("listitem")).to_have_count(1)
    expect(replies.get_by_role("listitem")).to_contain_text(REPLY)
    expect(replies.get_by_role("listitem")).to_contain_text("You")
    # The form is fresh again, ready for another.
    expect(replies.get_by_label("Reply to Mia Member")).to_have_value("")

    # The support request, answered.
    status_block(page).get_by_role("button", name="Mark support answered").click()
    expect(status_block(page).get_by_text("Support answered", exact=True)).to_be_visible()
    expect(status_block(page).get_by_role("button", name="Mark support answered")).to_have_count(0)
    # Still acknowledged, and at the first time: replying did not move it.
    expect(status_block(page).get_by_text("Acknowledged", exact=True)).to_be_visible()
    assert page.evaluate("window.reviewMarker") == "no reload"
    review.asks_support.refresh_from_db()
    assert review.asks_support.acknowledged_at == acknowledged_at
    assert review.asks_support.support_answered_by == review.manager
    assert list(Comment.objects.values_list("checkin_id", "author_id", "body")) == [
        (review.asks_support.pk, review.manager.pk, REPLY)
    ]

    # --- Back to the dashboard: Mia's items are gone; Theo's blocker waits -------------------
    page.get_by_role("link", name="← Platform dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform: dashboard")
    expect(needs_list(page, "Asked for support")).to_contain_text("No open support requests.")
    expect(needs_you(page).get_by_role("link", name=re.compile("^Mia Member"))).to_have_count(0)
    expect(needs_you(page).get_by_role("heading", level=2)).to_have_accessible_name("Needs you 1 waiting")

    # Theo's check-in: acknowledged in one click, too.
    needs_list(page, "Blockers, not yet acknowledged").get_by_role(
        "link", name=f"Theo Teammate, {review.last_week.label}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Theo Teammate's check-in")
    expect(page.get_by_role("region", name="Check-in", exact=True)).to_contain_text(THEO_BLOCKER)
    page.evaluate("window.reviewMarker = 'no reload'")
    status_block(page).get_by_role("button", name="Acknowledge").click()
    expect(status_block(page).get_by_text("Acknowledged", exact=True)).to_be_visible()
    assert page.evaluate("window.reviewMarker") == "no reload"

    page.get_by_role("link", name="← Platform dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform: dashboard")
    expect(needs_you(page).get_by_role("heading", level=2)).to_have_accessible_name("Needs you")
    expect(needs_list(page, "Asked for support")).to_contain_text("No open support requests.")
    expect(needs_list(page, "Blockers, not yet acknowledged")).to_contain_text("No blockers waiting.")
    expect(needs_list(page, "Check-ins waiting for acknowledgement")).to_contain_text("Every check-in is acknowledged.")
    expect(needs_you(page).get_by_role("link")).to_have_count(0)
    # The dashboard fits a phone: wide tables scroll inside themselves, not the page.
    page.set_viewport_size(PHONE)
    page.reload()  # laid out for the phone from the start, as a phone would load it
    expect(page.get_by_role("region", name="People", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # --- The member, on a phone, in a browser of her own ---------------------------------------
    sign_in(phone_page, base, MEMBER_EMAIL)
    expect(phone_page).to_have_url(f"{base}/teams/platform/week/")
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("This week")
    expect(phone_page.get_by_role("status").filter(has_text="1 new reply for you")).to_be_visible()
    checkin_section = phone_page.get_by_role("region", name=re.compile(r"^Check-in"))
    expect(checkin_section).to_contain_text("Seen by Mona Manager")
    expect(checkin_section).to_contain_text("Your support request is marked answered.")
    reply = checkin_section.get_by_role("listitem").filter(has_text=REPLY)
    expect(reply).to_contain_text("Mona Manager")
    expect(reply.get_by_text("New", exact=True)).to_be_visible()
    # Nothing sticks out sideways on the phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Shown once as new: the next visit shows it as read.
    phone_page.reload()
    checkin_section = phone_page.get_by_role("region", name=re.compile(r"^Check-in"))
    reply = checkin_section.get_by_role("listitem").filter(has_text=REPLY)
    expect(reply).to_be_visible()
    expect(reply.get_by_text("New", exact=True)).to_have_count(0)
    expect(phone_page.get_by_role("status").filter(has_text="new repl")).to_have_count(0)
    assert Comment.objects.get().seen_at is not None
    checkin_section = phone_page.get_by_role("region", name=re.compile(r"^Check-in"))

    # --- She answers on her check-in's page, in place ---------------------------------------------
    checkin_section.get_by_role("link", name="Answer").click()
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("Your check-in")
    replies = phone_page.get_by_role("region", name="Replies", exact=True)
    replies.get_by_label("Answer").fill(ANSWER)
    replies.get_by_role("button", name="Send answer").click()
    replies = phone_page.get_by_role("region", name="Replies", exact=True)
    expect(replies.get_by_role("listitem")).to_have_count(2)
    expect(replies.get_by_role("listitem").last).to_contain_text(ANSWER)

    # --- The emails, once the reply batch is over (beat runs the dispatcher every minute) --------
    # Nothing is written at once: acknowledging sends nothing, and replies wait for their batch.
    assert not OutboundEmail.objects.exists()
    last_written = Comment.objects.latest("created_at").created_at
    after_batch = last_written + timedelta(minutes=REPLY_BATCH_MINUTES) + REPLY_BATCH_SETTLE
    assert replies_dispatch(now=after_batch) == 1
    # Mia read Mona's reply on her week page before the batch went out: no email for it. Mona
    # hears that Mia answered, with the link to the thread; the answer itself stays in the app.
    email = OutboundEmail.objects.get()
    assert (email.kind, email.to_email, email.recipient_id, email.status) == (
        "replies_from_members",
        MANAGER_EMAIL,
        review.manager.pk,
        EmailStatus.QUEUED,
    )
    assert email.subject == "Mia Member answered in Platform"
    assert f"{base}/checkins/{review.asks_support.pk}/#replies" in email.body_text
    assert ANSWER not in email.body_text
