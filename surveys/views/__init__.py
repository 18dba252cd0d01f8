"""Pages for pulse surveys: answering (answering.py), the managers' pages (managing.py) and
the results (results.py). urls.py reads the views from here."""

from .answering import survey_answer, survey_list, survey_open, survey_thanks
from .managing import (
    survey_round_cancel,
    survey_round_close,
    survey_rounds,
    survey_schedule,
    survey_template,
    survey_template_edit,
    survey_template_new,
)
from .results import survey_results, survey_results_export

__all__ = [
    "survey_answer",
    "survey_list",
    "survey_open",
    "survey_results",
    "survey_results_export",
    "survey_round_cancel",
    "survey_round_close",
    "survey_rounds",
    "survey_schedule",
    "survey_template",
    "survey_template_edit",
    "survey_template_new",
    "survey_thanks",
]
