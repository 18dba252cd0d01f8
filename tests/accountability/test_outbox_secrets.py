"""An email whose link is a key (a password reset, an invitation, a survey link) is never
readable in the admin, by anyone, in any status; and every body is sealed in the database
(issue 12: an organisation admin could read the superuser's reset link in the outbox)."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from accountability import outbox, sealing, services
from accountability.models import EmailStatus, OutboundEmail

from ..twofactor import admin_sign_in

KEY = re.compile(r"/(?:accounts/password/reset/key|invite|surveys/answer)/[^\s\"<]+")


@pytest.fixture
def superuser(db):
    from ..factories import UserFactory

    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def private_rows(superuser, team, manager, member):
    """A reset link for the superuser (queued), an invitation (sending) and a survey link
    (failed): each body holds a key."""
    services.password_reset_queue(user=superuser, url="http://testserver/accounts/password/reset/key/1-SECRETKEY1/")
    services.invitation_send(team=team, email="newcomer@example.org", invited_by=manager)
    survey = outbox.outbox_enqueue(
        kind="survey_invitation",
        dedupe_key="survey-invite:test",
        to_email=member.email,
        recipient=member,
        context={"url": "http://testserver/surveys/answer/SECRETKEY3/", "team": team, "round": None, "user": member},
        schedule=False,
    ) or OutboundEmail.objects.get(dedupe_key="survey-invite:test")
    invitation = OutboundEmail.objects.get(kind="invitation")
    OutboundEmail.objects.filter(pk=invitation.pk).update(status=EmailStatus.SENDING)
    OutboundEmail.objects.filter(pk=survey.pk).update(status=EmailStatus.FAILED, attempts=6, last_error="SMTP 554")
    rows = list(OutboundEmail.objects.order_by("pk"))
    keys = [KEY.search(row.body_text).group(0) for row in rows]
    assert len(keys) == 3
    return rows, keys


@pytest.mark.parametrize("persona", ["org_admin", "superuser"])
def test_no_admin_page_shows_a_key(client, private_rows, org_admin, superuser, persona):
    rows, keys = private_rows
    admin_sign_in(client, {"org_admin": org_admin, "superuser": superuser}[persona])
    changelist = reverse("admin:accountability_outboundemail_changelist")
    pages = [
        client.get(changelist),
        *[client.get(changelist, {"status__exact": status}) for status in ("queued", "sending", "failed")],
        *[client.get(reverse("admin:accountability_outboundemail_change", args=[row.pk])) for row in rows],
        *[client.get(reverse("admin:accountability_outboundemail_history", args=[row.pk])) for row in rows],
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for key in keys:
            assert key not in html
        assert "SECRETKEY" not in html
    # Searching for a piece of a key finds nothing: search never reaches a body.
    assert "0 results" in client.get(changelist, {"q": "SECRETKEY"}).content.decode()
    # What the admin does show: kind, recipient and status.
    html = client.get(changelist).content.decode()
    for row in rows:
        assert row.kind in html and row.to_email in html
    detail = client.get(reverse("admin:accountability_outboundemail_change", args=[rows[2].pk])).content.decode()
    assert "Failed" in detail and "SMTP 554" in detail
    assert "Not shown: an email" in detail


def test_the_admin_has_no_export_or_other_action_that_reads_bodies(client, private_rows, superuser):
    admin_sign_in(client, superuser)
    page = client.get(reverse("admin:accountability_outboundemail_changelist"))
    actions = [value for value, _ in page.context["action_form"].fields["action"].choices if value]
    assert set(actions) <= {"retry_failed", "delete_selected"}


def test_bodies_are_sealed_in_the_database(private_rows):
    rows, keys = private_rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text || body_html FROM accountability_outboundemail")
        stored = " ".join(value for (value,) in cursor.fetchall())
    assert "SECRETKEY" not in stored
    for key in keys:
        assert key not in stored
    assert stored.count("sealed:") == 2 * len(rows)


def test_the_worker_still_sends_the_link_and_then_keeps_no_copy(private_rows):
    rows, keys = private_rows
    reset = rows[0]
    outbox.outbox_deliver(email_id=reset.pk)
    [message] = mail.outbox
    assert keys[0] in message.body
    reset.refresh_from_db()
    assert reset.body_text == outbox.REDACTED_BODY


def test_a_body_sealed_with_a_retired_key_fails_with_a_clear_error(private_rows, settings):
    rows, _ = private_rows
    settings.SECRET_KEY = "a-brand-new-key-after-a-rotation-without-fallbacks-0123456789"
    row = OutboundEmail.objects.get(pk=rows[0].pk)
    assert row.body_text == sealing.UNREADABLE
    settings.OUTBOX_MAX_ATTEMPTS = 1
    outbox.outbox_deliver(email_id=row.pk)
    row.refresh_from_db()
    assert row.status == EmailStatus.FAILED
    assert "SECRET_KEY_FALLBACKS" in row.last_error
    assert not mail.outbox


def test_the_old_key_in_fallbacks_keeps_queued_bodies_readable(private_rows, settings):
    rows, keys = private_rows
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-key-after-a-rotation-with-the-old-one-kept-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old]
    assert keys[0] in OutboundEmail.objects.get(pk=rows[0].pk).body_text
