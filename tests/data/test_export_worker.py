"""The export is built by a real Celery worker (enqueued by name after the request commits)."""

import io
import json
import logging
import time
import zipfile

import pytest
from django.urls import reverse

from accountability.models import DataExport, ExportStatus, OutboundEmail

from ..factories import CheckInFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


def test_a_worker_builds_the_zip_and_queues_the_email(
    test_redis, celery_worker, settings, tmp_path, client, team, member
):
    settings.MEDIA_ROOT = str(tmp_path)
    CheckInFactory(member=member, team=team, highlights="BUILT-BY-THE-WORKER")
    client.force_login(member)

    assert client.post(reverse("data_export_request")).status_code == 302

    deadline = time.monotonic() + 30
    while (export := DataExport.objects.get(user=member)).status != ExportStatus.READY:
        assert time.monotonic() < deadline, "the worker never built the export"
        time.sleep(0.1)
    with export.file.open("rb") as handle:
        data = json.loads(zipfile.ZipFile(io.BytesIO(handle.read())).read("data.json"))
    assert data["checkins"]["checkins"][0]["highlights"] == "BUILT-BY-THE-WORKER"
    assert OutboundEmail.objects.filter(kind="data_export_ready", recipient=member).count() == 1
