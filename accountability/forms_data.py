"""Forms of the people's-data pages: the audit trail's filters, retention, leaving."""

from django import forms

from .models import AuditAction, OrganisationSettings


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    actor = forms.EmailField(label="By (email address)", required=False)
    team = forms.CharField(label="Team name contains", required=False, max_length=100)
    on_or_after = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    on_or_before = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if name == "action" else "form-control form-control-sm"
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("on_or_after"), data.get("on_or_before")
        if start and end and end < start:
            self.add_error("on_or_before", "The last day can't be before the first.")
        return data


class RetentionForm(forms.ModelForm):
    class Meta:
        model = OrganisationSettings
        fields = ["checkin_text_months", "reply_months", "meeting_notes_months", "former_member_months"]


class PersonDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand: their check-in answers, reflections, replies and private notes are removed for good.",
        required=True,
        error_messages={"required": "Tick the box to confirm; nothing was deleted."},
    )
