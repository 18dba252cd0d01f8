from django import forms

from accountability.models import CommitmentStatus, User

from .models import CheckIn, Mood, Question, QuestionKind, Visibility

REVIEW_CHOICES = [
    (CommitmentStatus.DONE, "Done"),
    (CommitmentStatus.PARTLY_DONE, "Partly done"),
    (CommitmentStatus.NOT_DONE, "Not done yet"),
    (CommitmentStatus.RENEGOTIATED, "Renegotiate: new date"),
    (CommitmentStatus.LET_GO, "Let it go, with a lesson"),
]


class CommitmentForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label="I commit to…",
        error_messages={"required": "Give the commitment a short title."},
    )
    details = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(
        required=False,
        label="Due",
        help_text="Leave empty for the end of the week.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ProposeForm(CommitmentForm):
    owner = forms.TypedChoiceField(label="Propose to", coerce=int, empty_value=None)

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        # No one preselected: a proposal to the wrong person is worse than one more click.
        self.fields["owner"].choices = [("", "Choose a person"), *[(m.pk, m.name) for m in members]]
        self.fields["owner"].label = "Propose to"
        self.fields["title"].label = "Proposed commitment"
        self.order_fields(["owner", "title", "details", "due_date"])


class CheckInForm(forms.ModelForm):
    """Mood and energy, then the week's questions in their order: the ones stored on the
    check-in (highlights, blockers, support) under their column's name, the others as
    `q-<key>` (the key stays across rewordings, so what was typed survives one)."""

    mood = forms.TypedChoiceField(
        label="How are your mood and energy this week?",
        choices=Mood.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you're doing, from 1 to 5."},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    question_set = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = CheckIn
        fields = ["mood", "highlights", "blockers", "support_requested"]
        widgets = {
            "highlights": forms.Textarea(attrs={"rows": 3}),
            "blockers": forms.Textarea(attrs={"rows": 2}),
            "support_requested": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        asked = {q.special: q for q in questions if q.special}
        for name in ("highlights", "blockers", "support_requested"):
            if name not in asked:
                del self.fields[name]
        order = ["mood"]
        for question in questions:
            if question.special:
                field = self.fields[question.special]
                field.required = question.required
                field.error_messages["required"] = "This one is needed: a few words are enough."
            else:
                field = question_field(question)
                self.fields[question.field_name] = field
            field.label = question.label
            field.help_text = _help(question)
            field.question = question
            order.append(question.field_name)
        self.order_fields([*order, "version", "question_set"])

    def question_fields(self) -> list:
        return [self[q.field_name] for q in self.questions]

    @property
    def answers(self) -> dict[str, object]:
        """The answers to the questions not stored on the check-in, by question key."""
        return {str(q.key): self.cleaned_data.get(q.field_name) for q in self.questions if not q.special}


def _help(question: Question) -> str:
    shared = " Your teammates see this answer too." if question.visibility == Visibility.SHARED else ""
    return f"{question.help_text}{shared}".strip()


def question_field(question: Question) -> forms.Field:
    """The right input for each kind of question."""
    needed = {"required": "This one is needed."}
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(required=question.required, max_length=200, error_messages=needed)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            required=question.required,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages=needed,
        )
    if kind == QuestionKind.SCALE:
        return forms.TypedChoiceField(
            required=question.required,
            coerce=int,
            empty_value=None,
            choices=[(i, str(i)) for i in range(1, 6)],
            widget=forms.RadioSelect,
            error_messages={**needed, "invalid_choice": "Choose from 1 to 5."},
        )
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            required=question.required,
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
            error_messages={**needed, "invalid_choice": "Answer yes or no."},
        )
    if kind == QuestionKind.CHOICE:
        return forms.ChoiceField(
            required=question.required,
            choices=[(c, c) for c in question.choices],
            widget=forms.RadioSelect,
            error_messages={**needed, "invalid_choice": "Choose one of the options shown."},
        )
    return forms.DecimalField(
        required=question.required,
        max_digits=15,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            **needed,
            "invalid": "Give a number, like 3 or 2.5.",
            "max_digits": "That number is too large.",
            "max_decimal_places": "Four decimals at most.",
            "max_whole_digits": "That number is too large.",
        },
    )


class QuestionForm(forms.Form):
    """A manager's question: what it asks, how it is answered, who sees the answers."""

    kind = forms.ChoiceField(label="Answered with", choices=QuestionKind.choices, initial=QuestionKind.SHORT_TEXT)
    label = forms.CharField(
        label="Question",
        max_length=200,
        error_messages={"required": "Write the question.", "max_length": "Keep the question to 200 characters."},
    )
    help_text = forms.CharField(label="A hint under the question (optional)", required=False, max_length=200)
    required = forms.BooleanField(label="An answer is required", required=False)
    visibility = forms.ChoiceField(
        label="Who sees the answers", choices=Visibility.choices, initial=Visibility.PRIVATE, widget=forms.RadioSelect
    )
    choices = forms.CharField(
        label="Choices, one a line (for a choice question)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    low_label = forms.CharField(label="What 1 means (for a scale)", required=False, max_length=200)
    high_label = forms.CharField(label="What 5 means (for a scale)", required=False, max_length=200)
    same_meaning = forms.BooleanField(
        label="The new wording means the same thing: keep its figures together with the old ones",
        required=False,
    )

    def __init__(self, *args, editing: Question | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if editing is None:
            del self.fields["same_meaning"]
        else:
            # The kind stays: to ask something else, retire the question and add another.
            del self.fields["kind"]
            if editing.kind != QuestionKind.CHOICE:
                del self.fields["choices"]
            if editing.kind != QuestionKind.SCALE:
                del self.fields["low_label"]
                del self.fields["high_label"]
            if editing.special:
                self.fields["visibility"].help_text = "Highlights, blockers and support requests stay private."

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]


class QuestionTemplateForm(forms.Form):
    name = forms.CharField(label="Template name", max_length=100)
    description = forms.CharField(label="What it's for (optional)", required=False, max_length=200)


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label="How did it go?",
        choices=REVIEW_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it went."},
    )
    obstacle = forms.CharField(
        label="What got in the way?", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_wanted = forms.CharField(
        label="What would help?", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_due_date = forms.DateField(
        label="New due date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label="Why the date moves, or what you learned",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProposalResponseForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    note = forms.CharField(required=False, max_length=2000, label="A word for your manager (optional)")


class ReplyForm(forms.Form):
    """A reply in a check-in's or a commitment's thread. The template renders the field itself
    (see _reply_form.html), so a page that has no form object yet can show an empty one."""

    MAX_LENGTH = 4000

    body = forms.CharField(
        label="Reply",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a reply first."},
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > self.MAX_LENGTH:
            # No maxlength on the textarea: a browser would cut a long paste short without a word.
            raise forms.ValidationError(
                f"Keep a reply to {self.MAX_LENGTH:,} characters (this one has {len(body):,}). "
                "Your text is still here to shorten."
            )
        return body
