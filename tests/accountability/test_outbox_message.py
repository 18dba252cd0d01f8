"""The message the worker sends is byte for byte what Django's EmailMultiAlternatives would send,
its multipart boundary aside (a shorter one, so its header is not folded): the shortcuts that make
it cheap to build change nothing else on the wire."""

import re
from datetime import UTC, datetime

import pytest
from django.core.mail import EmailMultiAlternatives

from accountability import outbox

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOUNDARY = re.compile(rb'multipart/alternative;(?:\r\n)? boundary="([^"]+)"')

pytestmark = pytest.mark.django_db


def django_message(row) -> EmailMultiAlternatives:
    """What `outbox.delivery._message` built before: Django's class, Django's policy and boundary."""
    msg = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email="Check-ins <noreply@example.org>",
        to=[row.to_email],
        headers={**row.headers, "Message-ID": outbox.message_id(row)},
    )
    msg.attach_alternative(row.body_html, "text/html")
    return msg


def wire(msg) -> tuple[bytes, bytes]:
    """The bytes an SMTP backend sends, and the boundary they use."""
    data = msg.message().as_bytes(linesep="\r\n")
    [boundary] = BOUNDARY.findall(data)
    data = BOUNDARY.sub(b'multipart/alternative; boundary="BOUNDARY"', data)
    return data.replace(boundary, b"BOUNDARY"), boundary


@pytest.mark.parametrize(
    "subject",
    [
        "Your check-in for this week",
        "Siobhán O'Brien & Zoë: a subject long enough that it has to be folded over two lines or more",
    ],
)
def test_the_sent_bytes_are_djangos_but_for_the_boundary(member, settings, time_machine, subject):
    settings.DEFAULT_FROM_EMAIL = "Check-ins <noreply@example.org>"
    time_machine.move_to(START, tick=False)
    row = outbox.outbox_enqueue(
        kind="password_reset",
        dedupe_key="message:1",
        to_email="José Núñez <jose@example.org>",
        recipient=member,
        context={"user": member, "url": "http://testserver/reset/abc/"},
        # A long header (RFC 8058's is one) is folded exactly as before.
        headers={"List-Unsubscribe": "<http://testserver/email/unsubscribe/" + "x" * 120 + "/>"},
    )
    row.subject = subject

    ours, boundary = wire(outbox.delivery._message(row, None))
    theirs, _ = wire(django_message(row))

    assert ours == theirs
    assert b"\r\nList-Unsubscribe: \r\n <http://testserver/email/unsubscribe/" + b"x" * 120 + b"/>\r\n" in ours
    assert ours.count(b"--BOUNDARY\r\n") == 2 and ours.endswith(b"--BOUNDARY--\r\n")
    assert boundary not in row.body_text.encode() + row.body_html.encode()
    assert boundary != wire(outbox.delivery._message(row, None))[1]  # a new one every time
