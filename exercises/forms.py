"""Forms of the catalogue admin (lists edited one item per line)."""

from __future__ import annotations

from django import forms

from exercises.models import Exercise


class LinesField(forms.CharField):
    """A list of texts edited as one text per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial: object, data: object) -> bool:
        return (initial or []) != self.to_python(data)


class ExerciseAdminForm(forms.ModelForm):
    aliases = LinesField(required=False, help_text="Other names people search for, one per line.")
    contraindications = LinesField(
        required=False, help_text="Who should not do it without clearance, one per line."
    )
    stop_signals = LinesField(
        required=False, help_text="What means: stop this set now, one per line."
    )

    class Meta:
        model = Exercise
        fields = [
            "name", "slug", "status", "aliases", "summary", "position", "movement_pattern",
            "difficulty", "laterality", "primary_muscles", "stabilizers", "equipment",
            "contraindications", "stop_signals", "default_sets", "default_reps_min",
            "default_reps_max", "default_tempo", "default_hold_seconds",
        ]  # fmt: skip
