from django import forms

from accountability.models import User

from .models import RECOGNITION_MESSAGE_MAX, UPDATE_BODY_MAX, UPDATE_TITLE_MAX, VALUE_MEANING_MAX, VALUE_NAME_MAX

# Generous on the wire: the services say kindly what is too long, and the text is kept.
_SLACK = 20_000


class UpdateForm(forms.Form):
    title = forms.CharField(max_length=_SLACK, help_text=f"Up to {UPDATE_TITLE_MAX} characters.")
    body = forms.CharField(
        label="What's decided, what's changing, and why",
        max_length=_SLACK * 5,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            f"Markdown: **bold**, *italics*, lists, [links](https://example.org). "
            f"Up to {UPDATE_BODY_MAX:,} characters. "
            "HTML is shown as text."
        ),
    )


class ValueForm(forms.Form):
    name = forms.CharField(max_length=VALUE_NAME_MAX)
    meaning = forms.CharField(label="One-line meaning", max_length=VALUE_MEANING_MAX)
    order = forms.IntegerField(min_value=0, max_value=32767, required=False, help_text="Lower numbers come first.")


class RecognitionForm(forms.Form):
    teammates = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who are you thanking?",
    )
    others = forms.CharField(
        required=False,
        max_length=2000,
        label="Someone from another team",
        help_text="Their email addresses, separated by commas.",
    )
    values = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which of our values did it show?",
    )
    message = forms.CharField(
        max_length=_SLACK,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What did they do?",
        help_text=f"Something specific. Up to {RECOGNITION_MESSAGE_MAX:,} characters; shown as plain text.",
    )

    def __init__(self, *args, teammates, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teammates"].queryset = teammates
        self.fields["teammates"].label_from_instance = lambda user: user.name
        # Every value is accepted here, so the service can say kindly that one is retired;
        # only the current ones are offered.
        self.fields["values"].queryset = values
        self.fields["values"].widget.choices = [
            (value.pk, f"{value.name}: {value.meaning}") for value in values.filter(retired_at__isnull=True)
        ]
        self.fields["values"].error_messages["invalid_choice"] = (
            "That value is no longer one of the organisation's values; choose a current one."
        )

    def clean_others(self) -> list[str]:
        raw = self.cleaned_data["others"]
        emails = [part.strip().lower() for part in raw.replace(";", ",").split(",") if part.strip()]
        for email in emails:
            try:
                forms.EmailField().clean(email)
            except forms.ValidationError:
                raise forms.ValidationError(f"“{email}” doesn't look like an email address.") from None
        return emails
