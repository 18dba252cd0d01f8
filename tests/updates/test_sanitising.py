"""Stored XSS attempts render inert, in pages and in HTML emails; bad input gets a clear message
and what was typed is kept."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accountability.models import OutboundEmail
from accountability.outbox import outbox_sweep
from updates import digest, services
from updates.markdown import render_markdown
from updates.models import Update

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[click](javascript:alert(3))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
    '<a href="https://example.org" onclick="alert(5)">hi</a>',
    "![pic](javascript:alert(6))",
    "<iframe src=https://evil.example></iframe>",
]


class _Elements(HTMLParser):
    """What a browser would build from the HTML: its elements and their attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _inert(html: str) -> None:
    """No element that runs or loads anything, no event handler, no script URL: text that
    looks like an attack may remain, escaped, which is how it should read."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in ("script", "iframe", "img", "object", "embed", "style"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert (value or "").split(":")[0].lower() in ("http", "https", "mailto") or value.startswith("/"), (
                    value
                )


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_renders_attacks_inert(attack):
    _inert(render_markdown(attack))


def test_markdown_keeps_what_people_mean():
    html = render_markdown("**Decided**: [the doc](https://example.org/doc)\n\n- one\n- two")
    assert "<strong>Decided</strong>" in html
    assert 'href="https://example.org/doc"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html
    # Raw HTML is shown as text, not dropped silently.
    assert "&lt;script&gt;" in render_markdown("<script>x</script>")


def test_stored_attack_is_inert_on_the_update_page_and_the_week_page(client, team, manager, member):
    body = "\n\n".join(ATTACKS)
    update = services.update_post(author=manager, team=team, title="<script>alert('t')</script>", body=body)
    client.force_login(member)
    week = client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert "&lt;script&gt;alert" in week
    page = client.get(reverse("update_detail", args=[update.pk])).content.decode()
    article = page[page.index("<article") : page.index("</article>")]
    _inert(article)


def test_stored_attack_is_inert_in_the_digest_email(team, manager, member, settings):
    from datetime import UTC, datetime, timedelta

    import time_machine

    # Tuesday of one week; the digest goes on the Monday after, 08:00 team time.
    posted = datetime(2026, 3, 3, 12, tzinfo=UTC)
    with time_machine.travel(posted, tick=False):
        services.update_post(author=manager, team=team, title="<b>T</b>", body="\n\n".join(ATTACKS), now=posted)
        member.memberships.update(joined_at=posted - timedelta(days=30))
    monday = datetime(2026, 3, 9, 9, tzinfo=UTC)
    with time_machine.travel(monday, tick=False):
        assert digest.updates_digest_dispatch(now=monday) == 1
        assert digest.updates_digest_dispatch(now=monday) == 0  # never twice
    email = OutboundEmail.objects.get(kind="updates_digest")
    assert email.to_email == member.email
    from django.core import mail

    outbox_sweep()
    html = mail.outbox[-1].alternatives[0][0]
    _inert(html)
    assert "&lt;b&gt;T&lt;/b&gt;" in html


def test_a_ten_thousand_character_update_is_refused_kindly_and_kept(client, team, manager):
    client.force_login(manager)
    body = "word " * 2000
    response = client.post(reverse("update_new", args=[team.slug]), {"title": "Long", "body": body})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Updates are short: at most 5,000 characters, and this one has 9,999" in page
    assert body.strip()[:200] in page  # nothing typed is lost
    assert not Update.objects.exists()


def test_posting_redirects_to_the_update(client, team, manager):
    client.force_login(manager)
    response = client.post(reverse("update_new", args=[team.slug]), {"title": "Plans", "body": "We *decided*."})
    update = Update.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("update_detail", args=[update.pk])
    assert "<em>decided</em>" in update.body_html
