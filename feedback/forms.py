from django import forms

from accountability.models import Team

from . import services
from .models import Category, ThreadStatus

BODY_MAX = services.BODY_MAX


def destination_of(team: Team) -> str:
    """Who reads anonymous feedback to this team: "managers" or "admins"."""
    return "admins" if services.goes_to_admins(team) else "managers"


def admins_reason(team: Team) -> str:
    """Why a team's feedback goes to the admins, for the note the writer reads before sending.
    The team must come annotated by selectors.with_feedback_counts."""
    return "no-manager" if team.feedback_managers == 0 else "small"


class TeamSelect(forms.Select):
    """Each team's option carries where anonymous feedback to it goes, so the page can say so
    as soon as a team is chosen (static/js/feedback.js). Without JavaScript the view asks
    for a confirmation instead when the destination differs from the one shown."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        team = getattr(value, "instance", None)
        if team is not None:
            destination = destination_of(team)
            option["attrs"]["data-destination"] = destination
            option["attrs"]["data-reason"] = admins_reason(team) if destination == "admins" else ""
        return option


class BodyField(forms.CharField):
    """Free text up to BODY_MAX characters. Line breaks count once, as the browser counts them
    against `maxlength` (it sends each as two characters, \\r\\n)."""

    def __init__(self, label: str, *, help_text: str = "", rows: int = 6):
        super().__init__(
            label=label,
            max_length=BODY_MAX,
            help_text=help_text,
            widget=forms.Textarea(attrs={"rows": rows}),
            error_messages={
                "required": "Write what you'd like to say.",
                "max_length": f"Keep it to {BODY_MAX:,} characters (this has %(show_value)s).",
            },
        )

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class FeedbackForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Which team is it for?",
        empty_label="Choose a team",
        widget=TeamSelect(attrs={"data-feedback-team": ""}),
        error_messages={"required": "Choose the team it is for.", "invalid_choice": "Choose one of the teams."},
    )
    category = forms.ChoiceField(
        label="What kind of feedback is it?",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of feedback it is."},
    )
    body = BodyField("Your feedback", help_text=f"Up to {BODY_MAX:,} characters.", rows=8)
    sign = forms.BooleanField(
        label="Sign it with my name",
        required=False,
        help_text="Leave this unticked to stay anonymous. Ticked, the people who read it see your name.",
    )
    # The destination the page showed when the form was sent ("managers" or "admins").
    shown_destination = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class CodeField(forms.CharField):
    def __init__(self, *, hidden: bool = False, **kwargs):
        widget = (
            forms.HiddenInput
            if hidden
            else forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "autocapitalize": "characters",
                    "spellcheck": "false",
                    "class": "follow-up-code",
                }
            )
        )
        super().__init__(
            label="Your follow-up code",
            max_length=64,
            widget=widget,
            error_messages={"required": "Enter the code you were given when you sent your feedback."},
            **kwargs,
        )


class CodeForm(forms.Form):
    code = CodeField(help_text="Capitals, spaces and dashes don't matter.")


class WriterReplyForm(forms.Form):
    code = CodeField(hidden=True)
    body = BodyField("Your answer", help_text="The managers see it without your name.", rows=4)


class ConsentForm(forms.Form):
    code = CodeField(hidden=True)
    consent = forms.BooleanField(
        label="The managers may share what I raised, in their own words, with the whole team",
        required=False,
        help_text=(
            "As “You said, we did” on the team's page: a short summary of what you raised, in the managers' "
            "words, and what was done about it. It never says who raised it. You can change your mind at any "
            "time; taking it back takes it down."
        ),
    )


class ManagerReplyForm(forms.Form):
    body = BodyField("Your answer", help_text="Sent under your name.", rows=4)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=ThreadStatus.choices)


class PublishForm(forms.Form):
    gist = forms.CharField(
        label="You said",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The gist of what was raised, in your words. Leave out anything that could point to who wrote it.",
    )
    answer = forms.CharField(
        label="We did",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you did, or will do, about it.",
    )
