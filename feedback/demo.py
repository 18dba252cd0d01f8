"""Demo anonymous feedback (see `manage.py seed_demo`).

The demo thread's follow-up code is fixed and documented in the README, so a newcomer can try
the anonymous follow-up page; a real code is random and shown once.
"""

from datetime import datetime, timedelta

from accountability.models import Membership, Role

from . import services
from .models import Author, FeedbackMessage, FeedbackThread, ThreadStatus

DEMO_CODE = "DEMO-CODE-FORT-HEAM-IDEA-2026"


def seed_history(*, teams, now: datetime) -> int:
    added = 0
    for team in teams:
        if team.slug == "platform" and not FeedbackThread.objects.filter(team=team).exists():
            managers = [m.user for m in Membership.objects.filter(team=team, role=Role.MANAGER).select_related("user")]
            added += _seed_feedback(team, managers, now)
    return added


def _seed_feedback(team, managers, now) -> int:
    today = team.today(now)
    thread = FeedbackThread.objects.create(
        team=team,
        to_admins=services.goes_to_admins(team),
        category="process",
        status=ThreadStatus.IN_PROGRESS,
        code_hash=services.code_hash(DEMO_CODE),
        created_on=today - timedelta(days=9),
        updated_on=today - timedelta(days=8),
        released_on=today - timedelta(days=8),  # the daily release, the morning after
    )
    FeedbackMessage.objects.create(
        thread=thread,
        position=1,
        author_kind=Author.WRITER,
        body="Our planning meeting runs long and the quieter people rarely get a word in. Could we try "
        "writing ideas down first?",
        created_on=thread.created_on,
        released_on=thread.released_on,
    )
    if managers:
        FeedbackMessage.objects.create(
            thread=thread,
            position=2,
            author_kind=Author.MANAGER,
            manager=managers[0],
            body="Thank you for saying this. Let's try five minutes of silent writing at the start of the "
            "next two planning meetings, then review.",
            created_on=today - timedelta(days=8),
            released_on=today - timedelta(days=8),
        )
    second = FeedbackThread.objects.create(
        team=team,
        to_admins=thread.to_admins,
        category="appreciation",
        code_hash=services.code_hash(services.code_new()),
        created_on=today - timedelta(days=2),
        updated_on=today - timedelta(days=2),
        released_on=today - timedelta(days=1),
    )
    FeedbackMessage.objects.create(
        thread=second,
        position=1,
        author_kind=Author.WRITER,
        body="The new on-call handbook made my first week on call much calmer. Thanks to whoever wrote it.",
        created_on=second.created_on,
        released_on=second.released_on,
    )
    return 5
