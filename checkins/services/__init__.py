"""Every write about check-ins, by job: the check-in itself, the managers' review and replies,
and what Celery beat dispatches.
"""

from .checkin import CheckInClosed, CheckInConflict, CheckInResult, QuestionsChanged, checkin_submit, checkin_window
from .dispatch import (
    REPLY_BATCH_MINUTES,
    REPLY_BATCH_RELEVANT_FOR,
    REPLY_BATCH_SETTLE,
    checkin_reminders_dispatch,
    reminder_moments,
    replies_dispatch,
    reply_window,
    reply_window_start,
)
from .questions import (
    question_add,
    question_clean,
    question_move,
    question_retire,
    question_set_replace,
    question_template_save,
    question_update,
)
from .review import checkin_acknowledge, comment_add, comments_mark_seen, support_mark_answered

__all__ = [
    "CheckInClosed",
    "CheckInConflict",
    "CheckInResult",
    "QuestionsChanged",
    "REPLY_BATCH_MINUTES",
    "REPLY_BATCH_RELEVANT_FOR",
    "REPLY_BATCH_SETTLE",
    "checkin_acknowledge",
    "checkin_reminders_dispatch",
    "checkin_submit",
    "checkin_window",
    "comment_add",
    "comments_mark_seen",
    "question_add",
    "question_clean",
    "question_move",
    "question_retire",
    "question_set_replace",
    "question_template_save",
    "question_update",
    "reminder_moments",
    "replies_dispatch",
    "reply_window",
    "reply_window_start",
    "support_mark_answered",
]
