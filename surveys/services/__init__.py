"""Pulse surveys: every write and rule, in three parts (templates, rounds, answering).

Views, tasks, the admin and the demo import from here, not from the parts.
"""

from .answering import (
    SurveyUnavailable,
    invitation_for_token,
    invitation_renew,
    invitation_renewable,
    response_submit,
    round_for_thanks_key,
    survey_thanks_key,
    survey_token_hash,
)
from .rounds import (
    REMINDER_AFTER_OPENING,
    REMINDER_BEFORE_CLOSING,
    round_cancel,
    round_close,
    round_schedule,
    survey_dispatch,
    survey_member_joined,
)
from .templates import QUESTIONS_MAX, TemplateSaved, template_create, template_update

__all__ = [
    "QUESTIONS_MAX",
    "REMINDER_AFTER_OPENING",
    "REMINDER_BEFORE_CLOSING",
    "SurveyUnavailable",
    "TemplateSaved",
    "invitation_for_token",
    "invitation_renew",
    "invitation_renewable",
    "response_submit",
    "round_cancel",
    "round_close",
    "round_for_thanks_key",
    "round_schedule",
    "survey_dispatch",
    "survey_member_joined",
    "survey_thanks_key",
    "survey_token_hash",
    "template_create",
    "template_update",
]
