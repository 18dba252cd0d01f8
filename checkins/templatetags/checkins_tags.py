from datetime import date

from django import template

from accountability.models import Commitment
from accountability.weeks import Week

from ..forms import REVIEW_CHOICES

register = template.Library()


@register.simple_tag
def review_choices() -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in REVIEW_CHOICES]


@register.filter
def carried_over(commitment: Commitment, today: date) -> bool:
    """Open, and made for a week before the one `today` falls in."""
    return commitment.status == "open" and commitment.week < Week.containing(today).start


@register.filter
def mood_word(label: str) -> str:
    """ "3 · Okay" -> "Okay": the number is shown on its own beside the word."""
    return str(label).split(" · ", 1)[-1]
