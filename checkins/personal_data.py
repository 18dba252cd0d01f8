"""What the check-ins app holds about a person, for "export my data", deletion and the
retention purge (registered in apps.py; the core runs them, accountability/registry.py)."""

from django.db.models import Case, F, Q, QuerySet, Value, When

from accountability.models import User
from accountability.registry import RetentionCutoffs

from .models import TEXT_KINDS, Answer, CheckIn, Comment

REMOVED = "(removed)"
TEXT_FIELDS = ("highlights", "blockers", "support_requested")


def _iso(value):
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def export(user: User) -> dict:
    checkins = [
        {
            "team": row["team__name"],
            "week": _iso(row["week"]),
            "mood": row["mood"],
            "highlights": row["highlights"],
            "blockers": row["blockers"],
            "support_requested": row["support_requested"],
            "submitted_at": _iso(row["submitted_at"]),
            "late": row["is_late"],
            "acknowledged_at": _iso(row["acknowledged_at"]),
        }
        for row in CheckIn.objects.filter(member=user)
        .order_by("week", "team__name")
        .values(
            "team__name",
            "week",
            "mood",
            *TEXT_FIELDS,
            "submitted_at",
            "is_late",
            "acknowledged_at",
        )
    ]
    # Every reply in one's own threads (a manager's reply to one's check-in is about one),
    # and every reply one wrote in others' threads.
    replies = [
        {
            "team": c.team.name,
            "thread_of": "you" if c.member_id == user.pk else c.member.name,
            "on": "check-in" if c.checkin_id else "commitment",
            "by": "you" if c.author_id == user.pk else c.author.name,
            "body": c.body,
            "at": _iso(c.created_at),
        }
        for c in Comment.objects.filter(Q(member=user) | Q(author=user))
        .select_related("team", "member", "author")
        .order_by("created_at", "pk")
    ]
    # Answers to the team's own questions, each under the wording it was asked in that week.
    answers = [
        {
            "team": a.checkin.team.name,
            "week": _iso(a.checkin.week),
            "question": a.question.label,
            "shared_with_teammates": a.question.is_shared,
            "answer": a.display,
        }
        for a in Answer.objects.filter(checkin__member=user)
        .select_related("checkin__team", "question")
        .order_by("checkin__week", "checkin__team__name", "question__position", "pk")
    ]
    return {"checkins": checkins, "answers_to_team_questions": answers, "replies": replies}


def _replace_answer_text(answers: QuerySet[Answer]) -> int:
    """Written answers (short and long text) become REMOVED; numbers, scales, yes/no and
    choices stay, as the team's figures are made of them."""
    return answers.filter(question__kind__in=TEXT_KINDS).exclude(text="").exclude(text=REMOVED).update(text=REMOVED)


def _replace_text(checkins: QuerySet[CheckIn]) -> int:
    """One UPDATE: each non-empty text becomes REMOVED (so "asked for support" and "had a
    blocker" still count), moods and dates stay. The version moves on, so a tab holding the
    old text cannot write it back (checkin_submit refuses a stale version)."""
    changed = Q()
    for name in TEXT_FIELDS:
        changed |= ~Q(**{name: ""}) & ~Q(**{name: REMOVED})
    return checkins.filter(changed).update(
        **{name: Case(When(**{name: ""}, then=Value("")), default=Value(REMOVED)) for name in TEXT_FIELDS},
        version=F("version") + 1,
    )


def erase(user: User) -> None:
    _replace_text(CheckIn.objects.filter(member=user))
    _replace_answer_text(Answer.objects.filter(checkin__member=user))
    Comment.objects.filter(Q(member=user) | Q(author=user)).exclude(body=REMOVED).update(body=REMOVED)


def purge(cutoffs: RetentionCutoffs) -> int:
    done = 0
    if cutoffs.checkin_text is not None:
        done += _replace_text(CheckIn.objects.filter(submitted_at__lt=cutoffs.checkin_text))
        done += _replace_answer_text(Answer.objects.filter(checkin__submitted_at__lt=cutoffs.checkin_text))
    if cutoffs.replies is not None:
        done += Comment.objects.filter(created_at__lt=cutoffs.replies).exclude(body=REMOVED).update(body=REMOVED)
    return done
