"""Forms of the client admin (adding a client, changing one)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coaching.models import Client


class ClientAddForm(forms.ModelForm):
    """A new client: their sign-in for the portal and the trainer they belong to."""

    username = forms.CharField(max_length=150, help_text="What they sign in with.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text="Give it to the client; they can change it after signing in.",
    )
    password_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
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
