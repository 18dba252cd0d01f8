"""How many SQL queries the week, history, commitment and team pages run.

Each page is measured with a short history and again after it grew to 40 weeks (several
commitments a week, renegotiations, check-ins, teammates with their own): the two counts must
be equal, and not above the pinned number. A count that grows with the data is an N+1 query,
usually a template reaching through a relation the selector did not load.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import Commitment, CommitmentEvent, CommitmentSource, CommitmentStatus, Role
from accountability.weeks import Week
from checkins.models import CheckIn, Comment
from checkins.selectors import HISTORY_WEEKS_PER_PAGE

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory

# A Wednesday afternoon in London: this week's check-in is open, not yet due.
NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
LONG = 40


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- Building a history --------------------------------------------------------------------


def _event(commitment: Commitment, to_status: str, actor, note: str = "", **extra) -> None:
    """A history row, on the Friday of the commitment's week."""
    CommitmentEvent.objects.create(
        commitment=commitment,
        from_status=CommitmentStatus.OPEN,
        to_status=to_status,
        actor=actor,
        note=note,
        created_at=datetime.combine(commitment.week + timedelta(days=4), time(12), tzinfo=UTC),
        **extra,
    )


def _reply(target: CheckIn | Commitment, author, body: str = "Thanks for saying so") -> Comment:
    """A reply in a thread, not yet seen by its member (the week page shows it as new)."""
    member = target.member if isinstance(target, CheckIn) else target.owner
    return Comment.objects.create(
        checkin=target if isinstance(target, CheckIn) else None,
        commitment=target if isinstance(target, Commitment) else None,
        team=target.team,
        member=member,
        author=author,
        body=body,
    )


def _past_week(team, person, manager, week: Week) -> None:
    """A check-in and six commitments, each ending differently (one proposed by the manager);
    the renegotiated one goes on in the following week. The manager replied on the check-in
    and the partly done commitment, and the member answered."""
    checkin = CheckInFactory(
        member=person, team=team, week=week.start, blockers="Waiting on review", support_requested="Pairing, please"
    )
    _reply(checkin, manager)
    _reply(checkin, person, "It helped, thank you")
    outcomes = {
        CommitmentStatus.DONE: {},
        CommitmentStatus.PARTLY_DONE: {"obstacle": "Meetings", "help_wanted": "Fewer meetings"},
        CommitmentStatus.NOT_DONE: {"obstacle": "Ill for two days"},
        CommitmentStatus.LET_GO: {"lesson": "It did not matter"},
    }
    for status, reflection in outcomes.items():
        commitment = CommitmentFactory(owner=person, team=team, week=week.start, status=status, **reflection)
        _event(commitment, status, person, note=reflection.get("lesson", ""))
        if status == CommitmentStatus.PARTLY_DONE:
            _reply(commitment, manager, "Which meetings could go?")
    # Proposed by their manager (the factory writes that row), accepted, and done.
    proposed = CommitmentFactory(
        owner=person,
        team=team,
        week=week.start,
        created_by=manager,
        source=CommitmentSource.MANAGER,
        status=CommitmentStatus.DONE,
    )
    _event(proposed, CommitmentStatus.DONE, person, note="Glad you suggested it")
    _renegotiated(team, person, week)


def _renegotiated(team, person, week: Week) -> Commitment:
    """Renegotiated in `week`; its successor, made the week after, is done (or still open if
    that is this week)."""
    first = CommitmentFactory(owner=person, team=team, week=week.start, status=CommitmentStatus.RENEGOTIATED)
    then = week.next()
    is_current = then == team.current_week()
    _event(
        first,
        CommitmentStatus.RENEGOTIATED,
        person,
        note="Scope grew",
        old_due_date=first.due_date,
        new_due_date=then.end,
    )
    successor = CommitmentFactory(
        owner=person,
        team=team,
        week=then.start,
        title=first.title,
        due_date=then.end,
        renegotiated_from=first,
        chain_root=first,
        status=CommitmentStatus.OPEN if is_current else CommitmentStatus.DONE,
    )
    if not is_current:
        _event(successor, CommitmentStatus.DONE, person)
    return successor


def _this_week(team, person, manager) -> None:
    """Open commitments, one carried over from last week, and a proposal waiting for an answer;
    replies on the check-in, a commitment, the carried one and the proposal."""
    week = team.current_week()
    made = [CommitmentFactory(owner=person, team=team, week=week.start) for _ in range(3)]
    carried = CommitmentFactory(owner=person, team=team, week=week.previous().start, due_date=week.start)
    proposal = CommitmentFactory(
        owner=person, team=team, week=week.start, created_by=manager, status=CommitmentStatus.PROPOSED
    )
    checkin = CheckInFactory(member=person, team=team, week=week.start)
    for target in (checkin, made[0], carried, proposal):
        _reply(target, manager)


def _history(team, people, manager, weeks: range) -> None:
    """Past weeks `weeks` (1 = last week) for each person."""
    current = team.current_week()
    for person in people:
        for back in weeks:
            _past_week(team, person, manager, Week(current.start - timedelta(weeks=back)))


@pytest.fixture
def people(team, member, teammate, manager):
    return [member, teammate]


@pytest.fixture
def short_history(team, people, manager):
    """This week and one past week, for `member` and `teammate`."""
    for person in people:
        _this_week(team, person, manager)
    _history(team, people, manager, range(1, 2))


def _grow(team, people, manager, *, after: int = 1) -> None:
    """The same people's history grown from `after` weeks to 40, and more teammates with
    histories of their own."""
    _history(team, people, manager, range(after + 1, LONG + 1))
    # Proposals left unanswered and commitments never reviewed pile up on "This week".
    current = team.current_week()
    for person in people:
        for back in range(2, 5):
            week = Week(current.start - timedelta(weeks=back))
            proposal = CommitmentFactory(
                owner=person, team=team, week=week.start, created_by=manager, status=CommitmentStatus.PROPOSED
            )
            carried = CommitmentFactory(owner=person, team=team, week=week.start)
            for target in (proposal, carried):
                _reply(target, manager)
                _reply(target, person, "Good question")
    for _ in range(5):
        newcomer = MembershipFactory(team=team, role=Role.MEMBER).user
        _this_week(team, newcomer, manager)
        _history(team, [newcomer], manager, range(1, 4))


# --- Measuring -----------------------------------------------------------------------------


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _measure_twice(client, url: str, grow, ceiling: int, django_assert_max_num_queries) -> tuple[int, int]:
    client.get(url)  # the first visit may store the current team in the session
    small = _count(client, url)
    grow()
    with django_assert_max_num_queries(ceiling):
        large = _count(client, url)
    return small, large


# Pinned counts. Every page: the session, the user and the switcher's teams.
#   this_week / week: the team with the viewer's role, the check-in, and the commitments
#     (carried, proposals and the week's: one query, with their proposer and predecessor),
#     the replies (the page's threads and every reply not seen yet, with their authors and
#     targets); and when the page shows new replies, one UPDATE marking them seen (MARK_SEEN:
#     none when there is nothing new, the usual visit).
#   history: the team with the viewer's role, the current team lookup for the navigation,
#     the count and the page of weeks (this one included), then that page's check-ins and its
#     commitments (made in those weeks, or reviewed during them).
#     member_history: also the person.
#   commitment_detail: the commitment with its team and owner, then the whole chain and all its
#     history rows, and its reply thread; for anyone but the owner also the viewer's role.
#   team_detail: the team with the viewer's role, the people, this week's commitments, its
#     "you said, we did" and, for managers, the pending invitations.
QUERIES = {
    # The week page's registered panel (updates app): unread updates, thanks received that week;
    # the week's questions (its answers too once it asks anything beyond the default set: 11,
    # tests/dashboard/test_question_queries.py).
    "this_week": 10,
    "week": 10,
    # History: +1 for the questions of its weeks (+1 for their answers once the team asks
    # anything beyond the default set). The team page: +1 for this week's shared answers.
    "history": 9,
    "history_page_2": 9,
    "member_history": 10,
    "commitment_detail": {"member": 7, "manager": 8},
    "team_detail": {"manager": 12, "teammate": 11},
}
MARK_SEEN = 1


def _unseen(member, team) -> int:
    return Comment.objects.filter(member=member, team=team, seen_at__isnull=True).exclude(author=member).count()


def test_this_week(client, team, member, people, manager, short_history, django_assert_max_num_queries):
    client.force_login(member)
    url = reverse("this_week", args=[team.slug])
    unseen_before_large = []

    def grow():
        _grow(team, people, manager)
        unseen_before_large.append(_unseen(member, team))

    small, large = _measure_twice(client, url, grow, QUERIES["this_week"] + MARK_SEEN, django_assert_max_num_queries)

    # Nothing new on the second visit; forty weeks of new replies marked seen in one UPDATE.
    assert (small, large) == (QUERIES["this_week"], QUERIES["this_week"] + MARK_SEEN)
    # The large page showed forty weeks of new replies (under "New replies on earlier weeks")
    # and the threads of its own commitments, and marked them all seen.
    assert unseen_before_large[0] > 2 * LONG
    assert _unseen(member, team) == 0
    view = client.get(url).context["view"]
    assert (len(view.carried), len(view.proposals), len(view.commitments)) == (4, 4, 4)
    assert len(view.checkin_thread) == 1
    assert all(len(commitment.thread) == 2 for commitment in view.carried[:3])
    assert all(len(proposal.thread) == 2 for proposal in view.proposals[:3])


def _reviewed_this_week(team, person, manager, count: int) -> None:
    """`count` commitments from earlier weeks reviewed this week, every outcome in turn (a
    renegotiated one with its successor), each with a reply: "This week" keeps them all."""
    current = team.current_week()
    today = team.today()
    outcomes = [
        CommitmentStatus.DONE,
        CommitmentStatus.PARTLY_DONE,
        CommitmentStatus.NOT_DONE,
        CommitmentStatus.LET_GO,
        CommitmentStatus.RENEGOTIATED,
    ]
    for n in range(count):
        status = outcomes[n % len(outcomes)]
        made = Week(current.start - timedelta(weeks=1 + n % 3))
        commitment = CommitmentFactory(owner=person, team=team, week=made.start, status=status, resolved_on=today)
        _event(commitment, status, person)
        _reply(commitment, manager, "Thanks for the update")
        if status == CommitmentStatus.RENEGOTIATED:
            CommitmentFactory(
                owner=person,
                team=team,
                week=current.start,
                title=commitment.title,
                due_date=current.end,
                renegotiated_from=commitment,
                chain_root=commitment,
            )


def test_this_week_keeps_what_was_reviewed_without_more_queries(
    client, team, member, people, manager, short_history, django_assert_max_num_queries
):
    client.force_login(member)
    url = reverse("this_week", args=[team.slug])
    _reviewed_this_week(team, member, manager, 5)

    small, large = _measure_twice(
        client,
        url,
        lambda: _reviewed_this_week(team, member, manager, 30),
        QUERIES["this_week"] + MARK_SEEN,
        django_assert_max_num_queries,
    )

    # The thirty new reviews came with new replies: marked seen in one UPDATE.
    assert (small, large) == (QUERIES["this_week"], QUERIES["this_week"] + MARK_SEEN)
    response = client.get(url)
    view = response.context["view"]
    assert len(view.reviewed) == 35
    assert all(len(commitment.thread) == 1 for commitment in view.reviewed)
    html = response.content.decode()
    assert html.count("Renegotiated to ") == 7
    # Every outcome but a renegotiation can be taken back.
    assert html.count('class="undo-form') == 28 + sum(1 for c in view.commitments if c.status != "open")


def test_history_with_reviews_does_not_grow(
    client, team, member, people, manager, short_history, django_assert_max_num_queries
):
    client.force_login(member)
    url = reverse("history", args=[team.slug])
    _reviewed_this_week(team, member, manager, 5)

    small, large = _measure_twice(
        client,
        url,
        lambda: _reviewed_this_week(team, member, manager, 30),
        QUERIES["history"],
        django_assert_max_num_queries,
    )

    assert large == small
    response = client.get(url)
    this_week = response.context["weeks"][0]
    assert this_week.week == team.current_week()
    assert len(this_week.reviewed) == 35
    html = response.content.decode()
    start = html.index(f'id="week-{this_week.week.label}"')
    assert html[start : html.index("</section>", start)].count("Renegotiated to ") == 7


def test_a_past_week(client, team, member, people, manager, short_history, django_assert_max_num_queries):
    client.force_login(member)
    url = reverse("week", args=[team.slug, team.current_week().previous().label])

    small, large = _measure_twice(
        client, url, lambda: _grow(team, people, manager), QUERIES["week"] + MARK_SEEN, django_assert_max_num_queries
    )

    assert (small, large) == (QUERIES["week"], QUERIES["week"] + MARK_SEEN)
    view = client.get(url).context["view"]
    assert view.checkin is not None
    # Its own six, the one renegotiated into it from the week before, and one still open.
    assert len(view.commitments) == 8


def test_history_first_page(client, team, member, people, manager, short_history, django_assert_max_num_queries):
    client.force_login(member)
    url = reverse("history", args=[team.slug])

    small, large = _measure_twice(
        client, url, lambda: _grow(team, people, manager), QUERIES["history"], django_assert_max_num_queries
    )

    assert large == small
    response = client.get(url)
    page = response.context["page"]
    # The forty past weeks, and this week: it has a check-in and commitments already.
    assert page.paginator.count == LONG + 1
    assert len(page.object_list) == HISTORY_WEEKS_PER_PAGE
    assert response.context["weeks"][0].week == team.current_week()


def test_history_second_page(client, team, member, people, manager, short_history, django_assert_max_num_queries):
    """Short here means just long enough to have a second page (with one week on it): this
    week and eight past weeks."""
    _history(team, people, manager, range(2, HISTORY_WEEKS_PER_PAGE + 1))
    client.force_login(member)
    url = reverse("history", args=[team.slug]) + "?page=2"

    small, large = _measure_twice(
        client,
        url,
        lambda: _grow(team, people, manager, after=HISTORY_WEEKS_PER_PAGE),
        QUERIES["history_page_2"],
        django_assert_max_num_queries,
    )

    assert large == small
    response = client.get(url)
    assert response.context["page"].number == 2
    assert len(response.context["weeks"]) == HISTORY_WEEKS_PER_PAGE


def test_member_history_for_their_manager(
    client, team, member, people, manager, short_history, django_assert_max_num_queries
):
    client.force_login(manager)
    url = reverse("member_history", args=[team.slug, member.pk])

    small, large = _measure_twice(
        client, url, lambda: _grow(team, people, manager), QUERIES["member_history"], django_assert_max_num_queries
    )

    assert large == small
    response = client.get(url)
    assert response.context["person"] == member
    assert all(item.checkin and item.commitments for item in response.context["weeks"])


@pytest.mark.parametrize("persona", ["member", "manager"])
def test_commitment_detail_does_not_grow_with_its_chain(
    client, team, member, personas, manager, persona, django_assert_max_num_queries
):
    """A commitment on its own with one reply, then the last of a chain renegotiated five times
    (six links), each link with its history rows, and a thread of thirty replies from several
    people."""
    client.force_login(personas[persona])
    current = team.current_week()
    alone = CommitmentFactory(owner=member, team=team, status=CommitmentStatus.PARTLY_DONE, obstacle="Meetings")
    _event(alone, CommitmentStatus.PARTLY_DONE, member, note="Half of it")
    _reply(alone, manager)
    url = reverse("commitment_detail", args=[alone.pk])
    client.get(url)
    small = _count(client, url)

    links = [CommitmentFactory(owner=member, team=team, week=Week(current.start - timedelta(weeks=6)).start)]
    for back in range(5, 0, -1):
        previous = links[-1]
        _event(previous, CommitmentStatus.RENEGOTIATED, member, note=f"Moved, {back} weeks ago")
        Commitment.objects.filter(pk=previous.pk).update(status=CommitmentStatus.RENEGOTIATED)
        links.append(
            CommitmentFactory(
                owner=member,
                team=team,
                week=Week(current.start - timedelta(weeks=back - 1)).start,
                title=previous.title,
                renegotiated_from=previous,
                chain_root=links[0],
            )
        )
    other_manager = MembershipFactory(team=team, role=Role.MANAGER).user
    for n in range(30):
        _reply(links[-1], (manager, member, other_manager)[n % 3], f"Reply {n}")
    url = reverse("commitment_detail", args=[links[-1].pk])
    with django_assert_max_num_queries(QUERIES["commitment_detail"][persona]):
        large = _count(client, url)

    assert large == small
    response = client.get(url)
    assert len(response.context["chain"]) == 6
    assert len(response.context["events"]) == 11  # six "made", five "renegotiated"
    assert len(response.context["thread"]) == 30


@pytest.mark.parametrize("persona", ["manager", "teammate"])
def test_team_detail(client, team, people, manager, personas, persona, short_history, django_assert_max_num_queries):
    client.force_login(personas[persona])
    url = reverse("team_detail", args=[team.slug])

    small, large = _measure_twice(
        client,
        url,
        lambda: _grow(team, people, manager),
        QUERIES["team_detail"][persona],
        django_assert_max_num_queries,
    )

    assert large == small
    # Seven people with four of this week's commitments each (their proposals are not listed).
    assert len(client.get(url).context["commitments"]) == 7 * 4
