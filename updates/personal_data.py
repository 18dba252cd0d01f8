"""What the updates app holds about a person, for "export my data" (registered in apps.py).

Deletion keeps updates and thanks: they were written to others, and now read as from
"former member" (the core renames the person)."""

from accountability.models import User

from .models import Recognition, RecognitionRecipient, ResponseKind, Update, UpdateResponse


def _iso(value):
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def export(user: User) -> dict:
    received_ids = RecognitionRecipient.objects.filter(user=user).values("recognition_id")
    return {
        "updates_you_posted": [
            {"team": u.team.name if u.team else "everyone", "title": u.title, "body": u.body, "at": _iso(u.created_at)}
            for u in Update.objects.filter(author=user).select_related("team").order_by("pk")
        ],
        "your_responses_to_updates": [
            {"update": r.update.title, "kind": ResponseKind(r.kind).label}
            for r in UpdateResponse.objects.filter(user=user).select_related("update").order_by("pk")
        ],
        "thanks_you_gave": [
            {
                "to": ", ".join(sorted(rr.user.name for rr in r.recipients.all())),
                "message": r.message,
                "values": ", ".join(sorted(v.name for v in r.values.all())),
                "at": _iso(r.created_at),
            }
            for r in Recognition.objects.filter(giver=user)
            .prefetch_related("recipients__user", "values")
            .order_by("created_at", "pk")
        ],
        "thanks_you_received": [
            {
                "from": r.giver.name,
                "message": r.message,
                "values": ", ".join(sorted(v.name for v in r.values.all())),
                "at": _iso(r.created_at),
            }
            for r in Recognition.objects.filter(pk__in=received_ids)
            .select_related("giver")
            .prefetch_related("values")
            .order_by("created_at", "pk")
        ],
    }
