from django import forms

from .models import Scope
from .services import NAME_MAX, TOKEN_LIFETIMES


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX, help_text="What will use it, e.g. “weekly report script”.", label="Token name"
    )
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.READ, label="What it may do")
    lifetime_days = forms.TypedChoiceField(
        choices=[(days, f"{days} days") for days in TOKEN_LIFETIMES],
        coerce=int,
        initial=90,
        label="Expires after",
    )
