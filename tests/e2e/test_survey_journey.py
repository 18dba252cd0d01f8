"""A pulse survey, from scheduling to results. A manager schedules the team trust pulse to start
now, and it is open at once: the team is invited by email in the same request, no dispatcher
needed. A member answers from the emailed link on a phone, signed out; reloading the thanks
page or going back sends nothing twice. While the round is open the manager sees no count at
all, and after it closes below the threshold still none ("not enough responses"); the results
show once enough answered and the round has closed.

Runs against the live server with the demo organisation (seed_demo): Platform (Europe/London)
has five members besides its manager, and its anonymity threshold is five."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.models import Team, User
from accountability.outbox import outbox_sweep
from dashboard.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from surveys import services
from surveys.models import SurveyResponse, SurveyRound, SurveyTemplate

from ..surveys.factories import trust_pulse
from .test_invitation_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MANAGER_EMAIL = "maya.manager@demo.example"
MEMBERS = ["priya@demo.example", "lee@demo.example", "tom@demo.example", "ines@demo.example", "ravi@demo.example"]
PHONE_MEMBER = "priya@demo.example"
COMMENT = "Retros feel safer than they used to."


@pytest.fixture
def built_in_template(transactional_db) -> SurveyTemplate:
    return trust_pulse()


def local_input(instant, team: Team) -> str:
    return instant.astimezone(team.tz).strftime("%Y-%m-%dT%H:%M")


def schedule_from_the_team_page(page: Page, base_url: str, team: Team) -> SurveyRound:
    sign_in(page, base_url, email=MANAGER_EMAIL, password=DEFAULT_DEMO_PASSWORD)
    page.goto(f"{base_url}/teams/{team.slug}/")
    page.get_by_role("main").get_by_role("link", name="Surveys", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{team.name}: pulse surveys")
    page.get_by_role("link", name="Schedule a survey", exact=True).click()

    page.get_by_label("Which survey").select_option(label="Team trust pulse (11 questions)")
    now = timezone.now()
    page.get_by_label(f"Opens ({team.time_zone})").fill(local_input(now - timedelta(minutes=2), team))
    page.get_by_label(f"Closes ({team.time_zone})").fill(local_input(now + timedelta(days=7), team))
    page.get_by_role("button", name="Schedule it").click()

    # Open at once, in the request that scheduled it: no dispatcher has run.
    expect(page.get_by_role("status").filter(has_text="is open now")).to_be_visible()
    rounds = page.get_by_role("list", name="Survey rounds")
    expect(rounds.get_by_role("listitem").first).to_contain_text("Open")
    expect(rounds.get_by_role("listitem").first).to_contain_text("Open until")
    expect(rounds.get_by_text("Scheduled", exact=True)).to_have_count(0)
    round = SurveyRound.objects.filter(team=team, closed=False).get()
    assert round.invited
    return round


def send_invitations(base_url: str) -> dict[str, str]:
    """The invitations were written with the round; delivering them is the outbox's job (a
    worker, or beat's sweep). Returns each member's emailed link."""
    mail.outbox = []
    outbox_sweep()
    links = {}
    for message in mail.outbox:
        match = re.search(re.escape(base_url) + r"/surveys/answer/[A-Za-z0-9_-]+/", message.body)
        assert match, message.body
        [to] = message.to
        links[to] = match.group(0)
    assert set(links) == set(MEMBERS)
    return links


def answer_on_a_phone(phone: Page, link: str) -> None:
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Team trust pulse")
    expect(phone.get_by_role("note")).to_contain_text("This is anonymous.")
    expect(phone.get_by_role("button", name="Show navigation")).to_have_count(0)  # not signed in
    template = SurveyTemplate.objects.get(built_in=True)
    statements = list(template.questions.filter(kind="agreement"))
    # Sending with one left out points at it and keeps what was chosen.
    for statement in statements[1:]:
        phone.get_by_role("group", name=statement.text).get_by_text("4", exact=True).tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("alert")).to_contain_text("A few answers are missing")
    first = phone.get_by_role("group", name=statements[0].text)
    expect(first).to_contain_text("Please answer this one.")
    expect(phone.get_by_role("group", name=statements[1].text).get_by_role("radio", name="4, agree")).to_be_checked()

    first.get_by_text("5", exact=True).tap()
    expect(first.get_by_role("radio", name="5, strongly agree")).to_be_checked()
    phone.get_by_label("Anything you'd like to add? (optional)").fill(COMMENT)
    # Big enough for a thumb, and nothing sticks out sideways.
    box = first.locator("label").last.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.viewport_size["width"]
    phone.get_by_role("button", name="Send my answers").tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you. Your answers are in")
    assert "/surveys/thanks/" in phone.url and link.rstrip("/").rsplit("/", 1)[-1] not in phone.url
    stored = SurveyResponse.objects.count()
    # Reloading the thanks page sends nothing again; the emailed link, opened again, says so.
    # (Going back lands on the form that was sent with a statement missing: a page the browser
    # only shows again by asking to resend it, which the server refuses with the same words.)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you. Your answers are in")
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("You've already answered this survey")
    assert SurveyResponse.objects.count() == stored


def answer_by_link(request, link: str, value: int = 4) -> None:
    """Another member answers with their link, as their browser would post the form."""
    template = SurveyTemplate.objects.get(built_in=True)
    form = {f"q{q.pk}": str(value) for q in template.questions.filter(kind="agreement")}
    response = request.post(link, form=form)
    assert response.status == 200, response.text()


# "Mon 31 Mar 2031, 00:30", "Mon 7 Apr, 00:30", "closed 1 Dec 2026": when a round opens and closes.
MOMENT_RE = re.compile(r"\b(?:[A-Z][a-z]{2} )?\d{1,2} [A-Z][a-z]{2}(?: \d{4})?(?:, \d\d:\d\d)?\b")


def numbers_besides_times(text: str) -> list[str]:
    """The figures in a round's entry once its opening and closing moments are set aside."""
    return re.findall(r"\d+", MOMENT_RE.sub("", text))


def open_results(page: Page, base_url: str, round: SurveyRound):
    page.goto(f"{base_url}/surveys/{round.pk}/results/")
    return page.locator("#survey-results")


def test_a_survey_from_the_emailed_link_to_the_results(built_in_template, demo_site, page, phone_page):
    team = Team.objects.get(slug="platform")
    assert team.anonymity_threshold == len(MEMBERS)

    # Round one: four of five answer, so nothing may be shown.
    first = schedule_from_the_team_page(page, demo_site, team)
    links = send_invitations(demo_site)
    answer_on_a_phone(phone_page, links[PHONE_MEMBER])
    others = [email for email in MEMBERS if email != PHONE_MEMBER]
    for email in others[:2]:
        answer_by_link(phone_page.request, links[email])
    assert SurveyResponse.objects.filter(round=first).count() == 3

    results = open_results(page, demo_site, first)
    expect(results).to_contain_text("Results appear when the survey closes")
    page.goto(f"{demo_site}/teams/{team.slug}/surveys/")
    rounds = page.get_by_role("list", name="Survey rounds")
    # While it is open, no count: it would tell when each person answered.
    open_item = rounds.get_by_role("listitem").first
    expect(open_item).to_contain_text("How many answered shows once it closes")
    assert numbers_besides_times(open_item.inner_text()) == []
    answer_by_link(phone_page.request, links[others[2]])
    page.reload()
    page.get_by_text("Close early…").first.click()
    page.get_by_role("button", name="Close it now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Team trust pulse: results")
    expect(results).to_contain_text("Not enough responses to protect anonymity.")
    expect(results.locator("progress")).to_have_count(0)
    expect(results.locator("canvas")).to_have_count(0)
    expect(page.get_by_role("link", name="Export CSV")).to_have_count(0)
    assert re.findall(r"\d+", results.inner_text()) == [str(team.anonymity_threshold)]
    expect(page.get_by_text(COMMENT)).to_have_count(0)
    # Closed below the threshold, the list says so without a count either.
    page.goto(f"{demo_site}/teams/{team.slug}/surveys/")
    closed_item = page.get_by_role("list", name="Survey rounds").get_by_role("listitem").first
    expect(closed_item).to_contain_text("Fewer than 5 answered, so no results are shown")
    assert numbers_besides_times(closed_item.inner_text()) == [str(team.anonymity_threshold)]

    # Round two: everyone answers; results once it has closed.
    now = timezone.now()
    second = services.round_schedule(
        team=team,
        template=first.template,
        actor=User.objects.get(email=MANAGER_EMAIL),
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
    )
    assert second.invited  # opened as it was scheduled
    links = send_invitations(demo_site)
    for email in MEMBERS:
        answer_by_link(phone_page.request, links[email], value=5 if email == PHONE_MEMBER else 4)
    results = open_results(page, demo_site, second)
    expect(results).to_contain_text("Results appear when the survey closes")
    expect(results.locator("progress")).to_have_count(0)

    page.goto(f"{demo_site}/teams/{team.slug}/surveys/")
    page.get_by_text("Close early…").first.click()
    page.get_by_role("button", name="Close it now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Team trust pulse: results")
    expect(results).to_contain_text("5 of 5 invited answered")
    expect(results.get_by_role("heading", name="By trust strategy")).to_be_visible()
    expect(results.get_by_role("heading", name="Psychological safety")).to_be_visible()
    expect(results.locator("progress").first).to_be_visible()
    # The trend: drawn by Chart.js, with the figures in a table too.
    chart = results.locator("canvas[data-chart='survey_trend']")
    expect(chart).to_be_visible()
    page.wait_for_function("() => Chart.getChart(document.querySelector(\"canvas[data-chart='survey_trend']\"))")
    expect(results.get_by_text("as a table")).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
