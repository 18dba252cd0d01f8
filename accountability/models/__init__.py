"""People, teams, memberships, invitations, commitments and the email outbox.

Models hold fields, constraints and small derived values of one row. Every write and business
rule lives in services/ (or outbox/ for email). Migrations and every app import the models
from here; the modules only split them by subject.
"""

from .audit import AuditAction, AuditEvent, DataExport, ExportStatus, OrganisationSettings
from .commitments import (
    AGREED_SOURCES,
    SETTLED_STATUSES,
    Commitment,
    CommitmentEvent,
    CommitmentSource,
    CommitmentStatus,
)
from .leadership import LeadershipEvent
from .outbox import EmailStatus, OutboundEmail, Transport
from .people import Absence, User, UserManager, time_zone_choices, validate_time_zone
from .teams import ANONYMITY_THRESHOLD_DEFAULT, ANONYMITY_THRESHOLD_FLOOR, Invitation, Membership, Role, Team, Weekday

__all__ = [
    "AGREED_SOURCES",
    "ANONYMITY_THRESHOLD_DEFAULT",
    "ANONYMITY_THRESHOLD_FLOOR",
    "SETTLED_STATUSES",
    "Absence",
    "AuditAction",
    "AuditEvent",
    "Commitment",
    "CommitmentEvent",
    "CommitmentSource",
    "CommitmentStatus",
    "DataExport",
    "EmailStatus",
    "ExportStatus",
    "Invitation",
    "LeadershipEvent",
    "Membership",
    "OrganisationSettings",
    "OutboundEmail",
    "Role",
    "Team",
    "Transport",
    "User",
    "UserManager",
    "Weekday",
    "time_zone_choices",
    "validate_time_zone",
]
