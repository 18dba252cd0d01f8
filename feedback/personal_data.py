"""What the feedback app holds about a person, for "export my data" (registered in apps.py).

Anonymous feedback is not linked to anyone (no writer key, see models.py), so it cannot be in
anyone's export; the export says so. Feedback someone chose to sign, and the replies they wrote
as a manager under their own name, are theirs and are exported."""

from accountability.models import User

from .models import Author, FeedbackMessage, FeedbackThread

HOLDS_NOTHING = (
    "anonymous feedback you wrote: it is stored with no link to you (only its follow-up code, "
    "which you kept, opens it). Feedback you signed and replies you wrote as a manager are included."
)


def export(user: User) -> dict:
    signed = FeedbackThread.objects.filter(signed_by=user)
    return {
        "signed_feedback": [
            {
                "team": m.thread.team.name,
                "thread": str(m.thread_id),
                "by": "you" if m.author_kind == Author.WRITER else "a manager",
                "body": m.body,
                "on": m.created_on.isoformat(),
            }
            for m in FeedbackMessage.objects.filter(thread__in=signed)
            .select_related("thread__team")
            .order_by("thread_id", "position")
        ],
        "replies_you_wrote_as_manager": [
            {"team": m.thread.team.name, "thread": str(m.thread_id), "body": m.body, "on": m.created_on.isoformat()}
            for m in FeedbackMessage.objects.filter(manager=user, author_kind=Author.MANAGER)
            .select_related("thread__team")
            .order_by("created_on", "thread_id", "position")
        ],
    }
