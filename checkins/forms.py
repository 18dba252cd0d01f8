from django import forms

from accountability.models import CommitmentStatus, User

from .models import CheckIn, Mood

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
    mood = forms.TypedChoiceField(
        label="How are your mood and energy this week?",
        choices=Mood.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you're doing, from 1 to 5."},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = CheckIn
        fields = ["mood", "highlights", "blockers", "support_requested"]
        labels = {
            "highlights": "Highlights",
            "blockers": "Anything in your way?",
            "support_requested": "Support I'd like",
        }
        help_texts = {
            "highlights": "What went well, what you're proud of.",
            "support_requested": "Your manager sees this first and answers it.",
        }
        widgets = {
            "highlights": forms.Textarea(attrs={"rows": 3}),
            "blockers": forms.Textarea(attrs={"rows": 2}),
            "support_requested": forms.Textarea(attrs={"rows": 2}),
        }


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
