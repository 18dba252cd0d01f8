"""The check-in pages, by job: the member's week, commitments, and the managers' review."""

from .commitments import commitment_detail, commitment_propose, commitment_reply, history
from .questions import (
    question_add,
    question_edit,
    question_move,
    question_retire,
    question_set_from_template,
    question_template_save,
    team_questions,
)
from .review import checkin_acknowledge, checkin_detail, checkin_reply, checkin_support_answered
from .week import commitment_add, commitment_reopen, commitment_review, proposal_respond, week_page

__all__ = [
    "checkin_acknowledge",
    "checkin_detail",
    "checkin_reply",
    "checkin_support_answered",
    "commitment_add",
    "commitment_detail",
    "commitment_propose",
    "commitment_reopen",
    "commitment_reply",
    "commitment_review",
    "history",
    "proposal_respond",
    "question_add",
    "question_edit",
    "question_move",
    "question_retire",
    "question_set_from_template",
    "question_template_save",
    "team_questions",
    "week_page",
]
