"""Accessibility, measured (issue 18): axe-core runs on every page the personas reach, in the
light and the dark theme, on a desktop and (for the main journeys) a phone. No serious or
critical violation anywhere; a moderate or minor one fails too unless EXPLAINED says why it
stays.

The pages come from the permission matrix (tests/accountability/test_permissions.py PAGES):
every GET row a persona may open (200, or the 410/401 pages a stale link leads to), so a page
added to the matrix is checked here without a change. Added to those: the pages reached by
doing something (the follow-up code typed in, feedback sent, a real invitation, a password
reset link, a one-to-one), which the matrix reaches only with unusable tokens.

axe-core (tests/e2e/vendor/, never served) is injected into every page by Playwright; the
contexts bypass the Content-Security-Policy for that, here only. Each page is checked in the
light theme, then switched to dark through prefers-color-scheme (what static/js/theme.js
follows), so the switch without a reload is exercised too. Reduced motion: Bootstrap then
drops its colour transitions, which axe would otherwise catch half-way.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from accountability.models import Commitment, CommitmentStatus
from accountability.services import commitment_review, invitation_token
from meetings import services as meeting_services
from meetings.models import Cadence

from ..accountability.test_permissions import FEEDBACK_CODE, GONE, OK, PAGES, UNAUTHORIZED, ctx  # noqa: F401
from ..twofactor import admin_sign_in
from .conftest import DESKTOP, PHONE, WAIT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text(encoding="utf-8")

# Answers that download a file rather than show a page.
DOWNLOADS = {
    "team_dashboard_export",
    "survey_results_export",
    "mfa_download_recovery_codes",
    "data_export_download",
    "calendar_feed",
}
# Not pages of ours: the Django admin's own templates, and the health check's JSON.
NOT_OURS = {"admin:index", "healthz"}
# The same page for whoever is signed in (allauth's account and two-factor pages): checked
# once, for the first persona below that reaches it, to keep the run short.
SAME_FOR_EVERYONE = ("account_", "mfa_", "socialaccount_")
SHOWN = {OK, GONE, UNAUTHORIZED}

# The outsider (an account in no team) is checked on the pages only it sees as it does (home).
PERSONAS = ["anonymous", "member", "manager", "org_admin", "outsider"]

# Findings below "serious" that stay, each with the reason (rule id -> why). Empty: none stay.
EXPLAINED: dict[str, str] = {}

# The main journeys, checked on a phone too (the desktop run checks every page).
PHONE_PAGES = {
    "anonymous": ["login", "account_reset_password", "feedback_follow_up", "survey_answer"],
    "member": ["this_week", "history", "team_detail", "feedback_new", "survey_list", "team_updates", "profile"],
    "manager": ["team_dashboard", "checkin_detail", "feedback_inbox", "survey_results", "team_members"],
    "org_admin": ["team_list", "dashboard_overview"],
    "outsider": ["home"],
}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").replace(/\\s+/g, " ")),
  }));
}"""


class Findings:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked: list[str] = []

    def add(self, where: str, violations: list[dict]) -> None:
        self.checked.append(where)
        for violation in violations:
            if violation["impact"] in ("serious", "critical") or violation["id"] not in EXPLAINED:
                nodes = "\n      ".join(violation["nodes"])
                self.failures.append(
                    f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}\n      {nodes}"
                )

    def assert_none(self) -> None:
        assert self.checked
        assert not self.failures, f"{len(self.failures)} axe finding(s):\n" + "\n".join(self.failures)


def _context(new_context, viewport: dict, *, phone: bool = False) -> BrowserContext:
    options = {"viewport": viewport, "bypass_csp": True, "reduced_motion": "reduce", "color_scheme": "light"}
    if phone:
        options.update(is_mobile=True, has_touch=True)
    context = new_context(**options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    context.add_init_script(script=AXE)
    return context


def _sign_in(context: BrowserContext, base_url: str, persona: str, user) -> None:
    if user is None:
        return
    client = Client()
    if persona == "org_admin":
        admin_sign_in(client, user)
    else:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def check(page: Page, where: str, findings: Findings) -> None:
    """axe on the page as it is, in the light theme and then the dark one."""
    # Every <details> open (the charts' tables, the review forms): checked too, not skipped as hidden.
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
        findings.add(f"{where} ({scheme})", page.evaluate(RUN_AXE))
    page.emulate_media(color_scheme="light")


def visit(page: Page, url: str, where: str, findings: Findings) -> None:
    page.goto(url, wait_until="load")
    check(page, where, findings)


def _matrix_pages(ctx, persona: str, seen: set[str]) -> list[tuple[str, str]]:  # noqa: F811
    pages = []
    for name, row in PAGES.items():
        if row.method != "get" or name in DOWNLOADS or name in NOT_OURS or row.expect[persona] not in SHOWN:
            continue
        if persona == "outsider" and row.expect["member"] in SHOWN:
            continue
        if name.startswith(SAME_FOR_EVERYONE):
            if name in seen:
                continue
            seen.add(name)
        pages.append((name, row.url(ctx)))
    return pages


@pytest.fixture
def one_to_one(ctx):  # noqa: F811
    team = ctx["team"]
    personas = ctx["personas"]
    from datetime import time

    return meeting_services.series_start(
        team=team,
        actor=personas["manager"],
        other=personas["member"],
        cadence=Cadence.WEEKLY,
        weekday=3,
        local_time=time(10, 0),
    )


def _extra_pages(ctx, persona: str, one_to_one) -> list[tuple[str, str]]:  # noqa: F811
    """Pages the matrix reaches only with unusable tokens, or not at all."""
    people = ctx["personas"]
    if persona == "anonymous":
        member = people["member"]
        reset_key = default_token_generator.make_token(member)
        return [
            ("invitation_accept (valid)", reverse("invitation_accept", args=[invitation_token(ctx["invitation"])])),
            (
                "account_reset_password_from_key (valid)",
                reverse("account_reset_password_from_key", args=[user_pk_to_url_str(member), reset_key]),
            ),
            ("404", "/no-such-page/"),
        ]
    if persona in ("member", "manager"):
        meeting = one_to_one.meetings.filter(status="planned").order_by("starts_at").first()
        # A renegotiated commitment: its detail page shows the chain, the current one highlighted.
        commitment = ctx["commitment"]
        if commitment.status == CommitmentStatus.OPEN:
            commitment_review(
                commitment=commitment,
                actor=people["member"],
                status=CommitmentStatus.RENEGOTIATED,
                note="The release moved a week",
                new_due_date=commitment.due_date + timedelta(days=7),
            )
        successor = Commitment.objects.get(renegotiated_from=commitment)
        return [
            ("commitment_detail (renegotiated)", reverse("commitment_detail", args=[successor.pk])),
            ("meetings_index", reverse("meetings_index")),
            ("team_meetings", reverse("team_meetings", args=[ctx["team"].slug])),
            ("meeting_series", reverse("meeting_series", args=[one_to_one.pk])),
            ("meeting_detail", reverse("meeting_detail", args=[one_to_one.pk, meeting.pk])),
        ]
    return []


def _journeys(page: Page, base_url: str, persona: str, team_slug: str, findings: Findings) -> None:
    """Pages reached by doing something: the writer's follow-up code, feedback just sent."""
    if persona == "anonymous":
        # A form sent with mistakes: the errors and the invalid fields are checked too.
        page.goto(base_url + reverse("login"))
        page.get_by_label("Email address").fill("nobody@example.org")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert").or_(page.locator(".alert, .invalid-feedback")).first).to_be_visible()
        check(page, "login (refused)", findings)
        page.goto(base_url + reverse("feedback_follow_up"))
        page.get_by_label("Your follow-up code").fill(FEEDBACK_CODE)
        page.get_by_role("button", name="Open the conversation").click()
        expect(page.get_by_label("Your answer")).to_be_visible()
        check(page, "feedback_follow_up_shown (the writer's conversation)", findings)
    if persona == "member":
        # The check-in sent without a mood: asked for it, nothing typed lost.
        page.goto(base_url + reverse("this_week", args=[team_slug]))
        page.get_by_label("Highlights").fill("Shipped the importer")
        page.get_by_role("button", name="Submit check-in").click()
        expect(page.locator(".form-error, .invalid-feedback").first).to_be_visible()
        check(page, "this_week (check-in without a mood)", findings)
        page.goto(base_url + reverse("feedback_new"))
        page.get_by_label("Which team is it for?").select_option(label="Platform")
        page.get_by_label("Concern").check()
        page.get_by_label("Your feedback").fill("The stand-up could be shorter.")
        page.get_by_role("button", name=re.compile("^Send")).click()
        if not page.locator("#follow-up-code").is_visible():
            # A team too small to stay anonymous in asks once more, naming the admins.
            check(page, "feedback_new (asking to confirm)", findings)
            page.get_by_role("button", name=re.compile("^Send")).click()
        expect(page.locator("#follow-up-code")).to_be_visible()
        check(page, "feedback_sent (the follow-up code)", findings)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_passes_axe_in_both_themes(live_server, new_context, ctx, one_to_one, persona):  # noqa: F811
    """Every page on a desktop; the main journeys on a phone too (PHONE_PAGES)."""
    user = ctx["personas"][persona]
    findings = Findings()

    desktop = _context(new_context, DESKTOP)
    _sign_in(desktop, live_server.url, persona, user)
    page = desktop.new_page()
    # The account pages look alike for everyone signed in (SAME_FOR_EVERYONE): the member's run
    # checks them, the anonymous one their signed-out versions.
    seen = (
        set() if persona in ("anonymous", "member") else {name for name in PAGES if name.startswith(SAME_FOR_EVERYONE)}
    )
    for name, url in _matrix_pages(ctx, persona, seen) + _extra_pages(ctx, persona, one_to_one):
        visit(page, live_server.url + url, f"{persona} {name}", findings)
    _journeys(page, live_server.url, persona, ctx["team"].slug, findings)
    desktop.close()

    phone = _context(new_context, PHONE, phone=True)
    _sign_in(phone, live_server.url, persona, user)
    page = phone.new_page()
    for index, name in enumerate(PHONE_PAGES[persona]):
        visit(page, live_server.url + PAGES[name].url(ctx), f"{persona} {name} (phone)", findings)
        if persona != "anonymous" and index == 0:
            # The navigation opened, as a thumb would: its links are checked too.
            page.get_by_role("button", name="Show navigation").click()
            expect(page.locator("#main-nav")).to_be_visible()
            check(page, f"{persona} {name} (phone, navigation open)", findings)

    print(f"{persona}: {len(findings.checked)} axe runs")  # noqa: T201 - shown with -s: the run's size
    findings.assert_none()


def test_axe_would_see_a_violation(live_server, new_context):
    """The checks above can fail: an image without a text alternative is a critical finding."""
    context = _context(new_context, DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/x.png';"
        " document.querySelector('main').append(img); }"
    )
    findings = Findings()
    check(page, "login with an unlabelled image", findings)
    assert any("image-alt" in failure and "critical" in failure for failure in findings.failures)
