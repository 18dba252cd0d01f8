"""Export my data (issue 19): what the ZIP holds for each persona, that nobody else's words are
in it, the worker that builds it, the emailed link that only its owner can open and that expires."""

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accountability import services
from accountability.models import AuditAction, AuditEvent, DataExport, ExportStatus, OutboundEmail
from checkins.models import Comment
from updates import services as update_services
from updates.models import Value

from ..factories import CheckInFactory, CommitmentFactory

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def history(time_machine, team, member, teammate, manager, org_admin):
    time_machine.move_to(NOW, tick=False)
    last = team.current_week().previous().start
    checkin = CheckInFactory(
        member=member, team=team, week=last, highlights="MEMBER-HIGHLIGHT", blockers="MEMBER-BLOCK"
    )
    CheckInFactory(member=teammate, team=team, week=last, highlights="TEAMMATE-SECRET")
    CommitmentFactory(owner=member, team=team, title="MEMBER-COMMITMENT", obstacle="MEMBER-OBSTACLE")
    CommitmentFactory(owner=teammate, team=team, title="TEAMMATE-COMMITMENT")
    Comment.objects.create(checkin=checkin, team=team, member=member, author=manager, body="MANAGER-REPLY")
    value = Value.objects.create(name="Candour", meaning="We say the hard thing kindly.")
    update_services.recognition_give(giver=teammate, recipients=[member], values=[value], message="THANKS-FOR-MEMBER")
    return checkin


def _zip_of(user) -> zipfile.ZipFile:
    export = services.data_export_request(user=user, actor=user)
    export = services.data_export_build(export_id=export.pk)
    assert export.status == ExportStatus.READY
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def _everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode() for name in archive.namelist())


def test_a_member_s_export_holds_their_data_as_json_and_csv(history, member):
    archive = _zip_of(member)
    names = set(archive.namelist())
    assert {"README.txt", "data.json", "checkins/checkins.csv", "account/commitments.csv"} <= names
    data = json.loads(archive.read("data.json"))
    assert data["account"]["profile"]["email"] == member.email
    assert [m["team"] for m in data["account"]["memberships"]] == ["Platform"]
    assert data["checkins"]["checkins"][0]["highlights"] == "MEMBER-HIGHLIGHT"
    assert data["checkins"]["replies"][0]["body"] == "MANAGER-REPLY"
    [commitment] = data["account"]["commitments"]
    assert (commitment["title"], commitment["obstacle"]) == ("MEMBER-COMMITMENT", "MEMBER-OBSTACLE")
    assert data["account"]["commitment_history"], "the history rows of the commitment"
    assert data["updates"]["thanks_you_received"][0]["message"] == "THANKS-FOR-MEMBER"
    assert "MEMBER-BLOCK" in archive.read("checkins/checkins.csv").decode()
    # Anonymous feedback and survey answers: not in it, and it says why.
    readme = archive.read("README.txt").decode()
    assert "anonymous feedback" in readme and "survey answers" in readme
    assert set(data["not_included"]) == {"feedback", "surveys"}


@pytest.mark.parametrize("persona", ["member", "teammate", "manager", "org_admin"])
def test_each_persona_s_export_holds_nobody_else_s_words(history, personas, persona):
    text = _everything(_zip_of(personas[persona]))
    own = {
        "member": ["MEMBER-HIGHLIGHT", "MEMBER-OBSTACLE", "MANAGER-REPLY", "THANKS-FOR-MEMBER"],
        "teammate": ["TEAMMATE-SECRET", "TEAMMATE-COMMITMENT", "THANKS-FOR-MEMBER"],
        "manager": ["MANAGER-REPLY"],
        "org_admin": [],
    }[persona]
    everyone = {"MEMBER-HIGHLIGHT", "MEMBER-OBSTACLE", "TEAMMATE-SECRET", "TEAMMATE-COMMITMENT", "MANAGER-REPLY"}
    for word in own:
        assert word in text, word
    for word in everyone - set(own):
        assert word not in text, word
    assert personas[persona].email in text


def test_nobody_can_ask_for_someone_else_s_export(history, member, org_admin):
    with pytest.raises(ValidationError, match="only export your own"):
        services.data_export_request(user=member, actor=org_admin)
    assert not DataExport.objects.exists()


def test_the_request_is_audited_and_a_double_click_makes_one_export(client, history, member):
    client.force_login(member)
    client.post(reverse("data_export_request"))
    response = client.post(reverse("data_export_request"), follow=True)
    assert "We&#x27;re preparing your data" in response.content.decode()
    assert DataExport.objects.filter(user=member).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DATA_EXPORTED, actor=member).count() == 1
    assert "being prepared" in client.get(reverse("profile")).content.decode()


def test_the_link_opens_for_its_owner_only_and_expires(client, history, member, teammate, time_machine):
    export = services.data_export_build(export_id=services.data_export_request(user=member, actor=member).pk)
    [email] = OutboundEmail.objects.filter(kind="data_export_ready")
    url = re.search(r"http://testserver(/\S+)", email.body_text).group(1)
    assert url == reverse("data_export_download", args=[services.data_export_token(export)])

    client.force_login(teammate)
    assert client.get(url).status_code == 404
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()

    assert client.get(url[:-3] + "xyz/").status_code == 410
    time_machine.move_to(timezone.now() + timedelta(days=8), tick=False)
    response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    # The daily job removes the file of an expired export.
    services.retention_purge()
    assert not DataExport.objects.filter(pk=export.pk).exists()


def test_with_the_broker_down_the_request_is_kept_and_the_daily_job_builds_it(
    client, history, member, broker_down, django_capture_on_commit_callbacks, time_machine
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("data_export_request")).status_code == 302
    export = DataExport.objects.get(user=member)
    assert export.status == ExportStatus.PENDING

    time_machine.move_to(timezone.now() + timedelta(minutes=11), tick=False)
    services.retention_purge()

    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    assert OutboundEmail.objects.filter(kind="data_export_ready").count() == 1
