"""Forms' shared machinery: one mapper from a service's ``ValidationError`` to form errors, used
by the admin and the portal alike."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has
    that field, otherwise at the top of the form, saying what it is about."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, errors in error.error_dict.items():
        messages = [message for e in errors for message in e.messages]
        if key in form.fields:
            form.add_error(key, messages)
        elif key == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        else:
            form.add_error(None, [f"{_describe(key)}: {message}" for message in messages])


def _describe(key: str) -> str:
    """``prescriptions[1]`` → ``Exercise 2``; ``sessions_per_week`` → ``Sessions per week``."""
    if key.startswith("prescriptions[") and key.endswith("]"):
        return f"Exercise {int(key[len('prescriptions[') : -1]) + 1}"
    if key == "prescription":
        return "Exercise"
    return key.replace("_", " ").capitalize()


def with_service_error(form_class: type[forms.BaseForm], error: ValidationError) -> type:
    """The form class again, refusing to validate with the service's errors shown on it."""

    class FormWithServiceError(form_class):  # type: ignore[valid-type,misc]
        def full_clean(self) -> None:
            super().full_clean()
            if self.is_bound:
                add_service_error(self, error)

    FormWithServiceError.__name__ = form_class.__name__
    return FormWithServiceError
