"""Rendering an outbox email from its templates, and the one-click unsubscribe tokens."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string

from ..models import User
from ..registry import optional_kinds


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def email_render(*, kind: str, context: dict) -> RenderedEmail:
    """The subject and text part are plain text, rendered without HTML escaping (the "text"
    template engine): a name like "Siobhán O'Brien & Co" arrives as written. The HTML part is
    escaped as ever."""
    context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
    subject = render_to_string(f"emails/{kind}_subject.txt", context, using="text")
    # A header injection or a stray newline from a template must not break the message.
    subject = " ".join(subject.split())[:255]
    text = render_to_string(f"emails/{kind}_body.txt", context, using="text").strip() + "\n"
    if context.get("unsubscribe_url"):
        text += f"\n--\nTo stop receiving {context['unsubscribe_what']}: {context['unsubscribe_url']}\n"
    return RenderedEmail(
        subject=subject,
        body_text=text,
        body_html=render_to_string(f"emails/{kind}_body.html", context),
    )


UNSUBSCRIBE_SALT = "accountability.unsubscribe"

# Emails whose link is itself a key (registered with private_link=True) have their bodies
# blanked once sent. Until then they are sealed like every body (models.OutboundEmail) and
# never shown in the admin.
REDACTED_BODY = "(Sent. The body held a private link and was removed after delivery.)\n"


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, kind) from a token; raises signing.BadSignature. No expiry: an old email's
    link must keep working."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if data.get("k") not in optional_kinds():
        raise signing.BadSignature("unknown kind")
    return int(data["u"]), data["k"]
