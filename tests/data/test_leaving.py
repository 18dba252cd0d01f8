"""Leaving (issue 19): deactivating keeps history and stops sign-in and email; deleting removes
personal text, keeps the rows as "former member", and leaves every team figure as it was."""

import dataclasses
from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accountability import services
from accountability.models import (
    AuditAction,
    AuditEvent,
    Commitment,
    CommitmentStatus,
    LeadershipEvent,
    Membership,
    OutboundEmail,
    Role,
    User,
)
from accountability.weeks import Week
from checkins.models import CheckIn, Comment
from dashboard import pages
from dashboard.range import WeekRange
from meetings.models import PrivateNote

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory
from ..twofactor import admin_sign_in

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
W08, W10 = Week.from_label("2026-W08"), Week.from_label("2026-W10")


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def history(team, member, teammate, manager):
    for week, mood in ((Week.from_label("2026-W08"), 2), (Week.from_label("2026-W09"), 4), (W10, 5)):
        CheckInFactory(
            member=member, team=team, week=week.start, mood=mood, highlights="MY-WORDS", blockers="MY-BLOCKER"
        )
        CheckInFactory(member=teammate, team=team, week=week.start, mood=3)
    CommitmentFactory(
        owner=member, team=team, week=W10.start, status=CommitmentStatus.DONE, title="MY-PROMISE", lesson="MY-LESSON"
    )
    CommitmentFactory(owner=member, team=team, week=W10.start, status=CommitmentStatus.NOT_DONE)
    checkin = CheckIn.objects.get(member=member, week=W10.start)
    Comment.objects.create(checkin=checkin, team=team, member=member, author=member, body="MY-ANSWER")


def _figures(team) -> dict:
    board = pages.team_dashboard(team=team, week_range=WeekRange(W08, W10), individual=True, now=NOW)
    # By membership, not by name: the People table sorts by name, and "former member" sorts anew.
    members = [
        {k: v for k, v in dataclasses.asdict(m).items() if k != "membership"}
        for m in sorted(board.members, key=lambda m: m.membership.pk)
    ]
    strategies = [[(item.definition.key, item.value) for item in s.metrics] for s in board.strategies]
    return {
        "card": board.card.values,
        "total": board.card.total,
        "mood": board.mood_trend,
        "members": members,
        "strategies": strategies,
    }


def test_deleting_keeps_every_team_figure_and_removes_the_words(history, team, member, org_admin):
    services.leadership_record(team_id=team.pk, user=member, from_role="", to_role=Role.MEMBER)
    before = _figures(team)

    services.person_delete(user=member, actor=org_admin)

    assert _figures(team) == before
    member.refresh_from_db()
    assert member.name == "former member"
    assert not member.is_active and not member.has_usable_password()
    assert "@" in member.email and "member@example.org" != member.email
    assert Membership.objects.filter(user=member, team=team).exists()
    text = " ".join(
        [
            *CheckIn.objects.filter(member=member).values_list("highlights", "blockers"),
            *Commitment.objects.filter(owner=member).values_list("title", "lesson"),
            *Comment.objects.filter(member=member).values_list("body", flat=True),
        ].__repr__()
    )
    for word in ("MY-WORDS", "MY-BLOCKER", "MY-PROMISE", "MY-LESSON", "MY-ANSWER"):
        assert word not in text
    assert set(LeadershipEvent.objects.filter(user=member).values_list("person_name", flat=True)) == {"former member"}
    event = AuditEvent.objects.get(action=AuditAction.PERSON_DELETED)
    assert (event.actor, event.target_user) == (org_admin, member)


def test_deleting_removes_private_notes(team, member, manager, org_admin):
    from meetings.models import Cadence
    from meetings.services import private_note_save, series_start

    series = series_start(
        team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=3, local_time=time(10, 0)
    )
    meeting = series.meetings.first()
    private_note_save(meeting=meeting, actor=member, body="MY-PRIVATE-NOTE")
    private_note_save(meeting=meeting, actor=manager, body="THE-MANAGER-S-OWN")

    services.person_delete(user=member, actor=org_admin)

    assert list(PrivateNote.objects.values_list("body", flat=True)) == ["THE-MANAGER-S-OWN"]


def test_deactivating_keeps_history_and_stops_sign_in_and_email(client, history, team, member, org_admin, password):
    before = _figures(team)
    services.person_deactivate(user=member, actor=org_admin)

    assert _figures(team) == before
    assert CheckIn.objects.filter(member=member, highlights="MY-WORDS").count() == 3
    assert not client.login(username=member.email, password=password)
    from accountability.outbox import outbox_enqueue

    # Recipients are read fresh by every dispatcher.
    sent = outbox_enqueue(
        kind="added_to_team",
        dedupe_key="x",
        to_email=member.email,
        recipient=User.objects.get(pk=member.pk),
        context={"team": team},
    )
    assert sent is None and not OutboundEmail.objects.exists()
    services.person_reactivate(user=member, actor=org_admin)
    assert User.objects.get(pk=member.pk).is_active
    assert list(
        AuditEvent.objects.filter(target_user=member).order_by("pk").values_list("action", "before", "after")
    ) == [
        (AuditAction.PERSON_DEACTIVATED, {"active": True}, {"active": False}),
        (AuditAction.PERSON_REACTIVATED, {"active": False}, {"active": True}),
    ]


@pytest.mark.parametrize("how", ["delete", "deactivate"])
def test_the_last_manager_of_a_team_is_refused_with_a_clear_message(client, team, manager, org_admin, how):
    client.force_login(org_admin)
    data = {"confirm": "on"} if how == "delete" else {}
    response = client.post(reverse(f"person_{how}", args=[manager.pk]), data, follow=True)

    assert "the only manager of Platform" in response.content.decode()
    manager.refresh_from_db()
    assert manager.is_active and manager.name == "Mona Manager"
    # With a second (active) manager, it goes through.
    MembershipFactory(team=team, role=Role.MANAGER)
    client.post(reverse(f"person_{how}", args=[manager.pk]), data)
    assert not User.objects.get(pk=manager.pk).is_active


def test_deleting_without_the_confirmation_changes_nothing_and_says_why(client, member, org_admin):
    client.force_login(org_admin)
    response = client.post(reverse("person_delete", args=[member.pk]), {})
    assert response.status_code == 400
    assert "Tick the box to confirm; nothing was deleted." in response.content.decode()
    assert User.objects.get(pk=member.pk).name == "Mia Member"


def test_an_admin_cannot_delete_themself(org_admin):
    with pytest.raises(ValidationError, match="your own account"):
        services.person_delete(user=org_admin, actor=org_admin)


def test_the_django_admin_deletes_through_the_same_service(client, history, team, member, org_admin):
    admin_sign_in(client, org_admin)
    before = _figures(team)
    response = client.post(
        reverse("admin:accountability_user_changelist"),
        {"action": "delete_personal_data", "_selected_action": [member.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert User.objects.get(pk=member.pk).name == "former member"
    assert _figures(team) == before
    # The admin's own delete (which would take every row and figure with it) is not offered.
    assert client.get(reverse("admin:accountability_user_delete", args=[member.pk])).status_code == 403


def test_the_members_page_links_admins_to_the_person_page(client, team, member, manager, org_admin):
    client.force_login(org_admin)
    assert (
        reverse("person_detail", args=[member.pk])
        in client.get(reverse("team_members", args=[team.slug])).content.decode()
    )
    client.force_login(manager)
    assert (
        reverse("person_detail", args=[member.pk])
        not in client.get(reverse("team_members", args=[team.slug])).content.decode()
    )


def test_a_team_s_managers_read_a_leaver_s_history_only_for_the_organisation_s_period(
    client, time_machine, history, team, member, teammate, manager
):
    services.membership_remove(membership=Membership.objects.get(team=team, user=member), actor=manager)
    url = reverse("member_history", args=[team.slug, member.pk])
    client.force_login(manager)
    assert client.get(url).status_code == 200
    client.force_login(teammate)
    assert client.get(url).status_code == 404

    time_machine.move_to(datetime(2027, 3, 10, 14, 0, tzinfo=UTC), tick=False)  # 12 months less a day
    client.force_login(manager)
    assert client.get(url).status_code == 200
    time_machine.move_to(datetime(2027, 3, 12, 14, 0, tzinfo=UTC), tick=False)
    client.force_login(manager)
    assert client.get(url).status_code == 404
