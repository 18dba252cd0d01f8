"""Retention (issue 19): the organisation's policy, and the daily purge on known dates: older
text goes, the numbers stay, a stale edit cannot bring text back."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability import registry, services
from accountability.models import AuditAction, AuditEvent, OrganisationSettings
from checkins.models import CheckIn, Comment
from meetings import services as meeting_services
from meetings.models import Cadence, Meeting, PrivateNote

from ..factories import CheckInFactory, MembershipFactory, TeamFactory

NOW = datetime(2026, 3, 11, 3, 41, tzinfo=UTC)
OLD = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)  # 14 months before NOW
RECENT = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)  # 9 months before NOW


def _policy(**months) -> None:
    OrganisationSettings.objects.update_or_create(pk=1, defaults=months)


def _checkin(member, team, at: datetime, **fields) -> CheckIn:
    return CheckInFactory(
        member=member, team=team, week=date.fromisocalendar(*at.isocalendar()[:2], 1), submitted_at=at, **fields
    )


def test_by_default_nothing_is_ever_purged(time_machine, team, member):
    _checkin(member, team, OLD, highlights="KEPT")
    time_machine.move_to(NOW, tick=False)
    services.retention_purge()
    assert CheckIn.objects.get().highlights == "KEPT"


def test_checkin_text_and_replies_older_than_the_policy_are_replaced_and_moods_kept(
    time_machine, team, member, manager
):
    old = _checkin(member, team, OLD, mood=2, highlights="OLD-WORDS", blockers="", support_requested="OLD-HELP")
    recent = _checkin(member, team, RECENT, mood=4, highlights="RECENT-WORDS")
    Comment.objects.create(checkin=old, team=team, member=member, author=manager, body="OLD-REPLY", created_at=OLD)
    Comment.objects.create(
        checkin=recent, team=team, member=member, author=manager, body="NEW-REPLY", created_at=RECENT
    )
    _policy(checkin_text_months=12, reply_months=12)
    time_machine.move_to(NOW, tick=False)

    done = services.retention_purge()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.mood, old.highlights, old.blockers, old.support_requested) == (2, "(removed)", "", "(removed)")
    assert old.version == 2  # a tab holding the old text cannot save it back
    assert (recent.mood, recent.highlights) == (4, "RECENT-WORDS")
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["(removed)", "NEW-REPLY"]
    assert done["checkins"] == 2
    # Running again the same day changes nothing more.
    assert services.retention_purge()["checkins"] == 0


def test_the_boundary_is_the_same_day_that_many_months_before(time_machine, team, member):
    on_the_day = _checkin(member, team, datetime(2025, 3, 11, 3, 41, tzinfo=UTC), highlights="ON-THE-DAY")
    just_before = _checkin(member, team, datetime(2025, 3, 4, 3, 40, tzinfo=UTC), highlights="A-WEEK-BEFORE")
    _policy(checkin_text_months=12)
    time_machine.move_to(NOW, tick=False)
    services.retention_purge()
    assert CheckIn.objects.get(pk=on_the_day.pk).highlights == "ON-THE-DAY"
    assert CheckIn.objects.get(pk=just_before.pk).highlights == "(removed)"


def test_meeting_notes_are_purged_and_a_stale_edit_is_refused_not_written_back(time_machine, team, manager, member):
    time_machine.move_to(OLD, tick=False)
    series = meeting_services.series_start(
        team=team, actor=manager, other=member, cadence=Cadence.WEEKLY, weekday=3, local_time=time(10, 0)
    )
    meeting = series.meetings.get()
    meeting = meeting_services.shared_notes_save(meeting=meeting, actor=manager, notes="OLD-NOTES", version=1)
    meeting_services.private_note_save(meeting=meeting, actor=member, body="OLD-PRIVATE")
    loaded_version = meeting.version
    _policy(meeting_notes_months=6)
    time_machine.move_to(NOW, tick=False)

    services.retention_purge()

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.shared_notes == "(removed)"
    assert PrivateNote.objects.get().body == "(removed)"
    with pytest.raises(meeting_services.SharedNotesConflict):
        meeting_services.shared_notes_save(meeting=meeting, actor=manager, notes="OLD-NOTES", version=loaded_version)
    assert Meeting.objects.get(pk=meeting.pk).shared_notes == "(removed)"


def test_the_purge_runs_the_same_queries_for_one_team_or_many(time_machine, member):
    _policy(checkin_text_months=1, reply_months=1, meeting_notes_months=1)

    def queries_with(teams: int) -> int:
        for _ in range(teams):
            team = TeamFactory()
            MembershipFactory(team=team, user=member)
            _checkin(member, team, OLD, highlights="OLD")
        time_machine.move_to(NOW, tick=False)
        with CaptureQueriesContext(connection) as captured:
            services.retention_purge()
        return len(captured.captured_queries)

    assert queries_with(1) == queries_with(6)


def test_admins_set_the_policy_in_the_app_and_it_is_audited(client, org_admin, manager):
    client.force_login(manager)
    assert client.get(reverse("data_settings")).status_code == 404
    client.force_login(org_admin)
    response = client.post(
        reverse("data_settings"), {"checkin_text_months": "24", "reply_months": "", "former_member_months": "12"}
    )
    assert response.status_code == 302
    assert OrganisationSettings.objects.get().checkin_text_months == 24
    event = AuditEvent.objects.get(action=AuditAction.RETENTION_CHANGED)
    assert (event.before, event.after) == ({"checkin_text_months": None}, {"checkin_text_months": 24})


def test_a_bad_policy_is_refused_with_a_message_and_the_input_kept(client, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("data_settings"), {"checkin_text_months": "0", "reply_months": "soon", "former_member_months": "12"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in page
    assert "Enter a whole number." in page
    assert 'value="soon"' in page
    assert not OrganisationSettings.objects.exists()


def test_the_purge_is_a_daily_beat_job():
    assert registry.beat_schedule()["retention-purge"]["task"] == "accountability.tasks.retention_purge"
