"""A team member's weekly ritual on a phone: review last week, renegotiate, commit, check in,
look back. Once with htmx doing the inline updates, once with JavaScript switched off.

Runs on the real clock; every date is built from the team's current week, so the journey holds
on any day of the week."""

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.models import Commitment, CommitmentEvent, CommitmentStatus, Role, Team, User
from accountability.weeks import Week
from checkins.models import CheckIn, Mood
from tests.factories import TEST_PASSWORD, MembershipFactory, TeamFactory

from .conftest import PHONE, WAIT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBER_EMAIL = "mia@example.org"


@dataclass
class Journey:
    team: Team
    member: User
    this_week: Week
    last_week: Week
    slipped: Commitment  # last week's, past its date, still open
    moved: Commitment  # last week's, due today, still open


def _open_commitment(*, team: Team, owner: User, week: Week, title: str, due: date) -> Commitment:
    """A commitment made in an earlier week, as the service would have left it."""
    made_at = timezone.now() - timedelta(days=7)
    commitment = Commitment.objects.create(
        team=team, owner=owner, created_by=owner, week=week.start, title=title, due_date=due, created_at=made_at
    )
    CommitmentEvent.objects.create(
        commitment=commitment, from_status="", to_status=CommitmentStatus.OPEN, actor=owner, created_at=made_at
    )
    return commitment


@pytest.fixture
def journey(live_server, test_redis) -> Journey:
    # Far from UTC, so a time shown in the server's zone instead of the team's would show.
    team = TeamFactory(name="Platform", slug="platform", time_zone="America/New_York", checkin_time=time(11, 0))
    member = MembershipFactory(
        team=team, role=Role.MEMBER, user__email=MEMBER_EMAIL, user__display_name="Mia Member"
    ).user
    MembershipFactory(team=team, role=Role.MANAGER, user__display_name="Mona Manager")
    this_week = team.current_week()
    last_week = this_week.previous()
    slipped = _open_commitment(
        team=team, owner=member, week=last_week, title="Write the migration guide", due=last_week.day(3)
    )
    # Made last week, due today: renegotiating it now is in good time.
    moved = _open_commitment(
        team=team, owner=member, week=last_week, title="Fix the flaky login test", due=team.today()
    )
    CheckIn.objects.create(
        member=member,
        team=team,
        week=last_week.start,
        mood=Mood.OK,
        highlights="Paired on the importer",
        submitted_at=timezone.now() - timedelta(days=7),
    )
    return Journey(team, member, this_week, last_week, slipped, moved)


@pytest.fixture
def no_js_phone_page(new_context) -> Page:
    """A phone whose browser runs no JavaScript at all: every form must still work."""
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context.new_page()


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(MEMBER_EMAIL)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def short_date(day: date) -> str:
    """As the pages write a date ("D j M"): Fri 4 Dec."""
    return f"{day:%a} {day.day} {day:%b}"


def row(page: Page, commitment: Commitment):
    return page.locator(f"#commitment-{commitment.pk}")


def choose_outcome(page: Page, commitment: Commitment, outcome: str):
    """Open the commitment's review and pick an outcome, the way a thumb does: on the label."""
    item = row(page, commitment)
    item.locator("summary").click()
    # Follow-up questions wait until an outcome that needs them is chosen.
    expect(item.get_by_label("What got in the way?")).to_be_hidden()
    item.locator("label", has_text=re.compile(rf"^{re.escape(outcome)}$")).click()
    expect(item.get_by_role("radio", name=outcome, exact=True)).to_be_checked()
    return item


def add_commitment(page: Page, *, title: str, due: date) -> None:
    adding = page.locator("details.add-commitment")
    if adding.get_attribute("open") is None:
        adding.locator("summary").click()
    adding.get_by_label("I commit to").fill(title)
    adding.get_by_label("Due", exact=True).fill(due.isoformat())
    adding.get_by_role("button", name="Add commitment").click()
    expect(page.get_by_role("status").filter(has_text="Commitment added.")).to_be_visible()


def check_in(page: Page, *, mood: str, highlights: str, blockers: str, support: str) -> None:
    moods = page.get_by_role("group", name="How are your mood and energy this week?")
    moods.locator("label", has_text=mood).click()
    expect(moods.get_by_role("radio", name=re.compile(rf"^\d {re.escape(mood)}$"))).to_be_checked()
    page.get_by_label("Highlights").fill(highlights)
    page.get_by_label("Anything in your way?").fill(blockers)
    page.get_by_label("Support I'd like").fill(support)
    page.get_by_role("button", name="Submit check-in").click()
    expect(page.get_by_role("status").filter(has_text="Check-in saved.")).to_be_visible()


def test_a_member_does_the_whole_weekly_check_in_on_a_phone(journey, live_server, phone_page):
    page = phone_page
    this_week_url = f"{live_server.url}/teams/{journey.team.slug}/week/"

    # Signing in lands on "This week".
    sign_in(page, live_server.url)
    expect(page).to_have_url(this_week_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")
    # When the check-in is due, on the team's own clock.
    expect(page.get_by_role("main")).to_contain_text(
        f"{journey.team.get_checkin_weekday_display()} 11:00 (America/New_York)"
    )

    # Last week's open commitments wait for review, visibly carried over.
    waiting = page.get_by_role("region", name="Waiting for your review")
    expect(waiting.locator(".commitment")).to_have_count(2)
    expect(row(page, journey.slipped)).to_contain_text(f"carried over from week {journey.last_week.number}")
    expect(row(page, journey.slipped).locator(".badge.status-open")).to_have_text("Open")

    # From here until the next plain form post, a full reload would wipe this marker.
    page.evaluate("window.journeyMarker = 'no reload'")

    # Partly done, with a short reflection: the row changes in place.
    item = choose_outcome(page, journey.slipped, "Partly done")
    item.get_by_label("What got in the way?").fill("The staging database was down for two days")
    item.get_by_label("What would help?").fill("A second pair of eyes on the outline")
    item.get_by_role("button", name="Save").click()
    expect(row(page, journey.slipped).locator(".badge.status-partly_done")).to_have_text("Partly done")
    expect(row(page, journey.slipped)).not_to_contain_text("carried over")
    expect(page).to_have_url(this_week_url)
    assert page.evaluate("window.journeyMarker") == "no reload"
    journey.slipped.refresh_from_db()
    assert journey.slipped.status == CommitmentStatus.PARTLY_DONE
    assert journey.slipped.obstacle == "The staging database was down for two days"
    assert journey.slipped.help_wanted == "A second pair of eyes on the outline"

    # Renegotiate the other one to a new date, with a reason: its successor appears under it.
    new_due = journey.team.today() + timedelta(days=7)
    item = choose_outcome(page, journey.moved, "Renegotiate: new date")
    item.get_by_label("New due date").fill(new_due.isoformat())
    item.get_by_role("button", name="Save").click()
    # Forgot the reason: asked for it in the row itself, the date kept, still no reload.
    expect(item.get_by_text("Say in a few words why the date moves.")).to_be_visible()
    expect(item.get_by_label("New due date")).to_have_value(new_due.isoformat())
    item.get_by_label("Why the date moves").fill("The release slipped a week; agreed with Mona")
    item.get_by_role("button", name="Save").click()
    expect(row(page, journey.moved).locator(".badge.status-renegotiated")).to_have_text(
        f"Renegotiated to {short_date(new_due)}"
    )
    successor = Commitment.objects.get(renegotiated_from=journey.moved)
    expect(row(page, successor)).to_contain_text("Fix the flaky login test")
    expect(row(page, successor)).to_contain_text(f"Due {short_date(new_due)}")
    expect(row(page, successor)).to_contain_text(f"new date (was {short_date(journey.moved.due_date)})")
    expect(row(page, successor).locator(".badge.status-open")).to_have_text("Open")
    assert page.evaluate("window.journeyMarker") == "no reload"
    assert successor.due_date == new_due
    assert successor.week == journey.this_week.start

    # A reload keeps the week's story: both stay on "This week", with how they went.
    page.reload()
    expect(page.get_by_role("region", name="Waiting for your review")).to_have_count(0)
    reviewed = page.get_by_role("region", name="Reviewed this week")
    expect(reviewed.locator(".commitment")).to_have_count(2)
    expect(reviewed.locator(f"#commitment-{journey.slipped.pk} .badge.status-partly_done")).to_have_text("Partly done")
    expect(reviewed.locator(f"#commitment-{journey.moved.pk} .badge.status-renegotiated")).to_have_text(
        f"Renegotiated to {short_date(new_due)}"
    )
    # A renegotiation goes on in its successor; an outcome can be taken back, in place.
    expect(row(page, journey.moved).get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    page.evaluate("window.journeyMarker = 'no reload'")
    row(page, journey.slipped).get_by_role("button", name=re.compile("^Undo")).click()
    expect(row(page, journey.slipped).locator(".badge.status-open")).to_have_text("Open")
    expect(row(page, journey.slipped).locator("summary")).to_contain_text("How did it go?")
    assert page.evaluate("window.journeyMarker") == "no reload"
    journey.slipped.refresh_from_db()
    assert journey.slipped.status == CommitmentStatus.OPEN
    # ...and after a reload it waits for review again: reviewed once more, for real this time.
    page.reload()
    waiting = page.get_by_role("region", name="Waiting for your review")
    expect(waiting.locator(f"#commitment-{journey.slipped.pk}")).to_be_visible()
    item = choose_outcome(page, journey.slipped, "Partly done")
    item.get_by_label("What got in the way?").fill("The staging database was down for two days")
    item.get_by_role("button", name="Save").click()
    expect(row(page, journey.slipped).locator(".badge.status-partly_done")).to_have_text("Partly done")
    journey.slipped.refresh_from_db()
    assert journey.slipped.status == CommitmentStatus.PARTLY_DONE

    # A new commitment for this week (a plain form post).
    add_commitment(page, title="Pair with Theo on the billing retries", due=journey.this_week.end)
    expect(page.get_by_role("region", name="This week's commitments")).to_contain_text(
        "Pair with Theo on the billing retries"
    )

    # The check-in itself: mood, highlights, blockers, support.
    check_in(
        page,
        mood="Good",
        highlights="The importer is live",
        blockers="Waiting on the vendor's API keys",
        support="Could you nudge the vendor?",
    )
    expect(page.get_by_role("heading", name=re.compile(r"^Check-in"))).to_contain_text("Submitted")
    checkin = CheckIn.objects.get(member=journey.member, team=journey.team, week=journey.this_week.start)
    assert (checkin.mood, checkin.highlights, checkin.blockers, checkin.support_requested) == (
        Mood.GOOD,
        "The importer is live",
        "Waiting on the vendor's API keys",
        "Could you nudge the vendor?",
    )

    # History: this week first, now that it has a check-in, what was committed to and reviewed.
    page.get_by_role("navigation", name="Weeks").get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your past weeks")
    this_week = page.get_by_role("region", name=re.compile(rf"^Week {journey.this_week.number}\b"))
    expect(this_week).to_contain_text("this week, so far")
    expect(this_week).to_contain_text("The importer is live")
    expect(this_week.get_by_role("listitem").filter(has_text="Pair with Theo on the billing retries")).to_be_visible()
    reviewed_now = this_week.get_by_role("listitem").filter(has_text="Write the migration guide")
    expect(reviewed_now).to_contain_text("Partly done")
    expect(reviewed_now).to_contain_text(f"Made in week {journey.last_week.number}")
    # ...then last week, with its check-in and how its commitments went.
    last_week = page.get_by_role("region", name=re.compile(rf"^Week {journey.last_week.number}\b"))
    expect(last_week).to_contain_text("Mood 3 · Okay")
    expect(last_week).to_contain_text("Paired on the importer")
    slipped = last_week.get_by_role("listitem").filter(has_text="Write the migration guide")
    expect(slipped).to_contain_text("Partly done")
    expect(slipped).to_contain_text("In the way: The staging database was down for two days")
    expect(last_week.get_by_role("listitem").filter(has_text="Fix the flaky login test")).to_contain_text(
        "Renegotiated"
    )

    # A commitment's own page tells its whole story, renegotiation included.
    last_week.get_by_role("link", name="Fix the flaky login test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fix the flaky login test")
    dates = page.get_by_role("region", name="Dates agreed").get_by_role("listitem")
    expect(dates).to_have_count(2)
    expect(dates.first).to_contain_text("renegotiated in good time")
    expect(dates.last).to_contain_text("open")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Committed by Mia Member")
    expect(history).to_contain_text("The release slipped a week; agreed with Mona")
    # Made, renegotiated (its reason once), continued with the new date.
    expect(history.get_by_role("listitem")).to_have_count(3)
    expect(history.get_by_text("The release slipped a week; agreed with Mona")).to_have_count(1)
    # Nothing sticks out sideways on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_without_javascript_every_weekly_form_still_works(journey, live_server, no_js_phone_page):
    page = no_js_phone_page
    sign_in(page, live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("This week")

    # Add a commitment, then mark it done: plain posts, each landing back on the week.
    add_commitment(page, title="Write the release notes", due=journey.this_week.end)
    added = Commitment.objects.get(team=journey.team, owner=journey.member, title="Write the release notes")
    assert added.due_date == journey.this_week.end
    choose_outcome(page, added, "Done")
    row(page, added).get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Thank you for the honest update")).to_be_visible()
    expect(row(page, added).locator(".badge.status-done")).to_have_text("Done")

    # Let a carried-over one go, with what was learned.
    item = choose_outcome(page, journey.slipped, "Let it go, with a lesson")
    item.get_by_label("What did you learn?").fill("It was never really mine to write")
    item.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Thank you for the honest update")).to_be_visible()
    # Reviewed: no longer waiting, but still on the week with how it went, and an undo.
    expect(page.get_by_role("region", name="Waiting for your review").locator(".commitment")).to_have_count(1)
    reviewed = page.get_by_role("region", name="Reviewed this week")
    expect(reviewed.locator(f"#commitment-{journey.slipped.pk} .badge")).to_have_text("Let go, with a lesson")
    row(page, journey.slipped).get_by_role("button", name=re.compile("^Undo")).click()
    expect(page.get_by_role("status").filter(has_text="Reopened")).to_be_visible()
    waiting = page.get_by_role("region", name="Waiting for your review")
    expect(waiting.locator(f"#commitment-{journey.slipped.pk} .badge.status-open")).to_have_text("Open")
    # Let go again, on purpose.
    item = choose_outcome(page, journey.slipped, "Let it go, with a lesson")
    item.get_by_label("What did you learn?").fill("It was never really mine to write")
    item.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Thank you for the honest update")).to_be_visible()
    journey.slipped.refresh_from_db()
    assert journey.slipped.status == CommitmentStatus.LET_GO
    assert journey.slipped.lesson == "It was never really mine to write"

    # A renegotiation without a reason is sent back with what to fix, the typed date kept.
    new_due = journey.team.today() + timedelta(days=3)
    item = choose_outcome(page, journey.moved, "Renegotiate: new date")
    item.get_by_label("New due date").fill(new_due.isoformat())
    item.get_by_role("button", name="Save").click()
    item = row(page, journey.moved)
    expect(item.get_by_text("Say in a few words why the date moves.")).to_be_visible()
    expect(item.get_by_label("New due date")).to_have_value(new_due.isoformat())
    item.get_by_label("Why the date moves").fill("Blocked on the CI upgrade")
    item.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Renegotiated")).to_be_visible()
    assert Commitment.objects.get(renegotiated_from=journey.moved).due_date == new_due

    check_in(page, mood="Running on empty", highlights="", blockers="", support="")
    assert CheckIn.objects.get(member=journey.member, week=journey.this_week.start).mood == Mood.VERY_LOW
