"""The portal's reminder settings form (the service, ``preferences_update``, has the last word)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from coaching.models import ReminderPreferences
from coaching.reminders.services import time_zones

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ReminderPreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label="Your time zone")

    class Meta:
        model = ReminderPreferences
        fields = [
            "email", "push", "at", "check_in", "check_in_at", "time_zone", "quiet_from", "quiet_until",
            "message_email",
        ]  # fmt: skip
        labels = {
            "email": "Email me a reminder on my exercise days",
            "push": "Send notifications to my devices",
            "at": "From this time",
            "check_in": "Also remind me of the morning check-in",
            "check_in_at": "Check-in reminder from",
            "quiet_from": "Quiet hours from",
            "quiet_until": "until",
            "message_email": "Email me when my trainer writes to me",
        }
        help_texts = {
            "email": "Only on the days your program plans, and not once you have logged the "
            "session. After two missed days, one gentle nudge.",
            "push": "The reminders, and a note when your trainer writes, on each phone or "
            "computer where you turned notifications on (below).",
            "check_in": "Every day of your program, until the day's check-in is in.",
            "at": "Your planned days are on Today.",
            "quiet_from": "Never a reminder in this span (e.g. 22:00 to 07:00). Leave both empty "
            "for none.",
        }
        widgets = dict.fromkeys(("at", "check_in_at", "quiet_from", "quiet_until"), TIME)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = cast(forms.ChoiceField, self.fields["time_zone"])
        zones.choices = [(z, z) for z in sorted(time_zones())]
        for name in ("at", "check_in_at", "quiet_from", "quiet_until"):
            self.fields[name].error_messages["invalid"] = "A time of day, 00:00 to 23:59."
