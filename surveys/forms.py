import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from accountability.models import Team
from accountability.weeks import local_instant

from . import services
from .models import QuestionKind, Strategy, SurveyQuestion, SurveyTemplate


class LocalDateTimeField(forms.DateTimeField):
    """A date and time read, and shown, in a given time zone (the team's), whatever zone the
    person filling it in is in. A time that doesn't exist there (skipped by a daylight-saving
    change) is refused with Django's own message."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args, tz: zoneinfo.ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def to_python(self, value):
        with timezone.override(self.tz):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(self.tz):
            return super().prepare_value(value)


class RoundScheduleForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=SurveyTemplate.objects.none(),
        label="Which survey",
        empty_label=None,
        error_messages={"required": "Choose a survey.", "invalid_choice": "Choose one of the surveys."},
    )
    repeat_every_weeks = forms.IntegerField(
        label="Repeat every … weeks (optional)",
        required=False,
        min_value=1,
        max_value=52,
        help_text=(
            "Leave empty for a single round. When a round closes, the next opens this many weeks after it, "
            "at the same local time."
        ),
        error_messages={
            "min_value": "Repeat every 1 week or more, or leave it empty.",
            "max_value": "52 weeks is the longest gap.",
        },
    )

    def __init__(self, *args, team: Team, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["template"].queryset = templates
        self.fields["template"].label_from_instance = _template_label
        zone = f"in {team.name}'s time zone, {team.time_zone}"
        self.fields["opens_at"] = LocalDateTimeField(
            tz=team.tz,
            label=f"Opens ({team.time_zone})",
            help_text=f"Date and time {zone}. Invitations go out then; a time now or earlier opens it at once.",
            error_messages={"required": "Say when the survey opens."},
        )
        self.fields["closes_at"] = LocalDateTimeField(
            tz=team.tz,
            label=f"Closes ({team.time_zone})",
            help_text=f"Date and time {zone}. Results appear after it closes, if enough people answered.",
            error_messages={"required": "Say when the survey closes."},
        )
        self.order_fields(["template", "opens_at", "closes_at", "repeat_every_weeks"])

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The survey must close after it opens.")
        return cleaned


def _template_label(template: SurveyTemplate) -> str:
    name = template.name if template.version == 1 else f"{template.name}, version {template.version}"
    count = getattr(template, "question_count", None)
    if count is None:
        return name
    return f"{name} ({count} question{'s' if count != 1 else ''})"


def default_round_times(team: Team, now: datetime | None = None) -> tuple[datetime, datetime]:
    """What the scheduling form suggests: tomorrow 09:00 to a week later 17:00, team time."""
    today = team.today(now)
    return (
        local_instant(today + timedelta(days=1), time(9, 0), team.tz),
        local_instant(today + timedelta(days=8), time(17, 0), team.tz),
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, error_messages={"required": "Give the survey a name."})
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A line or two the team reads before answering.",
    )


class QuestionForm(forms.Form):
    """One row of a template. Rows without a question are skipped."""

    text = forms.CharField(label="Question or statement", max_length=300, required=False)
    kind = forms.ChoiceField(label="Answered with", choices=QuestionKind.choices, initial=QuestionKind.AGREEMENT)
    choices = forms.CharField(
        label="Choices (single choice only)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, at least two.",
    )
    strategy = forms.ChoiceField(
        label="Trust strategy (optional)",
        required=False,
        choices=[("", "None"), *Strategy.choices],
        help_text="Results average the agreement statements of each strategy.",
    )
    reverse_scored = forms.BooleanField(
        label="Reverse-scored",
        required=False,
        help_text="Agreement statements only: agreeing is the less favourable answer.",
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("text") or "").strip()
        choices = [line.strip() for line in (cleaned.get("choices") or "").splitlines() if line.strip()]
        cleaned["choice_list"] = choices
        if not text and choices:
            self.add_error("text", "Write the question, or leave the whole row empty.")
        if text and cleaned.get("kind") == QuestionKind.CHOICE and len(choices) < 2:
            self.add_error("choices", "Give at least two choices, one per line.")
        return cleaned

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("text") or "").strip()

    def as_question(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "kind": data["kind"],
            "choices": data["choice_list"],
            "strategy": data.get("strategy") or "",
            "reverse_scored": data.get("reverse_scored", False),
            "required": data.get("required", False),
        }


QUESTION_ROWS = 5  # rows shown at first; "More rows" adds QUESTION_ROWS_MORE at a time
QUESTION_ROWS_MORE = 4
QUESTION_ROWS_MAX = services.QUESTIONS_MAX
QUESTION_ROWS_EDIT_EXTRA = 2  # empty rows below a template's questions when editing it


class BaseQuestionFormSet(forms.BaseFormSet):
    """The questions of a template. Editing adds a position to each row (to reorder them
    without JavaScript) and a box to remove it."""

    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "missing_management_form": "The form arrived incomplete. Please reload the page and write it again.",
        "too_many_forms": f"A survey can have at most {QUESTION_ROWS_MAX} questions.",
    }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = "Position"
            form.fields["ORDER"].help_text = "Change the numbers to change the order."
            form.fields["ORDER"].widget.attrs.update({"min": 1, "max": QUESTION_ROWS_MAX})
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this question"


def _question_formset(*, extra: int, edit: bool):
    return forms.formset_factory(
        QuestionForm,
        formset=BaseQuestionFormSet,
        extra=extra,
        can_order=edit,
        can_delete=edit,
        max_num=QUESTION_ROWS_MAX,
        absolute_max=QUESTION_ROWS_MAX,
        validate_max=True,
    )


QuestionFormSet = _question_formset(extra=QUESTION_ROWS, edit=False)
QuestionEditFormSet = _question_formset(extra=QUESTION_ROWS_EDIT_EXTRA, edit=True)


def question_rows(questions) -> list[dict]:
    """A template's questions as the formset's initial rows."""
    return [
        {
            "text": q.text,
            "kind": q.kind,
            "choices": "\n".join(q.choices),
            "strategy": q.strategy,
            "reverse_scored": q.reverse_scored,
            "required": q.required,
        }
        for q in questions
    ]


def formset_questions(formset) -> list[dict]:
    """What services.template_create and template_update take: the rows with a question, in
    the order their positions give (when editing), without those marked for removal."""
    rows = formset.ordered_forms if formset.can_order else formset.forms
    return [
        row.as_question()
        for row in rows
        if not row.is_blank and not (formset.can_delete and row.cleaned_data.get("DELETE"))
    ]


def question_formset_with_more_rows(formset) -> "forms.BaseFormSet":
    """The same rows, as typed (in order, without those removed), and a few empty ones below
    them: adding rows works without JavaScript. Returns the bound formset unchanged when it
    has errors to show first."""
    if not formset.is_valid():
        return formset
    kept = [{**row, "choices": "\n".join(row["choices"])} for row in formset_questions(formset)]
    extra = min(len(formset.forms) - len(kept) + QUESTION_ROWS_MORE, QUESTION_ROWS_MAX - len(kept))
    return _question_formset(extra=max(extra, 0), edit=formset.can_order)(initial=kept)


AGREEMENT_WORDS = {
    1: "strongly disagree",
    2: "disagree",
    3: "neither agree nor disagree",
    4: "agree",
    5: "strongly agree",
}
SCALE_WORDS = {0: "not at all", 10: "completely"}


@dataclass
class AnswerOption:
    value: str
    short: str  # shown on the button
    words: str  # read out with it by screen readers (and part of its name)
    checked: bool


@dataclass
class AnswerItem:
    question: SurveyQuestion
    field: forms.BoundField
    options: list[AnswerOption]


class AnswerTextField(forms.CharField):
    """Line breaks count once, as the browser counts them against `maxlength` (it sends each as
    two characters, \\r\\n)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class SurveyAnswerForm(forms.Form):
    """One field per question, `q<id>`. The page draws the options itself (big buttons in a
    row, labels at both ends); the fields check what comes back."""

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            messages = {"required": "Please answer this one.", "invalid_choice": "Choose one of the options."}
            if q.kind == QuestionKind.TEXT:
                field = AnswerTextField(
                    max_length=2000,
                    required=q.required,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    error_messages={**messages, "max_length": "Keep it to 2,000 characters (this has %(show_value)s)."},
                )
            else:
                field = forms.ChoiceField(choices=self._choices(q), required=q.required, error_messages=messages)
            field.label = q.text
            self.fields[f"q{q.pk}"] = field

    @staticmethod
    def _choices(q: SurveyQuestion) -> list[tuple[str, str]]:
        if q.kind == QuestionKind.AGREEMENT:
            return [(str(v), str(v)) for v in AGREEMENT_WORDS]
        if q.kind == QuestionKind.SCALE_10:
            return [(str(v), str(v)) for v in range(11)]
        return [(str(i), label) for i, label in enumerate(q.choices)]

    def items(self) -> list[AnswerItem]:
        items = []
        for q in self.questions:
            bound = self[f"q{q.pk}"]
            current = str(bound.value() or "") if self.is_bound else ""
            options = []
            if q.kind == QuestionKind.AGREEMENT:
                options = [
                    AnswerOption(str(v), str(v), words, current == str(v)) for v, words in AGREEMENT_WORDS.items()
                ]
            elif q.kind == QuestionKind.SCALE_10:
                options = [AnswerOption(str(v), str(v), SCALE_WORDS.get(v, ""), current == str(v)) for v in range(11)]
            elif q.kind == QuestionKind.CHOICE:
                options = [AnswerOption(str(i), label, "", current == str(i)) for i, label in enumerate(q.choices)]
            items.append(AnswerItem(question=q, field=bound, options=options))
        return items

    def answers(self) -> dict[int, str]:
        """What services.response_submit takes: question id -> the answer as text."""
        return {q.pk: (self.cleaned_data.get(f"q{q.pk}") or "").strip() for q in self.questions}
