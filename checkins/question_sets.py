"""The question sets written in code: the default set every team starts with (the check-in's
highlights, blockers and support columns) and the three built-in organisation templates.

A question here is a dict of Question's fields. Mood and energy is not among them: it is the
fixed first question of every check-in, whatever the set.
"""

import uuid
from datetime import date

from .models import QuestionKind, Special, Visibility

# The first week of every default question: "asked since always" for the history a team had
# before it changed its questions.
EPOCH = date(2000, 1, 3)
MAX_QUESTIONS = 20
MAX_CHOICES = 12
# Stable keys for a team's default questions, so the same question has the same form field
# before and after its first version is written (see services.questions).
_KEYS = uuid.UUID("6f1b6a59-8d4e-4f7b-9a55-0c2f3f0d1e8a")

HIGHLIGHTS = {
    "kind": QuestionKind.LONG_TEXT,
    "label": "Highlights",
    "help_text": "What went well, what you're proud of.",
    "special": Special.HIGHLIGHTS,
}
BLOCKERS = {"kind": QuestionKind.LONG_TEXT, "label": "Anything in your way?", "special": Special.BLOCKERS}
SUPPORT = {
    "kind": QuestionKind.LONG_TEXT,
    "label": "Support I'd like",
    "help_text": "Your manager sees this first and answers it.",
    "special": Special.SUPPORT,
}
DEFAULT_SET = [HIGHLIGHTS, BLOCKERS, SUPPORT]

BUILTIN_TEMPLATES = [
    {
        "slug": "one-to-one-prep",
        "name": "Weekly 1-on-1 prep",
        "description": "A few notes ahead of your one-to-one, so the time goes on what matters to you.",
        "questions": [
            {"kind": QuestionKind.LONG_TEXT, "label": "What would you like to talk about this week?"},
            HIGHLIGHTS,
            BLOCKERS,
            SUPPORT,
            {
                "kind": QuestionKind.SCALE,
                "label": "How clear are your priorities right now?",
                "low_label": "Foggy",
                "high_label": "Crystal clear",
            },
        ],
    },
    {
        "slug": "engineering-weekly",
        "name": "Engineering weekly",
        "description": "What shipped, what's in the way, and how focused the week felt.",
        "questions": [
            {
                "kind": QuestionKind.LONG_TEXT,
                "label": "What did you ship or move forward?",
                "visibility": Visibility.SHARED,
            },
            BLOCKERS,
            {
                "kind": QuestionKind.SCALE,
                "label": "How much focus time did you get?",
                "low_label": "Hardly any",
                "high_label": "Plenty",
            },
            {
                "kind": QuestionKind.YES_NO,
                "label": "Were you on call this week?",
            },
            SUPPORT,
        ],
    },
    {
        "slug": "wellbeing",
        "name": "Wellbeing",
        "description": "A gentle look at how people are doing, not only at what they did.",
        "questions": [
            {
                "kind": QuestionKind.SCALE,
                "label": "How manageable did your workload feel?",
                "low_label": "Too much",
                "high_label": "Just right",
            },
            {
                "kind": QuestionKind.CHOICE,
                "label": "What gave you the most energy this week?",
                "choices": ["The work itself", "The people", "Learning something", "Rest", "Something else"],
            },
            {"kind": QuestionKind.SHORT_TEXT, "label": "One thing you're grateful for"},
            SUPPORT,
        ],
    },
]


def default_key(team_id: int, special: str) -> uuid.UUID:
    return uuid.uuid5(_KEYS, f"{team_id}:{special}")


def question_fields(spec: dict) -> dict:
    """A question's fields with their defaults filled in."""
    return {
        "kind": spec["kind"],
        "label": spec["label"],
        "help_text": spec.get("help_text", ""),
        "required": spec.get("required", False),
        "visibility": spec.get("visibility", Visibility.PRIVATE),
        "choices": list(spec.get("choices", [])),
        "low_label": spec.get("low_label", ""),
        "high_label": spec.get("high_label", ""),
        "special": spec.get("special", ""),
    }
