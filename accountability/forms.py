from allauth.account import forms as account_forms
from allauth.account.adapter import get_adapter
from allauth.core import context
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from .models import Membership, Role, Team, User, time_zone_choices
from .registry import optional_kinds


def _time_zone_field(*, required: bool, empty_label: str | None = None) -> forms.ChoiceField:
    choices = list(time_zone_choices())
    if empty_label is not None:
        choices = [("", empty_label), *choices]
    return forms.ChoiceField(choices=choices, required=required, label="Time zone")


class TeamCreateForm(forms.Form):
    name = forms.CharField(max_length=100)
    time_zone = _time_zone_field(required=True)
    first_manager_email = forms.EmailField(
        label="First manager's email",
        required=False,
        help_text="They get an invitation to manage the team. Leave empty to manage it yourself for now.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = "UTC"


class TeamSettingsForm(forms.ModelForm):
    time_zone = _time_zone_field(required=True)

    class Meta:
        model = Team
        fields = [
            "name",
            "time_zone",
            "checkin_weekday",
            "checkin_time",
            "reminders_enabled",
            "nudge_hours_before_close",
            "anonymity_threshold",
            "open_commitments",
        ]
        widgets = {"checkin_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        error_messages = {
            "anonymity_threshold": {
                "min_value": "Keep it at 3 or more: with fewer answers, people could be recognised.",
                "max_value": "50 is the most it can be.",
            },
        }


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class InvitationAcceptForm(forms.Form):
    display_name = forms.CharField(label="Your name", max_length=150, help_text="How your team will see you.")
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        if p1:
            # Checked even when the two differ, so nobody needs two round trips to learn both.
            probe = User(email=self.email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(forms.ModelForm):
    time_zone = _time_zone_field(required=False, empty_label="Use each team's time zone")

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]
        labels = {"display_name": "Your name"}
        help_texts = {"display_name": "How your teams see you."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True


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


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Sign-in and passwords (django-allauth's forms, in our words) ------------------------------


PASSWORDS_OFF = (
    "Passwords are not used here: sign in with your organisation's account (the button on the sign-in page)."
)


class PasswordsOffMixin:
    """With PASSWORD_SIGN_IN off (single sign-on only), a password form accepts nothing."""

    def clean(self):
        if not settings.PASSWORD_SIGN_IN:
            raise ValidationError(PASSWORDS_OFF, code="passwords_off")
        return super().clean()


class SignInForm(PasswordsOffMixin, account_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""


class PasswordResetRequestForm(PasswordsOffMixin, account_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email"
        self.fields["email"].widget.attrs.pop("placeholder", None)


class PasswordResetKeyForm(PasswordsOffMixin, account_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "New password confirmation"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)

    def save(self) -> None:
        super().save()
        # Whoever can read the account's mailbox may try passwords again at once.
        get_adapter(context.request).login_lock_lift(context.request, email=self.user.email)


class PasswordSetForm(PasswordsOffMixin, account_forms.SetPasswordForm):
    pass


class PasswordChangeForm(PasswordsOffMixin, account_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Current password"
        self.fields["oldpassword"].help_text = ""
        self.fields["password1"].label = "New password"
        self.fields["password2"].label = "New password confirmation"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class EmailPreferencesForm(forms.Form):
    """One checkbox per optional kind, checked when the person receives it."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in optional_kinds().items():
            self.fields[kind] = forms.BooleanField(label=label, required=False, initial=kind not in user.email_opt_outs)

    def opt_outs(self) -> list[str]:
        return [kind for kind in optional_kinds() if not self.cleaned_data.get(kind)]


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label="First day away", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Last day away", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Note (optional)", required=False, max_length=200)
