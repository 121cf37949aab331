"""Forms of the catalogue admin (lists edited one item per line)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from exercises.illustration import POSE_FIELDS, RANGES, formatted
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


class IllustrationWidget(forms.Textarea):
    """The picture's data as JSON, with a slider per angle and a live preview (the server
    draws it with the same code and checks it with the same rules as the catalogue file)."""

    def __init__(self) -> None:
        super().__init__(attrs={"rows": 10, "class": "vLargeTextField illustration-data"})

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        return render_to_string(
            "admin/exercises/illustration_widget.html",
            {
                "textarea": super().render(name, value, attrs, renderer),
                "ranges": json.dumps({joint: RANGES[joint] for joint in POSE_FIELDS}),
                "preview_url": reverse("admin:exercises_exercise_preview"),
            },
        )

    class Media:
        js = ["exercises/illustration-editor.js"]
        css = {"all": ["exercises/illustration-editor.css"]}


class IllustrationField(forms.JSONField):
    widget = IllustrationWidget

    def prepare_value(self, value: Any) -> Any:
        if value in (None, "", {}):
            return ""
        if isinstance(value, dict):
            return formatted(value)
        return value

    def to_python(self, value: Any) -> Any:
        return super().to_python(value) or {}


class ExerciseAdminForm(forms.ModelForm):
    aliases = LinesField(required=False, help_text="Other names people search for, one per line.")
    contraindications = LinesField(
        required=False, help_text="Who should not do it without clearance, one per line."
    )
    stop_signals = LinesField(
        required=False, help_text="What means: stop this set now, one per line."
    )
    illustration = IllustrationField(
        required=False,
        encoder=None,
        help_text="The start and end poses (angles in degrees) and the props, as in the "
        "catalogue file (SCHEMA.md, “illustration”). Move the sliders or edit the text; the "
        "preview redraws as you go. Uploaded pictures below take precedence over the drawing.",
    )

    class Meta:
        model = Exercise
        fields = [
            "name", "slug", "status", "aliases", "summary", "position", "movement_pattern",
            "difficulty", "laterality", "primary_muscles", "stabilizers", "equipment",
            "contraindications", "stop_signals", "default_sets", "default_reps_min",
            "default_reps_max", "default_tempo", "default_hold_seconds", "illustration",
        ]  # fmt: skip
