"""Dark mode and right-to-left (issue 18).

Dark mode: Bootstrap 5.3 colour modes set by static/js/theme.js, following the device
(prefers-color-scheme) until someone chooses in the "Theme" menu; the choice stays in this
browser (localStorage). The theme is set before the page is painted, and the charts take the
theme's colours.

Right-to-left: no RTL catalog ships yet, so the test makes one of Django's right-to-left
languages (Hebrew) the site's language for its duration: LANGUAGE_CODE for the plain request
path, LANGUAGES plus the browser's Accept-Language for when LocaleMiddleware chooses. base.html
then sets dir="rtl" and loads Bootstrap's mirrored stylesheet.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from ..accountability.test_permissions import ctx  # noqa: F401 (a fixture)
from .conftest import DESKTOP, PHONE, WAIT_MS
from .test_weekly_journey import journey  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"

# Runs before any script of the page: notes the theme the moment <body> is first parsed, i.e.
# what the first paint would use.
THEME_AT_FIRST_PAINT = """
new MutationObserver((changes, observer) => {
  if (document.body) {
    window.themeAtFirstPaint = document.documentElement.getAttribute("data-bs-theme");
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def _context(new_context, **options) -> BrowserContext:
    context = new_context(reduced_motion="reduce", **options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return context


def _sign_in(context: BrowserContext, base_url: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def theme(page: Page) -> str | None:
    return page.locator("html").get_attribute("data-bs-theme")


def choose(page: Page, label: str) -> None:
    page.get_by_role("button", name="Theme").click()
    page.get_by_role("button", name=label).click()


def test_the_theme_follows_the_device_until_chosen_and_the_choice_is_remembered(live_server, new_context):
    context = _context(new_context, viewport=DESKTOP, color_scheme="dark")
    context.add_init_script(script=THEME_AT_FIRST_PAINT)
    page = context.new_page()
    login = live_server.url + reverse("login")

    # A device set to dark: dark from the first paint, no flash of white.
    page.goto(login)
    assert page.evaluate("window.themeAtFirstPaint") == "dark"
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(33, 37, 41)"
    expect(page.locator("[data-theme-choice='auto']")).to_have_attribute("aria-pressed", "true")

    # Chosen light: light at once, and still light after a reload and on the next page.
    choose(page, "Light")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    expect(page.locator("[data-theme-choice='light']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-theme-choice='auto']")).to_have_attribute("aria-pressed", "false")
    page.goto(live_server.url + reverse("account_reset_password"))
    assert page.evaluate("window.themeAtFirstPaint") == "light"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    # The device turning light and dark again changes nothing now: the person chose.
    page.emulate_media(color_scheme="light")
    page.emulate_media(color_scheme="dark")
    assert theme(page) == "light"

    # Chosen dark on a device set to light.
    page.emulate_media(color_scheme="light")
    choose(page, "Dark")
    page.reload()
    assert page.evaluate("window.themeAtFirstPaint") == "dark"

    # Back to the device's setting: forgotten, and following the device as it changes.
    choose(page, "As on this device")
    assert page.evaluate("window.localStorage.getItem('checkins-theme')") is None
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")


def test_without_javascript_the_switch_is_not_offered(live_server, new_context):
    page = _context(new_context, viewport=DESKTOP, java_script_enabled=False).new_page()
    page.goto(live_server.url + reverse("login"))
    expect(page.get_by_role("button", name="Theme")).to_have_count(0)


CHART_COLOURS = """() => {
  const chart = Chart.getChart(document.querySelector("canvas[data-chart='checkins']"));
  return {line: chart.data.datasets[0].borderColor, text: Chart.defaults.color};
}"""


def test_the_charts_take_the_theme_s_colours(live_server, new_context, ctx):  # noqa: F811
    context = _context(new_context, viewport=DESKTOP, color_scheme="light")
    _sign_in(context, live_server.url, ctx["personas"]["manager"])
    page = context.new_page()
    page.goto(live_server.url + reverse("team_dashboard", args=[ctx["team"].slug]))
    light = page.evaluate(CHART_COLOURS)
    assert light["line"] == "#0072b2"

    # Switched while the page is open: the same chart, redrawn in the dark theme's colours.
    choose(page, "Dark")
    dark = page.evaluate(CHART_COLOURS)
    assert dark["line"] == "#56b4e9"
    assert dark["text"] != light["text"]
    assert dark["text"] == page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--bs-secondary-color').trim()"
    )


@pytest.fixture
def hebrew(settings):
    settings.LANGUAGE_CODE = "he"
    settings.LANGUAGES = [("en", "English"), ("he", "Hebrew")]
    return settings


LAYOUT = """() => {
  const brand = document.querySelector(".navbar-brand").getBoundingClientRect();
  const heading = document.querySelector("main h1").getBoundingClientRect();
  return {
    dir: document.documentElement.dir,
    rtlSheet: [...document.styleSheets].some((sheet) => (sheet.href || "").endsWith("bootstrap.rtl.min.css")),
    overflow: document.scrollingElement.scrollWidth - window.innerWidth,
    brandRight: window.innerWidth - brand.right,
    brandLeft: brand.left,
    headingRight: window.innerWidth - heading.right,
    headingLeft: heading.left,
  };
}"""


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_the_week_page_in_a_right_to_left_language(hebrew, journey, live_server, new_context, viewport, name):  # noqa: F811
    context = _context(new_context, viewport=viewport, locale="he-IL", is_mobile=name == "phone")
    _sign_in(context, live_server.url, journey.member)
    page = context.new_page()
    page.goto(f"{live_server.url}/teams/{journey.team.slug}/week/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    layout = page.evaluate(LAYOUT)
    assert layout["dir"] == "rtl"
    assert layout["rtlSheet"]
    # Mirrored: the brand and the heading start at the right-hand edge...
    assert layout["brandRight"] < layout["brandLeft"]
    assert layout["headingRight"] < layout["headingLeft"]
    # ...and nothing pushes the page wider than the screen.
    assert layout["overflow"] <= 0
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"rtl-week-{name}.png", full_page=True)
