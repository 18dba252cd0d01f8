"""Subjects and text parts are plain text: a name arrives as written, never HTML-escaped
("O&#x27;Brien &amp; Co"); the HTML part is escaped as ever (issue 12)."""

import pytest
from django.core import mail
from django.template.loader import render_to_string

from accountability import outbox, services
from accountability.models import OutboundEmail, Role

from ..factories import MembershipFactory, TeamFactory

NAME = "Siobhán O'Brien & Co"
TEAM = "R&D <Ops>"


@pytest.fixture
def inviter(db):
    team = TeamFactory(name=TEAM, slug="rnd")
    return MembershipFactory(team=team, role=Role.MANAGER, user__display_name=NAME).user, team


def test_an_invitation_names_people_and_teams_as_written(inviter):
    manager, team = inviter
    services.invitation_send(team=team, email="new@example.org", invited_by=manager)
    [row] = OutboundEmail.objects.filter(kind="invitation")

    assert row.subject == f"{NAME} invited you to {TEAM} on Check-ins"
    assert f"{NAME} invited you to join {TEAM}" in row.body_text
    for escaped in ("&#x27;", "&amp;", "&lt;"):
        assert escaped not in row.subject
        assert escaped not in row.body_text
    # The HTML part escapes, as HTML must.
    assert "O&#x27;Brien &amp; Co" in row.body_html
    assert "R&amp;D &lt;Ops&gt;" in row.body_html

    outbox.outbox_deliver(email_id=row.pk)
    [message] = mail.outbox
    assert message.subject == f"{NAME} invited you to {TEAM} on Check-ins"
    assert NAME in message.body


def test_every_subject_and_text_template_renders_without_escaping():
    """The text engine (settings.TEMPLATES "text") has autoescape off for every template."""
    rendered = render_to_string(
        "emails/added_to_team_subject.txt", {"team": {"name": TEAM}, "site_name": NAME}, using="text"
    )
    assert rendered.strip() == f"You are now in {TEAM} on {NAME}"
