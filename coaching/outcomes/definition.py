"""Questionnaires as data: checking an instrument's definition, and scoring answers to it. Pure:
no ORM, no clock (the loader, the services and the triage rules call these).

An instrument has either fixed ``items`` (each with ``options`` or a numeric ``scale``) or
client-named ``activities`` (the Patient-Specific Functional Scale: 3–5 activities the client
names once and rates each time). ``scoring`` is ``mean``, ``sum`` or ``percent`` (the sum as a
percentage of the highest possible for the items answered); ``better`` says which way is better;
``meaningful_change`` is the minimal important change in score points; ``risk_bands`` (optional)
name ranges of the score, ``risk: high`` marking the band that asks for a referral review."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from coaching.outcomes.measures import meaningful_change
from exercises.illustration import StrictSerializer
from exercises.loader import flatten_errors

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
ACTIVITY_NAME_MAX = 80


class DefinitionError(Exception):
    """The instrument file is malformed; ``problems`` lists each one, naming item and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the instrument is not valid:\n  " + "\n  ".join(problems))


class _ScaleIn(StrictSerializer):
    min = serializers.IntegerField(min_value=0, max_value=100)
    max = serializers.IntegerField(min_value=1, max_value=100)
    low = serializers.CharField(max_length=80, required=False, default="")
    high = serializers.CharField(max_length=80, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["min"] >= attrs["max"]:
            raise serializers.ValidationError({"max": "must be above min"})
        return attrs


class _OptionIn(StrictSerializer):
    label = serializers.CharField(max_length=300)  # type: ignore[assignment]  # (a data field)
    value = serializers.IntegerField(min_value=0, max_value=100)


class _ItemIn(StrictSerializer):
    key = serializers.RegexField(SLUG, max_length=40)
    text = serializers.CharField(max_length=500)
    options = _OptionIn(many=True, required=False, min_length=2)  # type: ignore[call-arg]
    scale = _ScaleIn(required=False)
    required = serializers.BooleanField(required=False, default=True)  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "options" in attrs and "scale" in attrs:
            raise serializers.ValidationError({"options": "give options or a scale, not both"})
        if "options" in attrs:
            values = [o["value"] for o in attrs["options"]]
            if len(set(values)) != len(values):
                raise serializers.ValidationError({"options": "two options have the same value"})
        return attrs


class _ActivitiesIn(StrictSerializer):
    min = serializers.IntegerField(min_value=1, max_value=10)
    max = serializers.IntegerField(min_value=1, max_value=10)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["min"] > attrs["max"]:
            raise serializers.ValidationError({"max": "must not be below min"})
        return attrs


class _BandIn(StrictSerializer):
    name = serializers.CharField(max_length=40)
    min = serializers.FloatField()
    max = serializers.FloatField()
    risk = serializers.ChoiceField(choices=["low", "medium", "high"])


class InstrumentIn(StrictSerializer):
    slug = serializers.RegexField(SLUG, max_length=60)
    name = serializers.CharField(max_length=120)
    short_name = serializers.CharField(max_length=20, required=False, default="")
    terms = serializers.CharField(max_length=500)
    instructions = serializers.CharField(max_length=2000)
    scale = _ScaleIn(required=False)
    items = _ItemIn(many=True, required=False, min_length=1)  # type: ignore[call-arg]
    activities = _ActivitiesIn(required=False)
    scoring = serializers.ChoiceField(choices=["mean", "sum", "percent"])
    better = serializers.ChoiceField(choices=["higher", "lower"])
    meaningful_change = serializers.FloatField(min_value=0.1, max_value=100)
    risk_bands = _BandIn(many=True, required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("items" in attrs) == ("activities" in attrs):
            raise serializers.ValidationError(
                {"items": "give either fixed items or client-named activities"}
            )
        errors: dict[str, Any] = {}
        if "activities" in attrs and "scale" not in attrs:
            errors["scale"] = "activities are rated on the instrument's scale: give it"
        for i, item in enumerate(attrs.get("items", [])):
            if "options" not in item and "scale" not in item and "scale" not in attrs:
                errors[f"items[#{i + 1} '{item['key']}'].scale"] = (
                    "an item needs options or a scale (its own or the instrument's)"
                )
        keys = [item["key"] for item in attrs.get("items", [])]
        if len(set(keys)) != len(keys):
            errors["items"] = "two items have the same key"
        bands = sorted(attrs["risk_bands"], key=lambda b: b["min"])
        for a, b in itertools.pairwise(bands):
            if b["min"] <= a["max"]:
                errors["risk_bands"] = f"the bands '{a['name']}' and '{b['name']}' overlap"
        for band in bands:
            if band["min"] > band["max"]:
                errors["risk_bands"] = f"the band '{band['name']}' ends below its start"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def check_definition(raw: Any) -> dict[str, Any]:
    """A valid definition as plain JSON values; ``DefinitionError`` naming each problem."""
    if not isinstance(raw, Mapping):
        raise DefinitionError(["the file must be a mapping with slug, name, items, …"])
    serializer = InstrumentIn(data=raw)
    if not serializer.is_valid():
        raise DefinitionError(flatten_errors(serializer.errors, raw))
    return plain_definition(serializer.validated_data)


def plain_definition(data: Mapping[str, Any]) -> dict[str, Any]:
    import json

    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    answers: dict[str, Any]  # as stored: {"items": {key: value}} or {"activities": [...]}
    score: float
    band: str  # the risk band's name, or ""
    risk: str  # its risk ("low", "medium", "high"), or ""


def _item_range(definition: Mapping[str, Any], item: Mapping[str, Any]) -> tuple[int, int]:
    if "options" in item:
        values = [o["value"] for o in item["options"]]
        return min(values), max(values)
    scale = item.get("scale") or definition["scale"]
    return scale["min"], scale["max"]


def _rating(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value) if low <= value <= high else None


def check_answers(
    definition: Mapping[str, Any], raw: Any, *, activities: Sequence[str] = ()
) -> Scored:
    """The answers checked against the definition and scored; a ``serializers.ValidationError``
    naming each item (``answers.items.<key>``, ``answers.activities.<n>.rating``) otherwise.
    ``activities``: the names the client gave in their first answer, which later answers rate
    again (empty: the first answer names them)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, Mapping):
        raise serializers.ValidationError({"answers": ["Give the answers as an object."]})
    if "activities" in definition:
        answers = _check_activities(definition, raw.get("activities"), activities, errors)
    else:
        answers = _check_items(definition, raw.get("items"), errors)
    if errors:
        raise serializers.ValidationError(errors)
    value = score(definition, answers)
    band = band_of(definition, value)
    return Scored(answers, value, band["name"] if band else "", band["risk"] if band else "")


def _check_items(
    definition: Mapping[str, Any], given: Any, errors: dict[str, list[str]]
) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        errors["answers.items"] = ["Give the answers as {item key: value}."]
        return {}
    known = {item["key"]: item for item in definition["items"]}
    for key in sorted(set(given) - set(known)):
        errors[f"answers.items.{key}"] = ["No such question in this questionnaire."]
    values: dict[str, int] = {}
    for key, item in known.items():
        value = given.get(key)
        if value is None:
            if item.get("required", True):
                errors[f"answers.items.{key}"] = ["This question needs an answer."]
            continue
        low, high = _item_range(definition, item)
        allowed = {o["value"] for o in item.get("options", [])}
        checked = _rating(value, low, high)
        if checked is None or (allowed and checked not in allowed):
            choices = sorted(allowed) if allowed else f"{low} to {high}"
            errors[f"answers.items.{key}"] = [f"Answer with one of {choices}."]
            continue
        values[key] = checked
    return {"items": values}


def _check_activities(
    definition: Mapping[str, Any],
    given: Any,
    named: Sequence[str],
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    bounds = definition["activities"]
    low, high = definition["scale"]["min"], definition["scale"]["max"]
    if not isinstance(given, list):
        errors["answers.activities"] = ["Give the activities as a list of {name, rating}."]
        return {}
    rated: list[dict[str, Any]] = []
    for i, activity in enumerate(given):
        where = f"answers.activities.{i}"
        if not isinstance(activity, Mapping):
            errors[where] = ["Give each activity as {name, rating}."]
            continue
        name = " ".join(str(activity.get("name") or "").split())
        if not name:
            errors[f"{where}.name"] = ["Name the activity."]
        elif len(name) > ACTIVITY_NAME_MAX:
            errors[f"{where}.name"] = [f"Keep it under {ACTIVITY_NAME_MAX} characters."]
        rating = _rating(activity.get("rating"), low, high)
        if rating is None:
            errors[f"{where}.rating"] = [f"Rate it from {low} to {high}."]
        rated.append({"name": name, "rating": rating})
    if named:
        given_names = [a["name"].casefold() for a in rated]
        missing = [n for n in named if n.casefold() not in given_names]
        extra = [
            a["name"] for a in rated if a["name"].casefold() not in {n.casefold() for n in named}
        ]
        if missing:
            errors["answers.activities"] = [
                "Rate the same activities as the first time: " + ", ".join(missing) + "."
            ]
        elif extra:
            errors["answers.activities"] = [
                "These were not among your activities: " + ", ".join(extra) + "."
            ]
    elif not bounds["min"] <= len(rated) <= bounds["max"]:
        errors["answers.activities"] = [
            f"Name between {bounds['min']} and {bounds['max']} activities."
        ]
    names = [a["name"].casefold() for a in rated if a["name"]]
    if len(set(names)) != len(names):
        errors["answers.activities"] = ["Name each activity once."]
    return {"activities": rated}


def score(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> float:
    """The score of checked answers, rounded to 2 decimals."""
    if "activities" in answers:
        ratings = [a["rating"] for a in answers["activities"]]
        return round(sum(ratings) / len(ratings), 2) if ratings else 0.0
    values = answers["items"]
    if not values:
        return 0.0
    if definition["scoring"] == "mean":
        return round(sum(values.values()) / len(values), 2)
    if definition["scoring"] == "sum":
        return float(sum(values.values()))
    items = {item["key"]: item for item in definition["items"]}
    highest = sum(_item_range(definition, items[key])[1] for key in values)
    return round(100 * sum(values.values()) / highest, 2) if highest else 0.0


def band_of(definition: Mapping[str, Any], value: float) -> Mapping[str, Any] | None:
    for band in definition.get("risk_bands", []):
        if band["min"] <= value <= band["max"]:
            return band
    return None


def change(definition: Mapping[str, Any], before: float, after: float) -> int:
    """+1 a meaningful improvement, −1 a meaningful worsening, 0 neither (a change of exactly
    the meaningful amount counts)."""
    return meaningful_change(definition["better"], definition["meaningful_change"], before, after)
