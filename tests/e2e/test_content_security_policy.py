"""Every page of the permission matrix, in Chromium, under the Content-Security-Policy: no
violation reported (issue 12). Chromium reports each refused inline script or style, and
anything loaded from elsewhere, as a console error naming the "Content Security Policy"; a page
that set one off would fail here. Signed-out, member, manager and organisation-admin personas
(the admin with a second-factor session, so the Django admin's pages are visited too)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from ..accountability.test_permissions import PAGES, ctx  # noqa: F401 (ctx is a fixture)
from ..twofactor import admin_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Answers that download a file rather than show a page.
DOWNLOADS = {"team_dashboard_export", "survey_results_export", "mfa_download_recovery_codes", "data_export_download"}
ADMIN_PAGES = [
    "admin:index",
    "admin:accountability_outboundemail_changelist",
    "admin:accountability_team_changelist",
    "admin:accountability_user_changelist",
    "admin:accountability_invitation_changelist",
    "admin:mfa_authenticator_changelist",
]


class Violations:
    def __init__(self, page: Page):
        self.found: list[str] = []
        self.url = ""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"{self.url}: page error {error}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.found.append(f"{self.url}: {message.text}")


def _visit_all(page: Page, base_url: str, urls: list[str]) -> list[str]:
    violations = Violations(page)
    # Nothing may leave this machine: a request elsewhere would be a CSP hole anyway.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    for url in urls:
        violations.url = url
        response = page.goto(base_url + url, wait_until="load")
        assert response is not None
        header = response.header_value("content-security-policy") or ""
        assert "default-src 'self'" in header and "frame-ancestors 'none'" in header, (url, header)
        # Let scripts run (htmx, Bootstrap, charts) and report.
        page.wait_for_timeout(50)
    return violations.found


def _sign_in_browser(page: Page, base_url: str, user, *, second_factor: bool) -> None:
    client = Client()
    if second_factor:
        admin_sign_in(client, user)
    else:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


@pytest.mark.parametrize("persona", ["anonymous", "member", "manager", "org_admin"])
def test_no_page_violates_the_content_security_policy(live_server, page, ctx, persona):  # noqa: F811
    user = ctx["personas"][persona]
    if user is not None:
        _sign_in_browser(page, live_server.url, user, second_factor=persona == "org_admin")
    urls = [page_.url(ctx) for name, page_ in PAGES.items() if page_.method == "get" and name not in DOWNLOADS]
    if persona == "org_admin":
        urls += [reverse(name) for name in ADMIN_PAGES]

    violations = _visit_all(page, live_server.url, urls)

    assert not violations, "\n".join(violations)


def test_a_violation_would_be_seen(live_server, page, settings):
    """The check above can fail: with htmx allowed to inject its indicator <style>, Chromium
    reports the refused inline style on a page that loads htmx."""
    violations = Violations(page)
    page.goto(live_server.url + reverse("account_login"))
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'p{}'; document.head.append(s); }"
    )
    page.wait_for_timeout(100)
    assert any("Content Security Policy" in text for text in violations.found)
