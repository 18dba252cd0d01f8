"""Browser-only fixtures: bounded waits, a desktop and a phone viewport, and the demo data."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

# Every `expect(...)` waits at most this long, so a broken page fails fast instead of hanging.
WAIT_MS = 10_000
expect.set_options(timeout=WAIT_MS)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(page):
    page.set_default_timeout(WAIT_MS)
    page.set_default_navigation_timeout(WAIT_MS)
    page.set_viewport_size(DESKTOP)
    return page


@pytest.fixture
def phone_page(new_context):
    """A separate browser (no shared cookies) the size of a phone."""
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context.new_page()


@pytest.fixture
def demo_site(live_server, settings, test_redis):
    """The live server with the demo organisation, emailing links that point back at it.

    `test_redis` empties the tests' broker database: the app enqueues delivery tasks there that
    no worker takes; the test delivers through the outbox sweep instead.
    """
    settings.SITE_URL = live_server.url
    call_command("seed_demo", stdout=io.StringIO())
    mail.outbox = []
    return live_server.url
