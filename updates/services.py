"""Every write of the updates app: posting and reading updates, responding to them, the
organisation's values, and recognition."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accountability.models import Membership, Team, User
from accountability.registry import event_emit

from . import emails, permissions
from .markdown import render_markdown
from .models import (
    RECOGNITION_MESSAGE_MAX,
    UPDATE_BODY_MAX,
    UPDATE_TITLE_MAX,
    Recognition,
    RecognitionRecipient,
    ResponseKind,
    Update,
    UpdateRead,
    UpdateResponse,
    Value,
)

# --- Updates -----------------------------------------------------------------------------


def update_post(*, author: User, team: Team | None, title: str, body: str, now: datetime | None = None) -> Update:
    """Post an update to a team (team None: to the whole organisation, admins only). The
    Markdown is kept as written and rendered once, sanitised, for pages and emails."""
    if not permissions.can_post_update(author, team):
        raise ValidationError("Only the team's managers (or an organisation admin) can post its updates.")
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = "Give the update a short title."
    elif len(title) > UPDATE_TITLE_MAX:
        errors["title"] = f"Keep the title under {UPDATE_TITLE_MAX} characters (it has {len(title)})."
    if not body:
        errors["body"] = "Write what's decided, what's changing, and why."
    elif len(body) > UPDATE_BODY_MAX:
        errors["body"] = (
            f"Updates are short: at most {UPDATE_BODY_MAX:,} characters, and this one has {len(body):,}. "
            "Perhaps link to the longer document?"
        )
    if errors:
        raise ValidationError(errors)
    update = Update.objects.create(
        team=team,
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
        created_at=now or timezone.now(),
    )
    event_emit(
        name="update.posted",
        team=team,
        payload={"update": update.pk, "title": title, "author": author.name},
        key=str(update.pk),
    )
    return update


def update_mark_read(*, update: Update, user: User, now: datetime | None = None) -> bool:
    """Record that someone read an update (once; again is a no-op). The author's own reading
    is not a receipt. True when a receipt was written."""
    if update.author_id == user.pk:
        return False
    _, created = UpdateRead.objects.get_or_create(update=update, user=user, defaults={"read_at": now or timezone.now()})
    return created


@transaction.atomic
def update_respond(*, update: Update, user: User, kind: str, now: datetime | None = None) -> bool:
    """A one-click "thanks" or "I have a question" to the author (once of each). Responding
    means they read it. True when it was new."""
    if kind not in ResponseKind.values:
        raise ValidationError("Choose “thanks” or “I have a question”.")
    if update.author_id == user.pk:
        raise ValidationError("This is your own update.")
    update_mark_read(update=update, user=user, now=now)
    _, created = UpdateResponse.objects.get_or_create(
        update=update, user=user, kind=kind, defaults={"created_at": now or timezone.now()}
    )
    if created and kind == ResponseKind.QUESTION:
        # A question needs an answer: the author is told (thanks are seen on the page).
        emails.update_question(update=update, asker=user)
    return created


# --- Values ------------------------------------------------------------------------------


def _value_clean(value: Value) -> None:
    value.name = value.name.strip()
    value.meaning = " ".join(value.meaning.split())
    try:
        value.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def value_create(*, actor: User, name: str, meaning: str, order: int | None = None) -> Value:
    if not permissions.can_manage_values(actor):
        raise ValidationError("Only organisation admins define the organisation's values.")
    if order is None:
        order = (Value.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    value = Value(name=name, meaning=meaning, order=order)
    _value_clean(value)
    try:
        with transaction.atomic():
            value.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "There is already a value with this name."}) from exc
    return value


def value_update(*, actor: User, value: Value, name: str, meaning: str, order: int) -> Value:
    """Rename, reword or reorder a value; past recognition shows the value as it is now."""
    if not permissions.can_manage_values(actor):
        raise ValidationError("Only organisation admins define the organisation's values.")
    value.name, value.meaning, value.order = name, meaning, order
    _value_clean(value)
    try:
        with transaction.atomic():
            value.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "There is already a value with this name."}) from exc
    return value


def value_retire(*, actor: User, value: Value, retire: bool = True, now: datetime | None = None) -> Value:
    """Retire a value (no new recognition can use it; past recognition keeps it), or bring it back."""
    if not permissions.can_manage_values(actor):
        raise ValidationError("Only organisation admins define the organisation's values.")
    value.retired_at = (now or timezone.now()) if retire else None
    value.save(update_fields=["retired_at"])
    return value


# --- Recognition -------------------------------------------------------------------------


def _recipients_check(giver: User, recipients: list[User]) -> list[User]:
    if not recipients:
        raise ValidationError({"recipients": "Choose at least one person to thank."})
    if any(person.pk == giver.pk for person in recipients):
        raise ValidationError({"recipients": "Thanks are for someone else: you can't thank yourself."})
    ids = {person.pk for person in recipients}
    known = set(
        Membership.objects.filter(user_id__in=ids, user__is_active=True).values_list("user_id", flat=True).distinct()
    )
    outside = [person.name for person in recipients if person.pk not in known]
    if outside:
        raise ValidationError(
            {"recipients": f"{', '.join(outside)} isn't in a team of this organisation, so can't be thanked here."}
        )
    return list({person.pk: person for person in recipients}.values())


@transaction.atomic
def recognition_give(
    *,
    giver: User,
    recipients: list[User],
    values: list[Value],
    message: str,
    now: datetime | None = None,
) -> Recognition:
    """Thank one or several people for something specific, tagged with one or more of the
    organisation's current values. Each recipient is told by email (an optional kind)."""
    if not permissions.can_give_thanks(giver):
        raise ValidationError("Only people in the organisation can give thanks here.")
    recipients = _recipients_check(giver, recipients)
    message = message.strip()
    errors = {}
    if not message:
        errors["message"] = "Say what they did: specific thanks mean the most."
    elif len(message) > RECOGNITION_MESSAGE_MAX:
        errors["message"] = f"Keep it under {RECOGNITION_MESSAGE_MAX:,} characters (it has {len(message):,})."
    if not values:
        errors["values"] = "Choose at least one value it showed."
    else:
        current = {v.pk: v for v in Value.objects.filter(pk__in=[v.pk for v in values])}
        retired = [current[v.pk].name for v in values if v.pk in current and current[v.pk].is_retired]
        if retired or len(current) != len({v.pk for v in values}):
            errors["values"] = (
                f"{', '.join(retired) or 'That value'} is no longer one of the organisation's values; "
                "choose a current one."
            )
    if errors:
        raise ValidationError(errors)
    recognition = Recognition.objects.create(giver=giver, message=message, created_at=now or timezone.now())
    recognition.values.set(values)
    RecognitionRecipient.objects.bulk_create(
        [RecognitionRecipient(recognition=recognition, user=person) for person in recipients]
    )
    for person in recipients:
        emails.recognition_received(recognition=recognition, recipient=person, values=values)
    event_emit(
        name="recognition.given",
        team=None,
        payload={
            "recognition": recognition.pk,
            "giver": giver.name,
            "people": [p.pk for p in recipients],
            "names": [p.name for p in recipients],
            "values": [v.name for v in values],
            "message": message,
        },
        key=str(recognition.pk),
    )
    return recognition
