"""The admin's erase / anonymise confirmation form."""

from __future__ import annotations

from typing import Any

from django import forms


class EraseClientForm(forms.Form):
    """The practice admin chooses erase or anonymise, and types the username to confirm."""

    mode = forms.ChoiceField(
        choices=[
            ("anonymise", "Anonymise: remove the person (name, email, username, password, notes, "
             "devices, login records); keep the clinical logs and flags without a name"),
            ("erase", "Erase: remove the person and every record about them, for good"),
        ],
        widget=forms.RadioSelect,
    )  # fmt: skip
    confirm = forms.CharField(label="Type the client's username to confirm", max_length=150)

    def __init__(self, *args: Any, username: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username = username

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.username:
            raise forms.ValidationError("That is not this client's username.")
        return value
