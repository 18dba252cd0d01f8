"""The Django admin shows feedback read-only, and never the code's hash."""

import pytest
from django.urls import reverse

from feedback import services

from ..factories import UserFactory
from ..twofactor import admin_sign_in
from .factories import FeedbackThreadFactory


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def thread(team):
    return FeedbackThreadFactory(team=team, code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX", body="Visible, read-only")


def test_the_list_and_the_thread_are_readable(client, superuser, thread):
    admin_sign_in(client, superuser)

    listing = client.get(reverse("admin:feedback_feedbackthread_changelist"))
    page = client.get(reverse("admin:feedback_feedbackthread_change", args=[thread.pk]))

    assert listing.status_code == 200
    assert page.status_code == 200
    assert "Visible, read-only" in page.content.decode()


def test_nothing_can_be_added_changed_or_deleted(client, superuser, thread):
    admin_sign_in(client, superuser)

    assert client.get(reverse("admin:feedback_feedbackthread_add")).status_code == 403
    assert client.get(reverse("admin:feedback_feedbackthread_delete", args=[thread.pk])).status_code == 403
    change = client.post(
        reverse("admin:feedback_feedbackthread_change", args=[thread.pk]), {"status": "closed", "category": "other"}
    )
    assert change.status_code == 403
    thread.refresh_from_db()
    assert thread.status == "new"
    page = client.get(reverse("admin:feedback_feedbackthread_change", args=[thread.pk])).content.decode()
    assert 'name="status"' not in page
    assert 'type="submit" value="Save"' not in page


def test_the_code_hash_is_not_shown(client, superuser, thread):
    admin_sign_in(client, superuser)

    for url in (
        reverse("admin:feedback_feedbackthread_changelist"),
        reverse("admin:feedback_feedbackthread_change", args=[thread.pk]),
    ):
        body = client.get(url).content.decode()
        assert thread.code_hash not in body
        assert services.code_hash("ABCD-EFGH-IJKL-MNOP-QRST-UVWX") not in body
        assert "code hash" not in body.lower() and "code_hash" not in body
