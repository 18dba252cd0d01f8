"""Rendering an outbox email from its templates, and the one-click unsubscribe tokens."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.utils.html import escape

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


# Stand-ins for what differs between the recipients of alike emails (see _RenderMemo).
_NAME, _EMAIL, _UNSUBSCRIBE = "\ue000name\ue001", "\ue000email\ue001", "\ue000unsubscribe\ue001"


class _RenderMemo:
    """Within one dispatch, emails of a kind whose contexts differ only in their recipient (the
    same team, week and links to a thousand members) render their text and HTML parts once,
    with stand-ins for the recipient's name, address and unsubscribe link, which are then put
    in, escaped as the template would have (the subject is rendered for each, as ever).

    Exactness is checked, not assumed: the second email of each group is rendered in full as
    well, and if the two differ in any way (a template filtering the name, say), that group
    renders every email in full."""

    def __init__(self) -> None:
        # A group's first email is rendered alone (most groups are one email: a digest); at
        # its second, the stand-in parts are rendered and checked; from its third on, used.
        self.groups: dict[tuple, tuple[str, str, str] | None] = {}
        self.seen: set[tuple] = set()
        # Values keyed by their id are kept alive for the dispatch: a freed list's id may be
        # given to the next email's list, which would then look like the same context.
        self.alive: list[object] = []

    def render(self, *, kind: str, context: dict, recipient: User | None, zone: str) -> RenderedEmail:
        key = self._key(kind, context, recipient, zone)
        if recipient is None or key not in self.seen:
            self.seen.add(key)
            return email_render(kind=kind, context=context)
        if key not in self.groups:
            full = email_render(kind=kind, context=context)
            parts = self._parts(kind, context, recipient)
            subject_alike = parts[0] == full.subject or any(s in parts[0] for s in (_NAME, _EMAIL, _UNSUBSCRIBE))
            exact = subject_alike and self._fill(parts[1:], context, recipient) == (full.body_text, full.body_html)
            self.groups[key] = parts if exact else None
            return full
        parts = self.groups[key]
        if parts is None:
            return email_render(kind=kind, context=context)
        subject, text, html = parts
        if any(stand_in in subject for stand_in in (_NAME, _EMAIL, _UNSUBSCRIBE)):
            context = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **context}
            subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context, using="text").split())[:255]
        text, html = self._fill((text, html), context, recipient)
        return RenderedEmail(subject=subject, body_text=text, body_html=html)

    def _key(self, kind: str, context: dict, recipient: User | None, zone: str) -> tuple:
        items = []
        for name, value in sorted(context.items()):
            if value is recipient:
                value = "<recipient>"
            elif name == "unsubscribe_url":
                value = "<unsubscribe>"
            else:
                try:
                    hash(value)
                except TypeError:
                    self.alive.append(value)
                    value = ("<object>", id(value))
            items.append((name, value))
        return (kind, zone, tuple(items))

    @staticmethod
    def _parts(kind: str, context: dict, recipient: User) -> tuple[str, str, str]:
        stand_in = User(pk=recipient.pk, email=_EMAIL, display_name=_NAME, time_zone=recipient.time_zone)
        context = {name: stand_in if value is recipient else value for name, value in context.items()}
        if "unsubscribe_url" in context:
            context["unsubscribe_url"] = _UNSUBSCRIBE
        rendered = email_render(kind=kind, context=context)
        return rendered.subject, rendered.body_text, rendered.body_html

    @staticmethod
    def _fill(parts: tuple[str, str], context: dict, recipient: User) -> tuple[str, str]:
        values = {_NAME: recipient.name, _EMAIL: recipient.email, _UNSUBSCRIBE: context.get("unsubscribe_url", "")}
        text, html = parts
        for stand_in, value in values.items():
            text = text.replace(stand_in, value)
            html = html.replace(stand_in, str(escape(value)))
        return text, html
