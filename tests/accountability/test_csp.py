"""The Content-Security-Policy header, and templates that need nothing inline (issue 12). The
browser check of every page is tests/e2e/test_content_security_policy.py."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Emails are exempt: mail clients drop <style> blocks, so inline styles are all an email has.
PAGES = [path for path in TEMPLATES.rglob("*.html") if "emails" not in path.relative_to(TEMPLATES).parts]
INLINE = {
    "an inline <style> element": re.compile(r"<style\b", re.I),
    "a style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
}


def test_there_are_templates_to_check():
    assert len(PAGES) > 50


@pytest.mark.parametrize("template", PAGES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_needs_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(TEMPLATES)} has {', '.join(found)}"


def _directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_a_strict_policy(client, member, team, signed_in):
    if signed_in:
        client.force_login(member)
    url = reverse("this_week", args=[team.slug]) if signed_in else reverse("account_login")
    response = client.get(url)
    assert response.status_code == 200
    directives = _directives(response)
    assert directives["default-src"] == "default-src 'self'"
    assert directives["script-src"] == "script-src 'self'"
    assert directives["style-src"] == "style-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["object-src"] == "object-src 'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_htmx_is_told_not_to_inject_its_indicator_style(client, member, team):
    """htmx reads the first htmx-config meta only: every page's one (the base's, or a page's
    own with its response handling) turns the injected style off, and there is only one."""
    client.force_login(member)
    for url in (reverse("profile"), reverse("this_week", args=[team.slug])):
        html = client.get(url).content.decode()
        configs = re.findall(r"<meta name=\"htmx-config\"\s+content='([^']*)'>", html)
        assert len(configs) == 1, url
        assert json.loads(configs[0])["includeIndicatorStyles"] is False
    assert "htmx-2.0.11/htmx.min.js" in html
    assert json.loads(configs[0])["responseHandling"]  # the week page's own, kept
