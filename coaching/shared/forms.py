"""Forms' shared machinery: one mapper from a service's ``ValidationError`` to form errors, used
by the admin and the portal alike."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

# Where a service's error key goes: the form (one of a nested set of forms) and its field, or
# ``None`` for the top of that form.
Locate = Callable[[str], tuple[forms.BaseForm, str | None]]


def service_messages(error: ValidationError) -> list[tuple[str, list[str]]]:
    """A service's ``ValidationError`` as (key, messages) pairs; a plain one under
    ``NON_FIELD_ERRORS``."""
    if not hasattr(error, "error_dict"):
        return [(NON_FIELD_ERRORS, error.messages)]
    return [
        (key, [message for e in errors for message in e.messages])
        for key, errors in error.error_dict.items()
    ]


def add_service_error(
    form: forms.BaseForm, error: ValidationError, locate: Locate | None = None
) -> None:
    """Show a service's ``ValidationError`` on the form: each message on the field its key
    names, else at the top of the form, saying what it is about. ``locate`` finds the form and
    field of a key in a set of nested forms (the portal's session log: ``entries.0.sets.1.reps``
    is the reps of the second set of the first exercise)."""
    for key, messages in service_messages(error):
        target, field = locate(key) if locate else (form, key)
        if field is not None and field in target.fields:
            target.add_error(field, messages)
        elif field is None or field == NON_FIELD_ERRORS:
            target.add_error(None, messages)
        else:
            target.add_error(None, [f"{_describe(key)}: {message}" for message in messages])


def _describe(key: str) -> str:
    """``prescriptions[1]`` → ``Exercise 2``; ``sessions_per_week`` → ``Sessions per week``."""
    if key.startswith("prescriptions[") and key.endswith("]"):
        return f"Exercise {int(key[len('prescriptions[') : -1]) + 1}"
    if key == "prescription":
        return "Exercise"
    return key.replace("_", " ").capitalize()
