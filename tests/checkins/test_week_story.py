"""The week page keeps its story: what was reviewed during a week stays on that week's page
with how it went and an undo, and History shows the current week once there is something in
it. Through the test client, with and without htmx.

The team (`team` fixture) lives in Europe/London; 2026-W11 runs Mon 9 – Sun 15 March.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from accountability import services as core_services
from accountability.models import Commitment, CommitmentStatus
from accountability.weeks import Week
from checkins import services

WEDNESDAY = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
THIS_WEEK = Week(date(2026, 3, 9))
LAST_WEEK = THIS_WEEK.previous()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(WEDNESDAY, tick=False)
    return time_machine


@pytest.fixture
def carried(frozen, member, team) -> Commitment:
    """Made last week, still open: waiting for review on "This week"."""
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    commitment = core_services.commitment_create(
        team=team, owner=member, actor=member, title="Clean up the flaky tests", due_date=date(2026, 3, 6)
    )
    frozen.move_to(WEDNESDAY)
    return commitment


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _this_week(client, team) -> str:
    return client.get(reverse("this_week", args=[team.slug])).content.decode()


def _review(commitment, status, **kwargs) -> Commitment:
    return core_services.commitment_review(commitment=commitment, actor=commitment.owner, status=status, **kwargs)


# --- "This week" keeps what was reviewed -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "data", "badge"),
    [
        ("done", {}, "Done"),
        ("partly_done", {"obstacle": "Two incidents"}, "Partly done"),
        ("not_done", {"help_wanted": "A quiet day"}, "Not done yet"),
        ("let_go", {"note": "Not mine to do"}, "Let go, with a lesson"),
        (
            "renegotiated",
            {"new_due_date": "2026-03-20", "note": "The CI upgrade came first"},
            "Renegotiated to Fri 20 Mar",
        ),
    ],
)
def test_a_reviewed_commitment_stays_on_this_week_with_its_outcome_after_a_reload(
    client, member, team, carried, status, data, badge
):
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[carried.pk]), {"status": status, **data})
    assert response.status_code == 302

    for _ in range(2):  # the page after the redirect, then a reload
        html = _this_week(client, team)
        assert 'id="carried-heading"' not in html
        reviewed = _section(html, "reviewed-heading")
        assert f'id="commitment-{carried.pk}"' in reviewed
        assert f'<span class="badge status-{status} flex-shrink-0">{badge}</span>' in reviewed
        # An outcome can be taken back; a renegotiation goes on in its successor instead.
        assert (reverse("commitment_reopen", args=[carried.pk]) in reviewed) is (status != "renegotiated")
    if status == "renegotiated":
        successor = Commitment.objects.get(renegotiated_from=carried)
        assert f'id="commitment-{successor.pk}"' in _section(html, "commitments-heading")


def test_undo_without_javascript_puts_it_back_to_wait_for_review(client, member, team, carried):
    _review(carried, CommitmentStatus.PARTLY_DONE, obstacle="Meetings")
    client.force_login(member)
    assert f'id="commitment-{carried.pk}"' in _section(_this_week(client, team), "reviewed-heading")

    response = client.post(reverse("commitment_reopen", args=[carried.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("this_week", args=[team.slug]) + f"#commitment-{carried.pk}"
    html = client.get(response["Location"]).content.decode()
    assert "Reopened: it waits for your review again." in html
    assert f'id="commitment-{carried.pk}"' in _section(html, "carried-heading")
    assert 'id="reviewed-heading"' not in html
    carried.refresh_from_db()
    assert (carried.status, carried.resolved_on) == (CommitmentStatus.OPEN, None)


def test_undo_with_htmx_returns_the_row_open_again(client, member, team, carried):
    _review(carried, CommitmentStatus.DONE)
    client.force_login(member)

    response = client.post(reverse("commitment_reopen", args=[carried.pk]), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.count('id="commitment-') == 1
    assert "status-open" in html
    assert "How did it go?" in html
    assert reverse("commitment_reopen", args=[carried.pk]) not in html  # nothing left to undo
    carried.refresh_from_db()
    assert carried.status == CommitmentStatus.OPEN


def test_an_htmx_review_of_a_carried_commitment_offers_the_undo_in_its_row(client, member, carried):
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[carried.pk]), {"status": "not_done"}, **HTMX)

    html = response.content.decode()
    assert "Not done yet" in html
    assert f"made in week {LAST_WEEK.number}" in html
    assert reverse("commitment_reopen", args=[carried.pk]) in html


def test_undo_twice_is_a_message_not_an_error(client, member, team, carried):
    _review(carried, CommitmentStatus.DONE)
    client.force_login(member)
    client.post(reverse("commitment_reopen", args=[carried.pk]))

    response = client.post(reverse("commitment_reopen", args=[carried.pk]), follow=True)

    assert response.status_code == 200
    assert "can&#x27;t be reopened" in response.content.decode()
    assert client.post(reverse("commitment_reopen", args=[carried.pk]), **HTMX).status_code == 200


def test_changing_an_outcome_reviewed_this_week_stays_on_this_week(client, member, team, carried):
    _review(carried, CommitmentStatus.NOT_DONE)
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[carried.pk]), {"status": "done"})

    assert response["Location"] == reverse("this_week", args=[team.slug]) + f"#commitment-{carried.pk}"


def test_a_past_week_shows_what_was_reviewed_during_it(client, frozen, member, team):
    frozen.move_to(WEDNESDAY - timedelta(days=14))
    older = core_services.commitment_create(team=team, owner=member, actor=member, title="Write the runbook")
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    _review(older, CommitmentStatus.LET_GO, note="Nobody reads it")
    frozen.move_to(WEDNESDAY)
    client.force_login(member)

    html = client.get(reverse("week", args=[team.slug, LAST_WEEK.label])).content.decode()
    assert "Reviewed that week" in html
    assert f'id="commitment-{older.pk}"' in _section(html, "reviewed-heading")
    assert 'id="reviewed-heading"' not in _this_week(client, team)


def test_a_declined_proposal_is_not_a_review(client, frozen, member, manager, team):
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    proposal = core_services.commitment_create(team=team, owner=member, actor=manager, title="Run the retro")
    frozen.move_to(WEDNESDAY)
    core_services.commitment_respond_to_proposal(commitment=proposal, actor=member, accept=False)
    client.force_login(member)

    assert 'id="reviewed-heading"' not in _this_week(client, team)


# --- History includes the current week once there is something in it -----------------------------


def _history(client, team):
    return client.get(reverse("history", args=[team.slug]))


def test_history_leaves_out_an_empty_current_week(client, frozen, member, team):
    client.force_login(member)
    response = _history(client, team)
    assert response.context["weeks"] == []
    assert "No past weeks yet." in response.content.decode()


def test_history_shows_the_current_week_once_the_check_in_is_saved(client, frozen, member, team):
    client.force_login(member)
    client.post(reverse("this_week", args=[team.slug]), {"mood": "4", "highlights": "HIGHLIGHT-9921"})

    response = _history(client, team)

    [item] = response.context["weeks"]
    assert item.week == THIS_WEEK
    html = response.content.decode()
    assert "HIGHLIGHT-9921" in html
    assert "this week, so far" in html
    assert f'href="{reverse("this_week", args=[team.slug])}">Open week' in html


def test_history_shows_the_current_week_with_a_commitment_made_in_it(client, frozen, member, team):
    core_services.commitment_create(team=team, owner=member, actor=member, title="Pair on billing")
    client.force_login(member)

    [item] = _history(client, team).context["weeks"]

    assert item.week == THIS_WEEK
    assert [c.title for c in item.commitments] == ["Pair on billing"]
    assert item.checkin is None


def test_history_shows_the_current_week_when_only_a_review_happened_in_it(client, member, team, carried):
    _review(carried, CommitmentStatus.RENEGOTIATED, new_due_date=date(2026, 3, 13), note="Blocked on CI")
    client.force_login(member)
    successor = Commitment.objects.get(renegotiated_from=carried)
    # The successor is made this week; take it away to leave the review alone in the week.
    Commitment.objects.filter(pk=successor.pk).update(week=LAST_WEEK.start)

    response = _history(client, team)

    this_week, last_week = response.context["weeks"]
    assert (this_week.week, last_week.week) == (THIS_WEEK, LAST_WEEK)
    assert this_week.commitments == [] and this_week.checkin is None
    assert [c.pk for c in this_week.reviewed] == [carried.pk]
    html = response.content.decode()
    assert "Reviewed from earlier weeks" in html
    assert "Renegotiated to Fri 13 Mar" in html
    assert carried.pk in [c.pk for c in last_week.commitments]


def test_a_managers_view_of_someones_history_includes_the_current_week(client, frozen, member, manager, team):
    services.checkin_submit(member=member, team=team, week=THIS_WEEK, mood=3)
    client.force_login(manager)

    [item] = client.get(reverse("member_history", args=[team.slug, member.pk])).context["weeks"]

    assert item.week == THIS_WEEK and item.checkin is not None
