"""A dispatch renders the text and HTML parts of alike emails once and puts each recipient's
name, address and unsubscribe link in (accountability.outbox._RenderMemo): every email must be
byte for byte what rendering it alone gives, whatever the names hold."""

from datetime import time

import pytest

from accountability import outbox
from accountability.models import OutboundEmail, Role, Weekday
from checkins.services import checkin_reminders_dispatch
from dashboard.digest import manager_digest_dispatch

from ..factories import CheckInFactory, MembershipFactory, TeamFactory
from . import utc

pytestmark = pytest.mark.django_db

REMINDER_DUE = utc(2026, 3, 6, 16, 1)  # Friday 16:01 in London
DIGEST_DUE = utc(2026, 3, 9, 8, 1)  # Monday 08:01 in London
NAMES = ["Siobhán O'Brien & <Co>", 'Ana "Ani" Lima', "", "Zoë", "x" * 150]


@pytest.fixture
def team(db):
    team = TeamFactory(
        name="R&D <Core>", slug="rd", time_zone="Europe/London", checkin_weekday=Weekday.FRIDAY, checkin_time=time(16)
    )
    for number, name in enumerate(NAMES):
        MembershipFactory(
            team=team, role=Role.MEMBER, user__email=f"p{number}+tag@example.org", user__display_name=name
        )
    MembershipFactory(team=team, role=Role.MEMBER, user__email="kolkata@example.org", user__time_zone="Asia/Kolkata")
    for number in range(2):
        MembershipFactory(
            team=team, role=Role.MANAGER, user__email=f"m{number}@example.org", user__display_name=NAMES[number]
        )
    return team


def emails() -> dict[str, tuple[str, str, str, dict]]:
    return {
        row.dedupe_key: (row.subject, row.body_text, row.body_html, row.headers)
        for row in OutboundEmail.objects.order_by("pk")
    }


def each_alone(monkeypatch) -> None:
    monkeypatch.setattr(
        outbox.rendering._RenderMemo,
        "render",
        lambda self, *, kind, context, recipient, zone: outbox.email_render(kind=kind, context=context),
    )


@pytest.mark.parametrize(
    ("dispatch", "at", "count"),
    [(checkin_reminders_dispatch, REMINDER_DUE, len(NAMES)), (manager_digest_dispatch, DIGEST_DUE, 2)],
)
def test_emails_rendered_together_are_those_rendered_alone(team, monkeypatch, time_machine, dispatch, at, count):
    # One member checked in (no reminder), with a blocker (in the digest).
    CheckInFactory(
        member=team.memberships.filter(role=Role.MEMBER).first().user,
        team=team,
        week=at.date().replace(day=2),
        blockers="<b>stuck</b>",
    )
    time_machine.move_to(at, tick=False)
    real, renders = outbox.email_render, []

    def counted(*, kind, context):
        renders.append(kind)
        return real(kind=kind, context=context)

    # The memo renders in outbox.rendering; an email outside a dispatch, in outbox.queue.
    monkeypatch.setattr(outbox.rendering, "email_render", counted)
    monkeypatch.setattr(outbox.queue, "email_render", counted)
    assert dispatch(now=at) == count
    together = emails()
    if dispatch is checkin_reminders_dispatch:
        # London: the first alone, the second alone and with stand-ins, the rest none; Kolkata: one.
        assert len(renders) == 4
    monkeypatch.setattr(outbox.rendering, "email_render", real)
    monkeypatch.setattr(outbox.queue, "email_render", real)
    OutboundEmail.objects.all().delete()
    each_alone(monkeypatch)
    assert dispatch(now=at) == count
    alone = emails()
    assert together == alone
    assert any("Siobhán O&#x27;Brien &amp; &lt;Co&gt;" in html for _, _, html, _ in together.values())
    assert any("Siobhán O'Brien & <Co>" in text for _, text, _, _ in together.values())


def test_a_template_that_changes_the_name_renders_each_email_alone(team, monkeypatch, time_machine):
    """Stand-ins that a template transforms are noticed on the first email: no wrong name goes out."""
    real = outbox.email_render

    def shouting(*, kind, context):
        rendered = real(kind=kind, context=context)
        member = context.get("member")
        if member is None:
            return rendered
        return outbox.RenderedEmail(rendered.subject, rendered.body_text + member.name.upper(), rendered.body_html)

    monkeypatch.setattr(outbox.rendering, "email_render", shouting)
    monkeypatch.setattr(outbox.queue, "email_render", shouting)
    time_machine.move_to(REMINDER_DUE, tick=False)
    assert checkin_reminders_dispatch(now=REMINDER_DUE) == len(NAMES) + 1
    for row in OutboundEmail.objects.select_related("recipient"):
        assert row.body_text.endswith(row.recipient.name.upper())


def test_a_freed_value_never_lends_its_id_to_the_next_email():
    """Unhashable context values (a list of reply authors) are told apart by identity: each must
    stay alive through the dispatch, or the next email's list may get its id and its text."""
    memo = outbox.rendering._RenderMemo()
    keys = {memo._key("replies", {"authors": [n]}, None, "UTC") for n in range(50)}
    assert len(keys) == 50
