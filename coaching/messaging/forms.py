"""The portal's message form (the service, ``message_post``, has the last word)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coaching.messaging import services
from coaching.messaging.models import BODY_MAX
from coaching.models import Client, Session
from coaching.shared.forms import add_service_error
from coaching.shared.selectors import Actor


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=BODY_MAX,
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

    def __init__(self, data: Any, *, client: Client, recent: int) -> None:
        """The form for ``client``'s conversation: a message may be about one of their last
        ``recent`` sessions."""
        super().__init__(data)
        self.client = client
        sessions = Session.objects.filter(client=client).order_by("-performed_at")
        field = self.fields["session"]
        field.queryset = sessions.filter(  # type: ignore[attr-defined]
            pk__in=list(sessions.values_list("pk", flat=True)[:recent])
        )
        field.label_from_instance = lambda s: f"{s.performed_at:%a %d %b, %H:%M}"  # type: ignore[attr-defined]

    def send(self, actor: Actor) -> bool:
        """Post the message if the form and then the service accept it (the service's refusals
        become the form's errors); whether it was sent."""
        if not self.is_valid():
            return False
        try:
            services.message_post(
                actor=actor,
                client=self.client,
                body=self.cleaned_data["body"],
                session=self.cleaned_data["session"],
            )
        except ValidationError as exc:
            add_service_error(self, exc)
            return False
        return True
