"""Forms of the trainers' admin. They check what a person can type wrong (a dose out of range,
two different passwords); the services check everything again and have the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from coaching import limits
from coaching.models import Client, Program, ProgramTemplate
from coaching.services import PrescriptionSpec
from exercises.models import Exercise

DOSE_FIELDS = ["exercise", "sets", "reps_min", "reps_max", "load_kg", "hold_seconds", "tempo"]
PRESCRIPTION_FIELDS = (*DOSE_FIELDS, "notes")


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


# --- prescriptions (of programs and of templates) -------------------------------------------


class PrescriptionForm(forms.ModelForm):
    """One exercise and its dose in an inline. Offers published exercises only (the admin's
    ``formfield_for_foreignkey`` limits the queryset), plus the row's own exercise so that an
    untouched row stays valid."""

    class Meta:
        labels = {
            "reps_min": "reps (min)",
            "reps_max": "reps (max)",
            "load_kg": "load (kg)",
            "hold_seconds": "hold (s)",
        }
        help_texts = {"tempo": "e.g. 2-1-2: seconds up, hold, down"}

    # Narrow inputs, so that a row of the inline fits the page.
    WIDTHS = {"sets": 3.5, "reps_min": 3.5, "reps_max": 3.5, "load_kg": 4.5, "hold_seconds": 4}
    WIDTHS |= {"tempo": 5, "notes": 8}
    LIMITS = {"sets": (1, 10), "reps_min": (1, 100), "reps_max": (1, 100), "hold_seconds": (1, 300)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("exercise")
        if (
            isinstance(field, forms.ModelChoiceField)
            and field.queryset is not None
            and self.instance.exercise_id
        ):
            field.queryset = field.queryset | Exercise.objects.filter(pk=self.instance.exercise_id)
        if "exercise" in self.fields:
            widget: Any = self.fields["exercise"].widget
            widget = getattr(widget, "widget", widget)  # inside the admin's related wrapper
            widget.attrs.update({"data-width": "13em", "style": "width: 13em"})  # for select2
        for name, width in self.WIDTHS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["style"] = f"width: {width}em"
        for name, (low, high) in self.LIMITS.items():
            if name in self.fields:
                self.fields[name].widget.attrs.update({"min": low, "max": high})

    def clean_sets(self) -> int:
        sets = self.cleaned_data["sets"]
        if not 1 <= sets <= 10:
            raise ValidationError("Between 1 and 10 sets.")
        return sets

    def clean_hold_seconds(self) -> int | None:
        hold = self.cleaned_data.get("hold_seconds")
        if hold is not None and not 1 <= hold <= 300:
            raise ValidationError("Between 1 and 300 seconds.")
        return hold

    def clean_load_kg(self) -> Any:
        load = self.cleaned_data.get("load_kg")
        if load is not None and load not in limits.LOAD_KG:
            raise ValidationError(limits.LOAD_KG.message)
        return load

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("reps_min"), data.get("reps_max")
        if low is not None and not 1 <= low <= 100:
            self.add_error("reps_min", "Between 1 and 100 reps.")
        elif high is not None and not 1 <= high <= 100:
            self.add_error("reps_max", "Between 1 and 100 reps.")
        elif low is not None and high is not None and low > high:
            self.add_error("reps_max", "The most reps cannot be fewer than the fewest.")
        return data

    def spec(self) -> PrescriptionSpec:
        data = self.cleaned_data
        return PrescriptionSpec(
            exercise=data["exercise"],
            sets=data["sets"],
            reps_min=data["reps_min"],
            reps_max=data["reps_max"],
            load_kg=data.get("load_kg"),
            tempo=data.get("tempo") or "",
            hold_seconds=data.get("hold_seconds"),
            notes=data.get("notes") or "",
        )


# --- clients --------------------------------------------------------------------------------


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


# --- programs and templates -----------------------------------------------------------------


class ProgramAddForm(forms.ModelForm):
    """A new program for a client: its exercises in the rows below, or a template's."""

    class Meta:
        model = Program
        fields = ["client", "template", "name", "starts_on", "sessions_per_week"]
        help_texts = {
            "template": "Copy a template of your library (then leave the exercises below empty).",
            "name": "Leave empty to use the template's name.",
            "sessions_per_week": "Leave empty to use the template's (or 3).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "starts_on", "sessions_per_week"):
            if name in self.fields:
                self.fields[name].required = False
        if "starts_on" in self.fields:
            self.fields["starts_on"].initial = timezone.localdate
        if "sessions_per_week" in self.fields:
            self.fields["sessions_per_week"].initial = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("name") and not data.get("template") and "name" not in self.errors:
            self.add_error("name", "Name the program, or choose a template.")
        sessions = data.get("sessions_per_week")
        if sessions is not None and sessions not in limits.SESSIONS_PER_WEEK:
            self.add_error("sessions_per_week", limits.SESSIONS_PER_WEEK.message)
        return data


class ProgramTemplateForm(forms.ModelForm):
    class Meta:
        model = ProgramTemplate
        fields = ["practice", "name", "description", "sessions_per_week"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_sessions_per_week(self) -> int:
        sessions = self.cleaned_data["sessions_per_week"]
        if sessions not in limits.SESSIONS_PER_WEEK:
            raise ValidationError(limits.SESSIONS_PER_WEEK.message)
        return sessions


class AssignTemplateForm(forms.Form):
    """The intermediate page of the client list's "assign a template" action."""

    template = forms.ModelChoiceField(queryset=ProgramTemplate.objects.none())
    starts_on = forms.DateField(
        initial=timezone.localdate,
        widget=AdminDateWidget,
        help_text="Each client's current program ends when the new one is assigned.",
    )

    def __init__(self, *args: Any, templates: QuerySet[ProgramTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


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
