"""Commitments: creating, reviewing, renegotiating, reopening, proposals and carry-over.

Services are tested directly; the pages through the test client, with and without htmx.
The team (`team` fixture) lives in Europe/London and checks in on Fridays at 16:00.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accountability import selectors as core_selectors
from accountability import services as core_services
from accountability.models import Commitment, CommitmentEvent, CommitmentSource, CommitmentStatus, Role
from accountability.weeks import Week

from ..factories import MembershipFactory, TeamFactory

# Wednesday of ISO week 2026-W11 (Mon 9 – Sun 15 March); London is on GMT until 29 March.
WEDNESDAY = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
THIS_WEEK = Week(date(2026, 3, 9))
LAST_WEEK = THIS_WEEK.previous()


@pytest.fixture
def frozen():
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller


def _commit(member, title="Write the on-call runbook", **kwargs) -> Commitment:
    kwargs.setdefault("team", member.memberships.get().team)
    return core_services.commitment_create(owner=member, actor=member, title=title, **kwargs)


def _review(commitment, status, **kwargs) -> Commitment:
    return core_services.commitment_review(commitment=commitment, actor=commitment.owner, status=status, **kwargs)


def _events(commitment) -> list[tuple[str, str, str, int]]:
    return [
        (e.from_status, e.to_status, e.note, e.actor_id)
        for e in CommitmentEvent.objects.filter(commitment=commitment).order_by("created_at", "pk")
    ]


def _section(html: str, heading_id: str) -> str:
    """The part of a page from a section's heading to the end of that section."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


# --- Creating --------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   \n\t "])
def test_it_requires_a_title(frozen, member, title):
    with pytest.raises(ValidationError) as exc:
        _commit(member, title=title)
    assert exc.value.message_dict == {"title": ["Give the commitment a short title."]}
    assert not Commitment.objects.exists()


def test_it_refuses_a_title_over_200_characters(frozen, member):
    with pytest.raises(ValidationError) as exc:
        _commit(member, title="x" * 201)
    assert "200 characters" in exc.value.message_dict["title"][0]
    assert _commit(member, title="x" * 200).title == "x" * 200


@pytest.mark.parametrize(
    ("time_zone", "now", "due", "allowed"),
    [
        # 20:00 UTC on Tuesday is already Wednesday morning in Auckland: Tuesday is the past.
        ("Pacific/Auckland", datetime(2026, 3, 10, 20, 0, tzinfo=UTC), date(2026, 3, 10), False),
        ("Pacific/Auckland", datetime(2026, 3, 10, 20, 0, tzinfo=UTC), date(2026, 3, 11), True),
        # 03:00 UTC on Wednesday is still Tuesday evening in Los Angeles: Tuesday is today.
        ("America/Los_Angeles", datetime(2026, 3, 11, 3, 0, tzinfo=UTC), date(2026, 3, 10), True),
        ("America/Los_Angeles", datetime(2026, 3, 11, 3, 0, tzinfo=UTC), date(2026, 3, 9), False),
    ],
)
def test_a_due_date_before_the_team_local_today_is_refused(db, time_zone, now, due, allowed):
    team = TeamFactory(time_zone=time_zone)
    member = MembershipFactory(team=team).user
    with time_machine.travel(now, tick=False):
        if allowed:
            assert _commit(member, team=team, due_date=due).due_date == due
        else:
            with pytest.raises(ValidationError) as exc:
                _commit(member, team=team, due_date=due)
            assert exc.value.message_dict == {"due_date": ["Pick today or a later date."]}


@pytest.mark.parametrize(
    ("time_zone", "now", "sunday"),
    [
        ("Europe/London", WEDNESDAY, date(2026, 3, 15)),
        # Sunday 12:00 UTC is Monday 01:00 in Auckland: the team is in the next week already.
        ("Pacific/Auckland", datetime(2026, 3, 15, 12, 0, tzinfo=UTC), date(2026, 3, 22)),
        # Monday 03:00 UTC is Sunday evening in Los Angeles: still the old week.
        ("America/Los_Angeles", datetime(2026, 3, 16, 3, 0, tzinfo=UTC), date(2026, 3, 15)),
    ],
)
def test_the_default_due_date_is_the_end_of_the_team_week(db, time_zone, now, sunday):
    team = TeamFactory(time_zone=time_zone)
    member = MembershipFactory(team=team).user
    with time_machine.travel(now, tick=False):
        commitment = _commit(member, team=team)
    assert commitment.due_date == sunday
    assert commitment.week == sunday - timedelta(days=6)
    assert commitment.status == CommitmentStatus.OPEN
    assert commitment.source == CommitmentSource.SELF


def test_creating_writes_the_first_history_row(frozen, member):
    commitment = _commit(member)
    event = commitment.events.get()
    assert (event.from_status, event.to_status, event.actor, event.created_at) == (
        "",
        CommitmentStatus.OPEN,
        member,
        WEDNESDAY,
    )


def test_the_page_adds_a_commitment_due_on_sunday_by_default(client, frozen, member, team):
    client.force_login(member)
    response = client.post(
        reverse("commitment_add", args=[team.slug]), {"title": "Pair on the deploy pipeline", "details": ""}
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.title, commitment.due_date, commitment.owner) == (
        "Pair on the deploy pipeline",
        date(2026, 3, 15),
        member,
    )


@pytest.mark.parametrize("title", ["", "    "])
def test_the_page_asks_for_a_title(client, frozen, member, team, title):
    client.force_login(member)
    response = client.post(reverse("commitment_add", args=[team.slug]), {"title": title, "details": "Some details"})
    assert response.status_code == 422
    assert "Give the commitment a short title." in response.content.decode()
    assert "Some details" in response.content.decode()
    assert not Commitment.objects.exists()


def test_the_page_keeps_an_over_long_title_with_a_clear_message(client, frozen, member, team):
    client.force_login(member)
    title = "Migrate the reports job " + "and then some " * 14  # 220 characters
    assert len(title) > 200
    response = client.post(reverse("commitment_add", args=[team.slug]), {"title": title})
    assert response.status_code == 422
    html = response.content.decode()
    assert "at most 200 characters" in html
    assert f'value="{title}"' in html
    assert not Commitment.objects.exists()


def test_the_page_refuses_a_past_due_date(client, frozen, member, team):
    client.force_login(member)
    response = client.post(
        reverse("commitment_add", args=[team.slug]), {"title": "Answer the backlog", "due_date": "2026-03-10"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Pick today or a later date." in html
    assert 'value="Answer the backlog"' in html
    assert not Commitment.objects.exists()


def test_an_outsider_cannot_add_a_commitment_to_the_team(client, frozen, outsider, team):
    client.force_login(outsider)
    response = client.post(reverse("commitment_add", args=[team.slug]), {"title": "Sneak in"})
    assert response.status_code == 404
    assert not Commitment.objects.exists()


# --- Someone else's commitment ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("commitment_review", {"status": "done"}),
        ("commitment_reopen", {}),
        ("proposal_respond", {"decision": "accept"}),
    ],
)
@pytest.mark.parametrize("persona", ["teammate", "manager", "other_manager", "outsider", "org_admin"])
def test_someone_elses_commitment_is_404(client, frozen, personas, url_name, data, persona):
    member = personas["member"]
    commitment = _commit(member)
    if url_name == "commitment_reopen":
        _review(commitment, CommitmentStatus.DONE)
    elif url_name == "proposal_respond":
        commitment = core_services.commitment_create(
            team=commitment.team, owner=member, actor=personas["manager"], title="Run the retro"
        )
    commitment.refresh_from_db()
    before = (commitment.status, commitment.events.count())
    client.force_login(personas[persona])

    response = client.post(reverse(url_name, args=[commitment.pk]), data)

    assert response.status_code == 404
    commitment.refresh_from_db()
    assert (commitment.status, commitment.events.count()) == before


def test_an_unknown_commitment_id_is_404(client, frozen, member):
    client.force_login(member)
    assert client.post(reverse("commitment_review", args=[987654]), {"status": "done"}).status_code == 404


def test_a_manager_cannot_review_a_members_commitment(frozen, member, manager):
    commitment = _commit(member)
    with pytest.raises(ValidationError, match="Only the person who made a commitment"):
        core_services.commitment_review(commitment=commitment, actor=manager, status=CommitmentStatus.DONE)
    with pytest.raises(ValidationError):
        core_services.commitment_reopen(commitment=commitment, actor=manager)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


# --- Review outcomes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "local_day"),
    [
        ("Europe/London", date(2026, 3, 12)),
        ("Pacific/Auckland", date(2026, 3, 13)),  # 20:00 UTC is already Friday morning there
        ("America/Los_Angeles", date(2026, 3, 12)),
    ],
)
def test_done_records_the_team_local_day_and_a_history_row(frozen, db, time_zone, local_day):
    team = TeamFactory(time_zone=time_zone)
    member = MembershipFactory(team=team).user
    commitment = _commit(member, team=team, due_date=date(2026, 3, 14))
    frozen.move_to(datetime(2026, 3, 12, 20, 0, tzinfo=UTC))

    current = _review(commitment, CommitmentStatus.DONE, note="Shipped")

    commitment.refresh_from_db()
    assert current == commitment
    assert commitment.status == CommitmentStatus.DONE
    assert commitment.resolved_on == local_day
    assert commitment.resolved_at == datetime(2026, 3, 12, 20, 0, tzinfo=UTC)
    assert _events(commitment)[-1] == ("open", "done", "Shipped", member.pk)


@pytest.mark.parametrize("status", [CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE])
def test_partly_and_not_done_keep_the_reflection(frozen, member, status):
    commitment = _commit(member)

    _review(commitment, status, obstacle="  An incident took two days ", help_wanted="Protected focus time")

    commitment.refresh_from_db()
    assert commitment.status == status
    assert commitment.obstacle == "An incident took two days"
    assert commitment.help_wanted == "Protected focus time"
    assert commitment.resolved_on == date(2026, 3, 11)
    assert _events(commitment)[-1] == ("open", status, "", member.pk)


def test_let_go_keeps_the_lesson(frozen, member):
    commitment = _commit(member)

    _review(commitment, CommitmentStatus.LET_GO, note="It was not the most important thing")

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.LET_GO
    assert commitment.lesson == "It was not the most important thing"
    assert _events(commitment)[-1] == ("open", "let_go", "It was not the most important thing", member.pk)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"note": "Waiting on the vendor"}, "new_due_date"),
        ({"new_due_date": date(2026, 3, 20)}, "note"),
        ({"new_due_date": date(2026, 3, 20), "note": "   "}, "note"),
        ({"new_due_date": date(2026, 3, 10), "note": "Waiting on the vendor"}, "new_due_date"),
    ],
)
def test_renegotiating_needs_a_new_future_date_and_a_reason(frozen, member, kwargs, field):
    commitment = _commit(member)

    with pytest.raises(ValidationError) as exc:
        _review(commitment, CommitmentStatus.RENEGOTIATED, **kwargs)

    assert list(exc.value.message_dict) == [field]
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN
    assert Commitment.objects.count() == 1
    assert commitment.events.count() == 1


def test_renegotiating_closes_the_row_and_continues_the_chain(frozen, member):
    commitment = _commit(member, due_date=date(2026, 3, 13))

    successor = _review(
        commitment, CommitmentStatus.RENEGOTIATED, new_due_date=date(2026, 3, 18), note="Waiting on the vendor"
    )

    commitment.refresh_from_db()
    assert successor.pk != commitment.pk
    assert commitment.status == CommitmentStatus.RENEGOTIATED
    assert commitment.resolved_on == date(2026, 3, 11)
    assert (successor.status, successor.due_date, successor.title) == (
        CommitmentStatus.OPEN,
        date(2026, 3, 18),
        commitment.title,
    )
    assert successor.renegotiated_from == commitment
    assert successor.chain_root == commitment
    assert successor.week == THIS_WEEK.start
    old_event = commitment.events.last()
    assert (old_event.from_status, old_event.to_status, old_event.note, old_event.actor) == (
        "open",
        "renegotiated",
        "Waiting on the vendor",
        member,
    )
    assert (old_event.old_due_date, old_event.new_due_date) == (date(2026, 3, 13), date(2026, 3, 18))
    new_event = successor.events.get()
    assert (new_event.from_status, new_event.to_status, new_event.note) == ("", "open", "Waiting on the vendor")


@pytest.mark.parametrize(
    ("renegotiated_at", "kept_word"),
    [
        (datetime(2026, 3, 12, 9, 0, tzinfo=UTC), True),  # the day before
        (datetime(2026, 3, 13, 23, 59, tzinfo=UTC), True),  # the due day itself, late evening
        (datetime(2026, 3, 14, 0, 1, tzinfo=UTC), False),  # the day after
    ],
)
def test_renegotiating_by_the_due_date_counts_as_keeping_ones_word(frozen, member, renegotiated_at, kept_word):
    commitment = _commit(member, due_date=date(2026, 3, 13))
    frozen.move_to(renegotiated_at)

    _review(commitment, CommitmentStatus.RENEGOTIATED, new_due_date=date(2026, 3, 20), note="Scope grew")

    commitment.refresh_from_db()
    assert (commitment.resolved_on <= commitment.due_date) is kept_word


def test_a_chain_of_renegotiations_keeps_one_root(frozen, member):
    first = _commit(member, due_date=date(2026, 3, 12))
    current = first
    for days in (7, 14, 21):
        frozen.shift(timedelta(days=1))
        current = _review(
            current, CommitmentStatus.RENEGOTIATED, new_due_date=date(2026, 3, 12) + timedelta(days=days), note="Later"
        )

    rows = list(Commitment.objects.order_by("pk"))
    assert len(rows) == 4
    assert [r.status for r in rows] == ["renegotiated", "renegotiated", "renegotiated", "open"]
    assert {r.chain_root_id for r in rows[1:]} == {first.pk}
    assert [r.renegotiated_from_id for r in rows] == [None, rows[0].pk, rows[1].pk, rows[2].pk]
    chain, events = core_selectors.commitment_chain(rows[2])
    assert [c.pk for c in chain] == [r.pk for r in rows]
    # One creation per row, one renegotiation per closed row.
    assert len(events) == 4 + 3


def test_every_change_is_a_history_row_with_its_time(frozen, member):
    commitment = _commit(member)
    frozen.shift(timedelta(hours=1))
    _review(commitment, CommitmentStatus.DONE)
    frozen.shift(timedelta(hours=1))
    core_services.commitment_reopen(commitment=commitment, actor=member)
    frozen.shift(timedelta(hours=1))
    _review(commitment, CommitmentStatus.NOT_DONE, obstacle="Sick day")

    events = list(commitment.events.order_by("created_at", "pk"))
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
        ("", "open", member.pk),
        ("open", "done", member.pk),
        ("done", "open", member.pk),
        ("open", "not_done", member.pk),
    ]
    assert [e.created_at for e in events] == [WEDNESDAY + timedelta(hours=h) for h in range(4)]


def test_an_outcome_can_be_corrected(frozen, member):
    commitment = _commit(member)
    _review(commitment, CommitmentStatus.NOT_DONE)
    _review(commitment, CommitmentStatus.DONE)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DONE
    assert _events(commitment)[-1][:2] == ("not_done", "done")


def test_a_renegotiated_row_cannot_be_reviewed_again(frozen, member):
    commitment = _commit(member)
    _review(commitment, CommitmentStatus.RENEGOTIATED, new_due_date=date(2026, 3, 20), note="Later")
    with pytest.raises(ValidationError):
        _review(commitment, CommitmentStatus.DONE)
    assert Commitment.objects.get(pk=commitment.pk).status == CommitmentStatus.RENEGOTIATED


def test_reopen_undoes_an_outcome(frozen, member):
    commitment = _commit(member)
    _review(commitment, CommitmentStatus.LET_GO, note="Not needed")

    core_services.commitment_reopen(commitment=commitment, actor=member)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN
    assert commitment.resolved_on is None and commitment.resolved_at is None
    assert _events(commitment)[-1] == ("let_go", "open", "", member.pk)


def test_an_open_commitment_cannot_be_reopened(frozen, member):
    commitment = _commit(member)
    with pytest.raises(ValidationError):
        core_services.commitment_reopen(commitment=commitment, actor=member)
    assert commitment.events.count() == 1


def test_the_reopen_page_reopens(client, frozen, member):
    commitment = _commit(member)
    _review(commitment, CommitmentStatus.DONE)
    client.force_login(member)

    response = client.post(reverse("commitment_reopen", args=[commitment.pk]))

    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


# --- Proposals -------------------------------------------------------------------------


def test_a_managers_proposal_waits_for_the_member(frozen, member, manager, team):
    proposal = core_services.commitment_create(team=team, owner=member, actor=manager, title="Run the retro")
    assert (proposal.status, proposal.source, proposal.created_by) == (
        CommitmentStatus.PROPOSED,
        CommitmentSource.MANAGER,
        manager,
    )
    with pytest.raises(ValidationError):
        _review(proposal, CommitmentStatus.DONE)
    with pytest.raises(ValidationError):
        core_services.commitment_respond_to_proposal(commitment=proposal, actor=manager, accept=True)
    proposal.refresh_from_db()
    assert proposal.status == CommitmentStatus.PROPOSED


@pytest.mark.parametrize(("accept", "status"), [(True, "open"), (False, "declined")])
def test_the_member_accepts_or_declines_a_proposal(frozen, member, manager, team, accept, status):
    proposal = core_services.commitment_create(team=team, owner=member, actor=manager, title="Run the retro")

    core_services.commitment_respond_to_proposal(commitment=proposal, actor=member, accept=accept, note="OK")

    proposal.refresh_from_db()
    assert proposal.status == status
    assert (proposal.resolved_on is None) is accept
    assert _events(proposal) == [("", "proposed", "", manager.pk), ("proposed", status, "OK", member.pk)]
    with pytest.raises(ValidationError, match="already answered"):
        core_services.commitment_respond_to_proposal(commitment=proposal, actor=member, accept=not accept)


def test_a_member_cannot_propose_to_a_teammate(frozen, member, teammate, team):
    with pytest.raises(ValidationError, match="Only the team's managers"):
        core_services.commitment_create(team=team, owner=teammate, actor=member, title="Do my work")
    assert not Commitment.objects.exists()


def test_a_manager_cannot_propose_to_someone_outside_the_team(frozen, manager, outsider, team):
    with pytest.raises(ValidationError):
        core_services.commitment_create(team=team, owner=outsider, actor=manager, title="Join us")
    assert not Commitment.objects.exists()


def test_a_member_gets_404_on_the_propose_page(client, frozen, member, teammate, team):
    client.force_login(member)
    response = client.post(
        reverse("commitment_propose", args=[team.slug]), {"owner": teammate.pk, "title": "Do my work"}
    )
    assert response.status_code == 404
    assert not Commitment.objects.exists()


def test_a_proposal_shows_as_proposed_on_the_members_week_and_can_be_accepted(client, frozen, member, manager, team):
    client.force_login(manager)
    response = client.post(
        reverse("commitment_propose", args=[team.slug]), {"owner": member.pk, "title": "Run the retro"}
    )
    assert response.status_code == 302
    proposal = Commitment.objects.get()
    assert proposal.status == CommitmentStatus.PROPOSED

    client.force_login(member)
    page = client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert "Run the retro" in _section(page, "proposals-heading")
    assert "Run the retro" not in _section(page, "commitments-heading")

    response = client.post(reverse("proposal_respond", args=[proposal.pk]), {"decision": "accept"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == CommitmentStatus.OPEN
    page = client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert 'id="proposals-heading"' not in page
    assert "Run the retro" in _section(page, "commitments-heading")


# --- Carry-over ------------------------------------------------------------------------


def test_an_open_commitment_from_last_week_waits_for_review_labelled_carried_over(client, frozen, member, team):
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    old = _commit(member, title="Clean up the flaky tests")
    frozen.move_to(WEDNESDAY)
    fresh = _commit(member, title="Draft the roadmap notes")
    client.force_login(member)

    page = client.get(reverse("this_week", args=[team.slug])).content.decode()

    waiting = _section(page, "carried-heading")
    assert "Waiting for your review" in waiting
    assert f'id="commitment-{old.pk}"' in waiting
    assert f"carried over from week {LAST_WEEK.number}" in waiting
    assert f'id="commitment-{fresh.pk}"' not in waiting
    this_weeks = _section(page, "commitments-heading")
    assert f'id="commitment-{fresh.pk}"' in this_weeks
    assert "carried over" not in this_weeks


def test_once_reviewed_a_carried_commitment_leaves_the_waiting_list_for_reviewed_this_week(
    client, frozen, member, team
):
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    old = _commit(member, title="Clean up the flaky tests")
    frozen.move_to(WEDNESDAY)
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[old.pk]), {"status": "done"})

    # Without JavaScript the member lands back on the page they reviewed it on.
    assert response.status_code == 302
    assert response["Location"] == reverse("this_week", args=[team.slug]) + f"#commitment-{old.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for your review" not in page
    # Not gone: this week keeps it, with how it went and a way to take that back.
    reviewed = _section(page, "reviewed-heading")
    assert "Reviewed this week" in reviewed
    assert f'id="commitment-{old.pk}"' in reviewed
    assert "Clean up the flaky tests" in reviewed
    assert f"made in week {LAST_WEEK.number}" in reviewed
    assert '<span class="badge status-done flex-shrink-0">Done</span>' in reviewed
    assert reverse("commitment_reopen", args=[old.pk]) in reviewed
    assert "Clean up the flaky tests" not in _section(page, "commitments-heading")
    last_week_page = client.get(reverse("week", args=[team.slug, LAST_WEEK.label])).content.decode()
    assert f'id="commitment-{old.pk}"' in last_week_page


def test_a_settled_commitment_from_last_week_is_not_carried(client, frozen, member, team):
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    _review(_commit(member, title="Clean up the flaky tests"), CommitmentStatus.PARTLY_DONE)
    frozen.move_to(WEDNESDAY)
    client.force_login(member)

    page = client.get(reverse("this_week", args=[team.slug])).content.decode()

    assert "Waiting for your review" not in page


def test_renegotiating_a_carried_commitment_moves_it_into_this_week(client, frozen, member, team):
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    old = _commit(member, title="Clean up the flaky tests")
    frozen.move_to(WEDNESDAY)
    client.force_login(member)

    response = client.post(
        reverse("commitment_review", args=[old.pk]),
        {"status": "renegotiated", "new_due_date": "2026-03-13", "note": "The CI upgrade came first"},
    )

    successor = Commitment.objects.get(renegotiated_from=old)
    assert response["Location"] == reverse("this_week", args=[team.slug]) + f"#commitment-{successor.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for your review" not in page
    assert f'id="commitment-{successor.pk}"' in _section(page, "commitments-heading")


# --- The review page, with and without htmx ---------------------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_htmx_review_returns_the_row(client, frozen, member):
    commitment = _commit(member)
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[commitment.pk]), {"status": "done"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.count('id="commitment-') == 1
    assert f'id="commitment-{commitment.pk}"' in html
    assert "status-done" in html


def test_an_htmx_renegotiation_returns_the_old_row_and_its_successor(client, frozen, member):
    commitment = _commit(member)
    client.force_login(member)

    response = client.post(
        reverse("commitment_review", args=[commitment.pk]),
        {"status": "renegotiated", "new_due_date": "2026-03-20", "note": "Waiting on the vendor"},
        **HTMX,
    )

    assert response.status_code == 200
    successor = Commitment.objects.get(renegotiated_from=commitment)
    html = response.content.decode()
    assert html.index(f'id="commitment-{commitment.pk}"') < html.index(f'id="commitment-{successor.pk}"')
    assert "status-renegotiated" in html
    assert "Fri 20 Mar" in html


def test_htmx_review_errors_come_back_in_the_row_with_the_typed_text(client, frozen, member):
    commitment = _commit(member)
    client.force_login(member)

    response = client.post(
        reverse("commitment_review", args=[commitment.pk]),
        {"status": "renegotiated", "new_due_date": "", "note": "The vendor is three weeks late"},
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" not in html
    assert "Pick the new due date." in html
    assert "The vendor is three weeks late" in html
    assert re.search(r'value="renegotiated"\s+checked', html)  # the choice stays picked
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


def test_a_review_error_without_javascript_shows_the_week_with_the_typed_text(client, frozen, member, team):
    commitment = _commit(member)
    client.force_login(member)

    response = client.post(
        reverse("commitment_review", args=[commitment.pk]),
        {"status": "renegotiated", "new_due_date": "2026-03-01", "note": "The vendor is three weeks late"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html  # the whole page, not a fragment
    assert "Pick today or a later date." in html
    assert "The vendor is three weeks late" in html
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


@pytest.mark.parametrize("status", ["", "finished", "proposed"])
def test_an_unknown_review_status_is_a_clear_error(client, frozen, member, status):
    commitment = _commit(member)
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[commitment.pk]), {"status": status})

    assert response.status_code == 422
    assert "Choose how it went." in response.content.decode() or "Select a valid choice" in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN


def test_a_review_without_javascript_redirects_to_the_week_page(client, frozen, member, team):
    commitment = _commit(member)
    client.force_login(member)

    response = client.post(
        reverse("commitment_review", args=[commitment.pk]),
        {"status": "partly_done", "obstacle": "Two incidents", "help_wanted": "Fewer meetings"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("this_week", args=[team.slug]) + f"#commitment-{commitment.pk}"
    commitment.refresh_from_db()
    assert (commitment.status, commitment.obstacle, commitment.help_wanted) == (
        "partly_done",
        "Two incidents",
        "Fewer meetings",
    )


def test_changing_an_old_outcome_returns_to_that_weeks_page(client, frozen, member, team):
    frozen.move_to(WEDNESDAY - timedelta(days=7))
    old = _commit(member)
    _review(old, CommitmentStatus.NOT_DONE)
    frozen.move_to(WEDNESDAY)
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[old.pk]), {"status": "done"})

    assert response["Location"] == reverse("week", args=[team.slug, LAST_WEEK.label]) + f"#commitment-{old.pk}"


def test_a_manager_of_the_team_is_a_member_too_and_reviews_their_own(frozen, manager, team):
    assert manager.memberships.get(team=team).role == Role.MANAGER
    commitment = core_services.commitment_create(team=team, owner=manager, actor=manager, title="Write the digest")
    assert commitment.status == CommitmentStatus.OPEN
    _review(commitment, CommitmentStatus.DONE)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DONE
