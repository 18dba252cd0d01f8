from datetime import date

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.forms import BoundField
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

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


@register.filter
def field_group(field: BoundField) -> str:
    """A form field as Bootstrap 5 shows it (label, control, help text, errors, wired together
    with aria-describedby and aria-invalid), the markup crispy-bootstrap5 gives.

    The week page is the app's most visited: crispy renders each field through several
    templates, which was a third of the page's rendering time (bench/pages.py). This is the
    same markup built once in Python, with Django's own escaping (format_html)."""
    widget_id = field.auto_id
    described = []
    if field.errors:
        described.append(f"{widget_id}_error")
    if field.help_text:
        described.append(f"{widget_id}_helptext")
    css = "form-control is-invalid" if field.errors else "form-control"
    attrs = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    required = mark_safe('<span class="asteriskField" aria-hidden="true">*</span>') if field.field.required else ""  # noqa: S308 - a constant
    errors = (
        format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            widget_id,
            format_html_join("", "<p><strong>{}</strong></p>", ((error,) for error in field.errors)),
        )
        if field.errors
        else ""
    )
    help_text = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', widget_id, field.help_text)
        if field.help_text
        else ""
    )
    return format_html(
        '<div id="div_{id}" class="mb-3"><label for="{id}" class="form-label{req}">{label}{star}</label>'
        "{widget}{errors}{help}</div>",
        id=widget_id,
        req=" requiredField" if field.field.required else "",
        label=field.label,
        star=required,
        widget=field.as_widget(attrs=attrs),
        errors=errors,
        help=help_text,
    )


# Stand-ins for the one commitment-specific value each in the blank review form; the digits
# cannot occur anywhere else in it.
_STAMP_PK = 8675309421
_STAMP_TITLE = "REVIEWFORMTITLESTAMP"


@register.simple_tag(takes_context=True)
def blank_review_form(context: template.Context, commitment: Commitment) -> str:
    """checkins/_review_form.html with no answer yet, for `commitment`: exactly what
    `{% include "checkins/_review_form.html" with form=None %}` gives.

    A week page has a review form under every commitment, and they differ only in the
    commitment's id and title: the template is rendered once per page with stand-ins and
    stamped for each row (a form with errors still renders through the template). Most of the
    week page's rendering time was these forms (bench/pages.py)."""
    # Kept in the render's outermost scope: each {% include %} of a row opens a scope of its own.
    page_scope = context.render_context.dicts[0]
    stamp = page_scope.get(blank_review_form)
    if stamp is None:
        stand_in = Commitment(pk=_STAMP_PK, title=_STAMP_TITLE)
        with context.push(commitment=stand_in, form=None):
            stamp = context.template.engine.get_template("checkins/_review_form.html").render(context)
        page_scope[blank_review_form] = stamp
    return mark_safe(  # noqa: S308 - the template's output, the title escaped as it would
        stamp.replace(str(_STAMP_PK), str(commitment.pk)).replace(_STAMP_TITLE, conditional_escape(commitment.title))
    )
