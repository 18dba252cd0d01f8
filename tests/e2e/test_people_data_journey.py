"""People's data in a real browser (issue 19): a member asks for a copy of their data and
downloads it from the emailed link; a manager raises the anonymity threshold and an admin finds
who did it in the audit trail; the admin deletes a member and the team's figures stay."""

import io
import json
import re
import zipfile

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accountability import services
from accountability.models import DataExport, OutboundEmail, User
from dashboard.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from ..twofactor import admin_sign_in
from .test_invitation_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBER = "priya@demo.example"
MANAGER = "maya.manager@demo.example"
ADMIN = "admin@demo.example"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _admin_session(page: Page, base_url: str) -> None:
    """The organisation admin, signed in with their second factor (tests/twofactor.py)."""
    client = Client()
    admin_sign_in(client, User.objects.get(email=ADMIN))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def test_a_member_downloads_their_data_from_the_emailed_link(demo_site, page):
    sign_in(page, demo_site, email=MEMBER, password=DEFAULT_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Priya Nair").click()
    data = page.get_by_role("region", name="Your data")
    expect(data).to_contain_text("Anonymous feedback and survey answers are not in it")
    data.get_by_role("button", name="Email me a copy of my data").click()
    expect(page.get_by_role("status").filter(has_text="We're preparing your data")).to_be_visible()
    expect(page.get_by_role("region", name="Your data")).to_contain_text("being prepared")

    # No worker in this test: build it as the worker would, then follow the emailed link.
    services.data_export_build(export_id=DataExport.objects.get(user__email=MEMBER).pk)
    body = OutboundEmail.objects.get(kind="data_export_ready").body_text
    link = re.search(re.escape(demo_site) + r"/accounts/data/export/\S+/", body).group(0)
    page.reload()
    expect(page.get_by_role("region", name="Your data")).to_contain_text("is ready")

    response = page.context.request.get(link)
    assert response.status == 200
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.body()))
    exported = json.loads(archive.read("data.json"))
    assert exported["account"]["profile"]["email"] == MEMBER
    assert exported["checkins"]["checkins"], "twelve weeks of demo check-ins"
    assert "checkins/checkins.csv" in archive.namelist()


def test_an_admin_reads_who_changed_the_threshold_then_deletes_a_member_and_the_figures_stay(
    demo_site, page, new_context
):
    manager_page = new_context().new_page()
    sign_in(manager_page, demo_site, email=MANAGER, password=DEFAULT_DEMO_PASSWORD)
    manager_page.get_by_role("navigation", name="Main").get_by_role("link", name="Team settings").click()
    manager_page.get_by_label("Anonymity threshold").fill("6")
    manager_page.get_by_role("button", name="Save settings").click()
    expect(manager_page.get_by_role("status").filter(has_text="Team settings saved.")).to_be_visible()

    _admin_session(page, demo_site)
    page.goto(demo_site + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    page.get_by_label("Action").select_option(label="Team settings changed")
    page.get_by_label("Team name contains").fill("Platform")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="anonymity_threshold: 5 → 6")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Maya")
    expect(row).to_contain_text("Platform")

    # The team's figures, then Priya leaves: deleted, not a figure changes.
    page.goto(demo_site + "/teams/platform/dashboard/")
    glance = page.get_by_role("region", name="At a glance")
    follow_through = page.get_by_role("region", name="Follow-through")
    before = (glance.inner_text(), follow_through.inner_text())

    page.goto(demo_site + "/teams/platform/members/")
    page.get_by_role("link", name="Priya Nair").click()
    page.get_by_role("button", name="Delete Priya Nair's personal data").click()
    expect(page.get_by_text("Tick the box to confirm; nothing was deleted.")).to_be_visible()
    page.get_by_label(re.compile("I understand")).check()
    page.get_by_role("button", name="Delete Priya Nair's personal data").click()
    expect(page.get_by_role("status").filter(has_text="former member")).to_be_visible()

    page.goto(demo_site + "/teams/platform/dashboard/")
    assert (glance.inner_text(), follow_through.inner_text()) == before
    assert User.objects.get(display_name="former member").is_active is False
