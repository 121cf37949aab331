"""Forms of the client admin (adding a client, changing one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coaching.models import Client, Trainer


class ClientAddForm(forms.ModelForm):
    """A new client: their sign-in for the portal and the trainer they belong to. Without a
    password the client is emailed an invitation to choose their own."""

    username = forms.CharField(max_length=150, help_text="What they sign in with.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        required=False, help_text="Where their invitation goes (needed unless you set a password)."
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        required=False,
        help_text="Leave empty (best): the client is emailed an invitation to choose their own. "
        "Or set one and give it to them.",
    )
    password_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        required=False,
        label="Password (again)",
    )

    class Meta:
        model = Client
        fields = ["trainer", "notes"]

    def clean_password_again(self) -> str:
        again = self.cleaned_data["password_again"]
        if self.cleaned_data.get("password") not in (None, again):
            raise ValidationError("The two passwords differ.")
        return again

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("password") and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email", "Give an email address to invite them, or set a password for them."
            )
        return data


class ClientChangeForm(forms.ModelForm):
    """A client's details: their name and email (kept on their user) and the practice's notes."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)

    class Meta:
        model = Client
        fields = ["trainer", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            user = self.instance.user
            for name in ("first_name", "last_name", "email"):
                self.initial.setdefault(name, getattr(user, name))


class TrainerAddForm(forms.ModelForm):
    """A new trainer of the practice, invited by email to choose their password."""

    username = forms.CharField(max_length=150, help_text="What they sign in with.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="Their invitation goes there.")

    class Meta:
        model = Trainer
        fields = ["practice", "is_practice_admin"]
        labels = {"is_practice_admin": "Practice admin (manages the practice's trainers)"}
