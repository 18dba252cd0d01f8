"""The Django admin changes memberships through the services: it cannot leave a team without a
manager, whether by a role, a deletion, the bulk action or a row of the team's inline."""

from django.contrib.messages import get_messages

from accountability.models import Membership, Role

from ..twofactor import admin_sign_in

LAST_MANAGER = "A team needs at least one manager. Appoint another manager first."


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_admin_refuses_to_demote_a_teams_last_manager(client, org_admin, team, manager):
    admin_sign_in(client, org_admin)
    membership = Membership.objects.get(team=team, user=manager)

    response = client.post(
        f"/admin/accountability/membership/{membership.pk}/change/",
        {"role": Role.MEMBER, "joined_at_0": "2026-01-01", "joined_at_1": "10:00"},
    )

    assert response.status_code == 200
    assert LAST_MANAGER in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_the_admin_refuses_to_delete_a_teams_last_manager(client, org_admin, team, manager):
    admin_sign_in(client, org_admin)
    membership = Membership.objects.get(team=team, user=manager)

    response = client.post(f"/admin/accountability/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert LAST_MANAGER in _messages(response)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_admins_bulk_removal_keeps_a_teams_last_manager_and_removes_the_rest(
    client, org_admin, team, manager, member
):
    admin_sign_in(client, org_admin)
    memberships = Membership.objects.filter(team=team)

    response = client.post(
        "/admin/accountability/membership/",
        {"action": "remove_selected", "_selected_action": [str(pk) for pk in memberships.values_list("pk", flat=True)]},
    )

    assert response.status_code == 302
    assert any(LAST_MANAGER in text for text in _messages(response))
    assert list(Membership.objects.filter(team=team).values_list("user_id", flat=True)) == [manager.pk]


def test_the_team_admins_inline_refuses_to_delete_the_last_manager(client, org_admin, team, manager):
    admin_sign_in(client, org_admin)
    membership = Membership.objects.get(team=team, user=manager)
    prefix = "memberships"
    data = {
        "name": team.name,
        "slug": team.slug,
        "time_zone": team.time_zone,
        "checkin_weekday": team.checkin_weekday,
        "checkin_time": team.checkin_time.strftime("%H:%M"),
        "reminders_enabled": "on",
        "nudge_hours_before_close": team.nudge_hours_before_close,
        "anonymity_threshold": team.anonymity_threshold,
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": str(membership.pk),
        f"{prefix}-0-team": str(team.pk),
        f"{prefix}-0-user": str(manager.pk),
        f"{prefix}-0-role": Role.MANAGER,
        f"{prefix}-0-joined_at_0": "2026-01-01",
        f"{prefix}-0-joined_at_1": "10:00",
        f"{prefix}-0-DELETE": "on",
    }

    response = client.post(f"/admin/accountability/team/{team.pk}/change/", data)

    assert response.status_code == 200
    assert LAST_MANAGER in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_threshold_changed_in_the_django_admin_is_in_the_audit_trail(client, team, manager, org_admin):
    from accountability.models import AuditAction, AuditEvent

    admin_sign_in(client, org_admin)
    membership = Membership.objects.get(team=team, user=manager)
    prefix = "memberships"
    data = {
        "name": team.name,
        "slug": team.slug,
        "time_zone": team.time_zone,
        "checkin_weekday": team.checkin_weekday,
        "checkin_time": team.checkin_time.strftime("%H:%M"),
        "reminders_enabled": "on",
        "nudge_hours_before_close": team.nudge_hours_before_close,
        "anonymity_threshold": team.anonymity_threshold + 2,
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": str(membership.pk),
        f"{prefix}-0-team": str(team.pk),
        f"{prefix}-0-user": str(manager.pk),
        f"{prefix}-0-role": Role.MANAGER,
        f"{prefix}-0-joined_at_0": "2026-01-01",
        f"{prefix}-0-joined_at_1": "10:00",
    }
    before = team.anonymity_threshold

    response = client.post(f"/admin/accountability/team/{team.pk}/change/", data)

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.anonymity_threshold == before + 2
    event = AuditEvent.objects.get(action=AuditAction.TEAM_SETTINGS_CHANGED)
    assert event.actor == org_admin
    assert (event.before["anonymity_threshold"], event.after["anonymity_threshold"]) == (before, before + 2)
