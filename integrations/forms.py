from django import forms

from accountability.models import Team

from .models import ChannelKind, Event


class EndpointForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="For you: where it goes, what it's for.")
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="https only; it must be reachable on the internet (not a private address).",
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/checkins"}),
    )
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="Every team",
        help_text="Only this team's events (leave empty for all).",
        widget=forms.TextInput(attrs={"placeholder": "team slug, or empty for every team"}),
        to_field_name="slug",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Looked up by slug when posted: no list of every team on the page.
        self.fields["team"].queryset = Team.objects.all()


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label="Where", choices=ChannelKind.choices)
    name = forms.CharField(label="Label", max_length=100, help_text="Like “#team-alpha”, so you know which is which.")
    url = forms.CharField(
        label="Webhook URL",
        max_length=2000,
        help_text="The incoming-webhook URL the chat app gave you. It is kept sealed and not shown again.",
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.slack.com/services/…", "autocomplete": "off"}),
    )
    post_week_summary = forms.BooleanField(
        label="The week's summary when the week closes", required=False, initial=True
    )
    post_updates = forms.BooleanField(label="Team updates", required=False, initial=True)
    post_recognition = forms.BooleanField(label="Thanks given to people in the team", required=False, initial=True)
    post_meetings = forms.BooleanField(
        label="Team meetings' agendas and decisions, once held", required=False, initial=True
    )
