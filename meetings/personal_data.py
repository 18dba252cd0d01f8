"""What the meetings app holds about a person, for "export my data", deletion and the
retention purge (registered in apps.py; the core runs them, accountability/registry.py)."""

from django.db.models import Case, F, Q, Value, When

from accountability.models import User
from accountability.registry import RetentionCutoffs

from .models import AgendaPoint, Kind, Meeting, PrivateNote

REMOVED = "(removed)"


def _iso(value):
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def export(user: User) -> dict:
    one_to_ones = Meeting.objects.filter(
        Q(series__kind=Kind.ONE_TO_ONE) & (Q(series__member=user) | Q(series__manager=user))
    )
    return {
        "one_to_ones": [
            {
                "team": m.team.name,
                "with": (m.series.member if m.series.manager_id == user.pk else m.series.manager).name,
                "on": _iso(m.on),
                "status": m.status,
                "shared_notes": m.shared_notes,
                "decisions": m.decisions,
            }
            for m in one_to_ones.select_related("team", "series__member", "series__manager").order_by("starts_at")
        ],
        "talking_points_you_added": [
            {"meeting_on": _iso(p.meeting.on), "text": p.text, "resolved": p.resolved, "at": _iso(p.created_at)}
            for p in AgendaPoint.objects.filter(author=user).select_related("meeting").order_by("created_at", "pk")
        ],
        "private_notes": [
            {"meeting_on": _iso(n.meeting.on), "body": n.body, "updated_at": _iso(n.updated_at)}
            for n in PrivateNote.objects.filter(author=user).select_related("meeting").order_by("meeting__starts_at")
        ],
    }


def erase(user: User) -> None:
    """Private notes go (only their writer ever saw them); talking points keep their place in
    the agenda without the text. Meetings held and their counts stay."""
    PrivateNote.objects.filter(author=user).delete()
    AgendaPoint.objects.filter(author=user).exclude(text=REMOVED).update(text=REMOVED)


def purge(cutoffs: RetentionCutoffs) -> int:
    """Shared notes and decisions of meetings before the cutoff, and private notes of those
    meetings: one UPDATE each. Held, skipped and moved meetings stay counted. The version moves
    on, so a tab holding old notes cannot save them back (meeting_notes_save refuses it)."""
    if cutoffs.meeting_notes is None:
        return 0
    old = Meeting.objects.filter(starts_at__lt=cutoffs.meeting_notes)
    done = old.filter(
        (~Q(shared_notes="") & ~Q(shared_notes=REMOVED)) | (~Q(decisions="") & ~Q(decisions=REMOVED))
    ).update(
        shared_notes=Case(When(shared_notes="", then=Value("")), default=Value(REMOVED)),
        decisions=Case(When(decisions="", then=Value("")), default=Value(REMOVED)),
        version=F("version") + 1,
    )
    done += (
        PrivateNote.objects.filter(meeting__starts_at__lt=cutoffs.meeting_notes)
        .exclude(body="")
        .exclude(body=REMOVED)
        .update(body=REMOVED)
    )
    return done
