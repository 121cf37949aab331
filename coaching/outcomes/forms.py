"""The portal's questionnaire form: one short page. Client-named activities (the PSFS): the
first time, up to five rows of a name and a 0–10 rating; later, the same activities to rate
again. Fixed questions: each with its options as radio buttons. The service checks and scores
the answers; its errors come back on the rows they name."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coaching.outcomes.selectors import Questionnaire
from coaching.portal.forms import ErrorLink, KeyedForm, form_errors
from coaching.shared.forms import add_service_error


def _rating_field(label: str, low: int, high: int, *, required: bool) -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in range(low, high + 1)],
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number.", "invalid_choice": "Choose a number."},
    )


class QuestionnaireForm(KeyedForm):
    def __init__(self, questionnaire: Questionnaire, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        definition = questionnaire.instrument.definition
        self.named = questionnaire.activities
        self.rows: list[tuple[forms.BoundField | None, forms.BoundField]] = []
        if "activities" in definition:
            scale = definition["scale"]
            count = len(self.named) or definition["activities"]["max"]
            for i in range(count):
                label = (
                    self.named[i] if self.named else f"How well can you do activity {i + 1} today?"
                )
                if not self.named:
                    self.fields[f"name_{i}"] = forms.CharField(
                        label=f"Activity {i + 1}",
                        required=False,
                        max_length=80,
                        widget=forms.TextInput(attrs={"autocomplete": "off"}),
                    )
                self.fields[f"rating_{i}"] = _rating_field(
                    label, scale["min"], scale["max"], required=bool(self.named)
                )
            self.rows = [
                (None if self.named else self[f"name_{i}"], self[f"rating_{i}"])
                for i in range(count)
            ]
        else:
            for item in definition["items"]:
                options = item.get("options")
                field: forms.Field
                if options:
                    field = forms.TypedChoiceField(
                        label=item["text"],
                        choices=[(o["value"], o["label"]) for o in options],
                        coerce=int,
                        empty_value=None,
                        required=item.get("required", True),
                        widget=forms.RadioSelect,
                        error_messages={"required": "This question needs an answer."},
                    )
                else:
                    scale = item.get("scale") or definition["scale"]
                    field = _rating_field(
                        item["text"],
                        scale["min"],
                        scale["max"],
                        required=item.get("required", True),
                    )
                self.fields[f"item_{item['key']}"] = field
            self.rows = [(None, self[f"item_{item['key']}"]) for item in definition["items"]]
        self._sent: list[int] = []  # the form rows the answers sent name, in order

    def answers(self) -> dict[str, Any]:
        """The answers as the service takes them (empty activity rows left out)."""
        data = self.cleaned_data
        definition = self.questionnaire.instrument.definition
        if "activities" not in definition:
            return {
                "items": {
                    item["key"]: data.get(f"item_{item['key']}")
                    for item in definition["items"]
                    if data.get(f"item_{item['key']}") is not None
                }
            }
        sent = []
        self._sent = []
        for i in range(len(self.rows)):
            name = self.named[i] if self.named else (data.get(f"name_{i}") or "").strip()
            rating = data.get(f"rating_{i}")
            if not self.named and not name and rating is None:
                continue
            self._sent.append(i)
            sent.append({"name": name, "rating": rating})
        return {"activities": sent}

    def add_service_error(self, error: ValidationError) -> None:
        add_service_error(self, error, locate=self._locate)

    def _locate(self, key: str) -> tuple[forms.BaseForm, str | None]:
        parts = key.split(".")
        if parts[:2] == ["answers", "items"] and len(parts) == 3:
            return self, f"item_{parts[2]}"
        if parts[:2] == ["answers", "activities"] and len(parts) == 4 and parts[2].isdigit():
            sent = int(parts[2])
            row = self._sent[sent] if sent < len(self._sent) else sent
            return self, f"{parts[3]}_{row}"
        return self, None

    def error_summary(self) -> list[ErrorLink]:
        return form_errors(self, "")
