from datetime import date

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.dateformat import format as date_format

from accountability.models import Commitment, CommitmentStatus
from accountability.services import REVIEWABLE_FROM
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


@register.filter
def outcome(commitment: Commitment) -> str:
    """The status as its badge says it; a renegotiated one names the date it moved to (the
    selectors load `renegotiated_to` with the row)."""
    if commitment.status == CommitmentStatus.RENEGOTIATED:
        try:
            successor = commitment.renegotiated_to
        except ObjectDoesNotExist:
            successor = None
        if successor is not None:
            return f"Renegotiated to {date_format(successor.due_date, 'D j M')}"
    return commitment.get_status_display()


@register.filter
def can_undo(commitment: Commitment) -> bool:
    """An outcome its owner may take back (accountability.services.commitment_reopen's rule)."""
    return commitment.status in REVIEWABLE_FROM and commitment.status != CommitmentStatus.OPEN
