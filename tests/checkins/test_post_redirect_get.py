"""Post/redirect/get on every check-ins page: a form post that changes something is answered
with a redirect (htmx requests get their partial), so the page a person then sees, and
reloads, comes from a GET. A reload never sends the form again: no second check-in, comment,
commitment or history row.

`_browser_submit` does what a browser does: it posts the form and follows any redirect with a
GET; reloading repeats the request that produced the page on screen. Were a page the direct
answer to a POST, its reload would post again, and these tests would see the second row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Count, Q, Sum
from django.urls import reverse

from accountability.models import Commitment, CommitmentEvent, CommitmentStatus
from accountability.weeks import Week
from checkins.models import CheckIn, Comment

from ..factories import CheckInFactory, CommitmentFactory

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # Wednesday of 2026-W11 in London
WEEK = Week(date(2026, 3, 9))
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@dataclass
class Page:
    response: object
    reload: Callable[[], object]


def _browser_submit(client, url: str, data: dict) -> Page:
    response = client.post(url, data, follow=True)
    if response.redirect_chain:
        shown = response.redirect_chain[-1][0]
        return Page(response, lambda: client.get(shown))
    # The page on screen is the answer to the POST: reloading posts the form again.
    return Page(response, lambda: client.post(url, data))


def _rows() -> tuple[int, ...]:
    """What a post may have created or changed: rows, check-in versions, acknowledgements."""
    checkins = CheckIn.objects.aggregate(
        versions=Sum("version"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        answered=Count("pk", filter=Q(support_answered_at__isnull=False)),
    )
    return (
        CheckIn.objects.count(),
        checkins["versions"] or 0,
        checkins["acknowledged"],
        checkins["answered"],
        Comment.objects.count(),
        Commitment.objects.count(),
        CommitmentEvent.objects.count(),
    )


@dataclass
class Form:
    persona: str
    url: str
    data: dict
    shown: str  # on the page after the redirect: the thing done


def _checkin_submit(team, member, manager) -> Form:
    return Form(
        "member", reverse("this_week", args=[team.slug]), {"mood": "4", "highlights": "PRG-HIGHLIGHT"}, "PRG-HIGHLIGHT"
    )


def _checkin_update(team, member, manager) -> Form:
    CheckInFactory(member=member, team=team, week=WEEK.start, highlights="Before")
    return Form(
        "member",
        reverse("this_week", args=[team.slug]),
        {"mood": "2", "highlights": "PRG-UPDATED", "version": "1"},
        "PRG-UPDATED",
    )


def _commitment_add(team, member, manager) -> Form:
    return Form("member", reverse("commitment_add", args=[team.slug]), {"title": "PRG-COMMITMENT"}, "PRG-COMMITMENT")


def _review(team, member, manager) -> Form:
    commitment = CommitmentFactory(owner=member, team=team, week=WEEK.start, title="PRG-REVIEWED")
    data = {"status": "partly_done", "obstacle": "PRG-OBSTACLE"}
    return Form("member", reverse("commitment_review", args=[commitment.pk]), data, "Thank you for the honest update")


def _renegotiate(team, member, manager) -> Form:
    commitment = CommitmentFactory(owner=member, team=team, week=WEEK.previous().start, title="PRG-MOVED")
    data = {"status": "renegotiated", "new_due_date": "2026-03-20", "note": "Scope grew"}
    return Form("member", reverse("commitment_review", args=[commitment.pk]), data, "Renegotiated to Fri 20 Mar")


def _undo(team, member, manager) -> Form:
    commitment = CommitmentFactory(owner=member, team=team, week=WEEK.start, status=CommitmentStatus.DONE)
    return Form("member", reverse("commitment_reopen", args=[commitment.pk]), {}, "Reopened")


def _propose(team, member, manager) -> Form:
    data = {"owner": member.pk, "title": "PRG-PROPOSAL"}
    return Form("manager", reverse("commitment_propose", args=[team.slug]), data, "Proposed to Mia Member")


def _proposal_answer(team, member, manager) -> Form:
    proposal = CommitmentFactory(owner=member, team=team, created_by=manager, status=CommitmentStatus.PROPOSED)
    return Form("member", reverse("proposal_respond", args=[proposal.pk]), {"decision": "decline"}, "Declined.")


def _checkin_reply(persona: str):
    def form(team, member, manager) -> Form:
        checkin = CheckInFactory(member=member, team=team, week=WEEK.start)
        return Form(persona, reverse("checkin_reply", args=[checkin.pk]), {"body": "PRG-REPLY"}, "PRG-REPLY")

    return form


def _commitment_reply(persona: str):
    def form(team, member, manager) -> Form:
        commitment = CommitmentFactory(owner=member, team=team, week=WEEK.start)
        return Form(persona, reverse("commitment_reply", args=[commitment.pk]), {"body": "PRG-REPLY"}, "PRG-REPLY")

    return form


def _acknowledge(team, member, manager) -> Form:
    checkin = CheckInFactory(member=member, team=team, week=WEEK.start, submitted_at=NOW - timedelta(hours=1))
    return Form("manager", reverse("checkin_acknowledge", args=[checkin.pk]), {}, "Acknowledged.")


def _support_answered(team, member, manager) -> Form:
    checkin = CheckInFactory(member=member, team=team, week=WEEK.start, support_requested="Pairing")
    return Form("manager", reverse("checkin_support_answered", args=[checkin.pk]), {}, "Marked as answered.")


FORMS = {
    "check-in submit": _checkin_submit,
    "check-in update": _checkin_update,
    "commitment add": _commitment_add,
    "review": _review,
    "renegotiate": _renegotiate,
    "undo": _undo,
    "propose": _propose,
    "proposal answer": _proposal_answer,
    "check-in reply (manager)": _checkin_reply("manager"),
    "check-in answer (member)": _checkin_reply("member"),
    "commitment reply (manager)": _commitment_reply("manager"),
    "commitment answer (member)": _commitment_reply("member"),
    "acknowledge": _acknowledge,
    "support answered": _support_answered,
}


@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_post_redirects_and_a_reload_changes_nothing(client, team, member, manager, name):
    form = FORMS[name](team, member, manager)
    client.force_login({"member": member, "manager": manager}[form.persona])
    before = _rows()

    page = _browser_submit(client, form.url, form.data)

    assert [status for _, status in page.response.redirect_chain] == [302]
    assert page.response.status_code == 200
    assert form.shown in page.response.content.decode()
    after = _rows()
    assert after != before
    for _ in range(2):
        assert page.reload().status_code == 200
        assert _rows() == after


@pytest.mark.parametrize("name", ["commitment add", "review", "renegotiate", "undo", "check-in reply (manager)"])
def test_an_htmx_post_gets_its_partial_and_the_same_post_without_htmx_a_redirect(client, team, member, manager, name):
    form = FORMS[name](team, member, manager)
    client.force_login({"member": member, "manager": manager}[form.persona])

    response = client.post(form.url, form.data, **HTMX)

    if name == "commitment add":  # no htmx on this form: a redirect either way
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert "<html" not in response.content.decode()


@pytest.mark.parametrize(
    ("factory", "data"),
    [
        (_commitment_add, {"title": ""}),
        (_checkin_submit, {"mood": "9", "highlights": "Kept"}),
        (_renegotiate, {"status": "renegotiated", "new_due_date": "", "note": "Kept"}),
        (_checkin_reply("manager"), {"body": "   "}),
        (_commitment_reply("member"), {"body": ""}),
    ],
)
def test_a_refused_post_shows_what_to_fix_and_sending_it_again_creates_nothing(
    client, team, member, manager, factory, data
):
    form = factory(team, member, manager)
    client.force_login({"member": member, "manager": manager}[form.persona])
    before = _rows()

    page = _browser_submit(client, form.url, data)

    # The form, with its errors and what was typed: the one page that answers a POST, and
    # reloading it (the browser asks first) posts the same refused data again.
    assert page.response.status_code == 422
    assert page.response.redirect_chain == []
    assert page.reload().status_code == 422
    assert _rows() == before
