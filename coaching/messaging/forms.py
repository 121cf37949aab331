"""The portal's message form (the service, ``message_post``, has the last word)."""

from __future__ import annotations

from typing import Any

from django import forms

from coaching.models import Message, Session


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=Message._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write a message first.",
            "max_length": "At most %(limit_value)d characters (%(show_value)d written).",
        },
    )
    session = forms.ModelChoiceField(
        label="About a session (optional)",
        queryset=Session.objects.none(),
        required=False,
        empty_label="No, a general message",
        error_messages={"invalid_choice": "Not one of your sessions."},
    )

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = sessions  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.performed_at:%a %d %b, %H:%M}"  # type: ignore[attr-defined]
