from django import forms

from accountability.models import Weekday

from .models import Cadence, Status


class CadenceForm(forms.Form):
    cadence = forms.ChoiceField(choices=Cadence.choices, initial=Cadence.FORTNIGHTLY, label="How often")
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, initial=Weekday.TUESDAY, label="Day")
    local_time = forms.TimeField(
        label="Time", initial="10:00", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


class StartForm(CadenceForm):
    """Start a one-to-one: `other` is "<team id>:<user id>" from the choices the page offers."""

    other = forms.ChoiceField(label="With")

    def __init__(self, *args, people: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].choices = [
            (team.name, [(f"{team.pk}:{user.pk}", user.name) for user in users]) for team, users in people
        ]
        self.order_fields(["other", "cadence", "weekday", "local_time"])


class PointForm(forms.Form):
    text = forms.CharField(label="Talking point", max_length=500, widget=forms.TextInput())


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Shared notes", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    decisions = forms.CharField(
        label="Decisions", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput())


class PrivateNoteForm(forms.Form):
    body = forms.CharField(
        label="My private note (only you ever see it)",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionItemForm(forms.Form):
    title = forms.CharField(label="Action item", max_length=200)
    owner = forms.TypedChoiceField(label="Whose", coerce=int)
    due_date = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.pk, u.name) for u in owners]


class RecordForm(forms.Form):
    status = forms.ChoiceField(choices=[(Status.HELD, "Held"), (Status.SKIPPED, "Skipped")], widget=forms.RadioSelect)
    reason = forms.CharField(label="Reason (if skipped)", required=False, max_length=300)
    attendees = forms.TypedMultipleChoiceField(
        label="Who attended", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if members:
            self.fields["attendees"].choices = [(u.pk, u.name) for u in members]
        else:
            del self.fields["attendees"]


class MoveForm(forms.Form):
    new_date = forms.DateField(label="New date", widget=forms.DateInput(attrs={"type": "date"}))
    new_time = forms.TimeField(
        label="Time", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(label="Why it moves", max_length=300)


class EndForm(forms.Form):
    reason = forms.CharField(label="Why it ends", max_length=200)


class TransferForm(forms.Form):
    to_manager = forms.TypedChoiceField(label="Continue with", coerce=int)

    def __init__(self, *args, managers: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_manager"].choices = [(u.pk, u.name) for u in managers]
