"""The audit trail: one function that appends a row, called by the services of privileged
actions (roles, team settings, invitations, leaving, exports, admin sign-ins, survey rounds).

Nothing here updates or deletes a row, and nothing may ever record an anonymous writer or a
survey answerer: those paths never call `audit_record`.
"""

import logging
from datetime import date, datetime, time
from decimal import Decimal

from django.db import models

from ..models import AuditAction, AuditEvent, Team, User

logger = logging.getLogger(__name__)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def audit_record(
    *,
    actor: User | None,
    action: str,
    team: Team | None = None,
    target_user: User | None = None,
    target: models.Model | None = None,
    target_label: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event. `actor` None is the system (a scheduled job). `target` is any row
    acted upon (a survey round, an invitation, an API token): its kind and id are kept, and its
    `str()` unless `target_label` says otherwise. Call it inside the action's transaction, so the
    trail and the change commit together."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent.objects.create(
        actor=actor,
        action=action,
        team=team,
        team_name=team.name if team is not None else "",
        target_user=target_user,
        target_type=target._meta.label_lower if target is not None else ("user" if target_user else ""),
        target_id=str(target.pk) if target is not None else (str(target_user.pk) if target_user else ""),
        target_label=(target_label or (str(target) if target is not None else ""))[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    return event


def audit_admin_signed_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver (connected in apps.py): organisation admins' sign-ins."""
    if getattr(user, "is_staff", False):
        audit_record(actor=user, action=AuditAction.ADMIN_SIGNED_IN, target_user=user)
