"""Forms of the program and template admin: a prescription row, a new program, a template, and
assigning a template to several clients. They check what a person can type wrong; the services
check everything again and have the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from coaching.models import Program, ProgramTemplate
from coaching.programs import limits, schedule
from coaching.programs.models import DOSE_FIELDS
from coaching.programs.services import PrescriptionChange, PrescriptionSpec
from exercises.models import Exercise

# a row of the inline: the exercise, then its dose
PRESCRIPTION_FIELDS = ("exercise", *DOSE_FIELDS)


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
    LIMITS = {
        "sets": limits.SETS,
        "reps_min": limits.PRESCRIBED_REPS,
        "reps_max": limits.PRESCRIBED_REPS,
        "hold_seconds": limits.HOLD_SECONDS,
    }

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
        for name, bounds in self.LIMITS.items():
            if name in self.fields:
                self.fields[name].widget.attrs.update({"min": bounds.low, "max": bounds.high})

    def clean_sets(self) -> int:
        sets = self.cleaned_data["sets"]
        if sets not in limits.SETS:
            raise ValidationError(limits.SETS.message)
        return sets

    def clean_hold_seconds(self) -> int | None:
        hold = self.cleaned_data.get("hold_seconds")
        if hold is not None and hold not in limits.HOLD_SECONDS:
            raise ValidationError(limits.HOLD_SECONDS.message)
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
        if low is not None and low not in limits.PRESCRIBED_REPS:
            self.add_error("reps_min", limits.PRESCRIBED_REPS.message)
        elif high is not None and high not in limits.PRESCRIBED_REPS:
            self.add_error("reps_max", limits.PRESCRIBED_REPS.message)
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


class CurrentPrescriptionForm(PrescriptionForm):
    """A row of a program's current exercises: changing it replaces the prescription (the
    service ends it and starts the new one), "End?" takes it out; both keep the history."""

    end = forms.BooleanField(required=False, label="End?")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:  # a new row: nothing to end (its ✕ removes it)
            self.fields["end"].widget = forms.HiddenInput()

    def change(self) -> PrescriptionChange | None:
        """What the trainer did to this saved row, for ``program_exercises_update``."""
        if self.cleaned_data.get("end"):
            return PrescriptionChange(prescription=self.instance, end=True)
        changed = [name for name in self.changed_data if name in DOSE_FIELDS]
        moved = "exercise" in self.changed_data
        if not (changed or moved):
            return None
        return PrescriptionChange(
            prescription=self.instance,
            exercise=self.cleaned_data["exercise"] if moved else None,
            changes={name: self.cleaned_data[name] for name in changed},
        )


def planned_days_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=schedule.CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Planned days",
        help_text="Tick the days the client exercises on (sessions per week is then their "
        "number), or none: any days, as many as sessions per week.",
    )


class ProgramAddForm(forms.ModelForm):
    """A new program for a client: its exercises in the rows below, or a template's."""

    planned_days = planned_days_field()

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
    planned_days = planned_days_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("planned_days", schedule.to_codes(self.instance.weekdays))
        if "sessions_per_week" in self.fields:
            self.fields["sessions_per_week"].required = False
            self.fields["sessions_per_week"].help_text = "Without planned days (default 3)."

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
