"""Reading and validating the catalogue data file (no database writes here).

The file format is described in ``exercises/catalogue/SCHEMA.md``. Validation names the
exercise and the field of every problem, and the whole file is refused when anything is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import yaml
from rest_framework import serializers

from exercises.graph import find_cycle
from exercises.illustration import IllustrationIn, plain
from exercises.models import Cue, Exercise, Muscle, ProgressionEdge

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class CatalogueFileError(Exception):
    """The data file is malformed; ``problems`` lists each one as a readable line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the catalogue file is not valid:\n  " + "\n  ".join(problems))


class ExerciseData(TypedDict):
    slug: str
    name: str
    aliases: list[str]
    summary: str
    position: str
    pattern: str
    difficulty: int
    laterality: str
    primary_muscles: list[str]
    stabilizers: list[str]
    equipment: list[str]
    cues: list[dict[str, str]]
    mistakes: list[dict[str, str]]
    contraindications: list[str]
    stop_signals: list[str]
    prescription: dict[str, Any]
    illustration: dict[str, Any]
    status: str


class CatalogueData(TypedDict):
    muscles: list[dict[str, str]]
    equipment: list[dict[str, str]]
    exercises: list[ExerciseData]
    progressions: list[dict[str, str]]


def _texts(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=500), **kwargs)


class _MuscleIn(serializers.Serializer):
    slug = serializers.RegexField(SLUG, max_length=60)
    name = serializers.CharField(max_length=80)
    region = serializers.ChoiceField(choices=Muscle.Region.choices)


class _EquipmentIn(serializers.Serializer):
    slug = serializers.RegexField(SLUG, max_length=60)
    name = serializers.CharField(max_length=80)


class _CueIn(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Cue.Phase.choices)
    text = serializers.CharField(max_length=1000)


class _MistakeIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    detail = serializers.CharField(max_length=2000)


class _PrescriptionIn(serializers.Serializer):
    sets = serializers.IntegerField(min_value=1, max_value=10)
    reps_min = serializers.IntegerField(min_value=1, max_value=100)
    reps_max = serializers.IntegerField(min_value=1, max_value=100)
    tempo = serializers.RegexField(
        r"^(\d+(-\d+)*)?$", max_length=20, required=False, allow_blank=True, default=""
    )
    hold_seconds = serializers.IntegerField(
        min_value=1, max_value=300, required=False, allow_null=True, default=None
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["reps_min"] > attrs["reps_max"]:
            raise serializers.ValidationError({"reps_max": "must not be below reps_min"})
        return attrs


class _ExerciseIn(serializers.Serializer):
    slug = serializers.RegexField(SLUG, max_length=80)
    name = serializers.CharField(max_length=120)
    aliases = _texts(required=False, default=list)
    summary = serializers.CharField(max_length=2000)
    position = serializers.ChoiceField(choices=Exercise.Position.choices)
    pattern = serializers.ChoiceField(choices=Exercise.Pattern.choices)
    difficulty = serializers.IntegerField(min_value=1, max_value=5)
    laterality = serializers.ChoiceField(choices=Exercise.Laterality.choices)
    primary_muscles = serializers.ListField(child=serializers.CharField(), min_length=1)
    stabilizers = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    equipment = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    cues = _CueIn(many=True, allow_empty=False)
    mistakes = _MistakeIn(many=True, allow_empty=False)
    contraindications = _texts(required=False, default=list)
    stop_signals = _texts(min_length=1)
    prescription = _PrescriptionIn()
    illustration = IllustrationIn(required=False)
    status = serializers.ChoiceField(
        choices=Exercise.Status.choices, required=False, default=Exercise.Status.PUBLISHED
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "illustration" in attrs:
            attrs["illustration"] = plain(attrs["illustration"])
        elif attrs["status"] == Exercise.Status.PUBLISHED:
            raise serializers.ValidationError(
                {"illustration": "a published exercise needs its picture (start and end poses)"}
            )
        else:
            attrs["illustration"] = {}
        return attrs

    def validate_cues(self, cues: list[dict[str, str]]) -> list[dict[str, str]]:
        order = list(Cue.Phase.values)
        ranks = [order.index(c["phase"]) for c in cues]
        if ranks != sorted(ranks):
            raise serializers.ValidationError(
                "phases must run setup → brace → movement → stop_point → return, never backwards"
            )
        return cues


class _EdgeIn(serializers.Serializer):
    easier = serializers.CharField()
    harder = serializers.CharField()
    change = serializers.ChoiceField(choices=ProgressionEdge.Change.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class _CatalogueIn(serializers.Serializer):
    muscles = _MuscleIn(many=True)
    equipment = _EquipmentIn(many=True, required=False, default=list)
    exercises = _ExerciseIn(many=True, allow_empty=False)
    progressions = _EdgeIn(many=True, required=False, default=list)


def _item_label(index: int, item: Any) -> str:
    label = f"#{index + 1}"
    if isinstance(item, dict) and item.get("slug"):
        label += f" '{item['slug']}'"
    elif isinstance(item, dict) and isinstance(item.get("key"), str):  # (questionnaire items)
        label += f" '{item['key']}'"
    elif isinstance(item, dict) and item.get("easier"):
        label += f" '{item.get('easier')} → {item.get('harder')}'"
    return label


def _flatten(errors: Any, raw: Any, path: str = "") -> list[str]:
    """DRF's nested error structure → one line per problem, naming the exercise by slug.

    Lists of items report their errors as ``{index: errors}`` (or a list of them)."""
    if isinstance(errors, list) and errors and not all(isinstance(e, str) for e in errors):
        errors = dict(enumerate(errors))
    lines: list[str] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            if not value:
                continue
            if isinstance(key, int):
                item = raw[key] if isinstance(raw, list) and key < len(raw) else None
                lines += _flatten(value, item, f"{path}[{_item_label(key, item)}]")
                continue
            sub_raw = raw.get(key) if isinstance(raw, dict) else None
            if key == "non_field_errors":
                lines += _flatten(value, sub_raw, path)
            else:
                lines += _flatten(value, sub_raw, f"{path}.{key}" if path else key)
    else:
        messages = errors if isinstance(errors, list) else [errors]
        lines += [f"{path}: {message}" for message in messages]
    return lines


flatten_errors = _flatten  # for the other data files checked the same way (instruments)


def _cross_check(data: CatalogueData) -> list[str]:
    problems: list[str] = []
    for section in ("muscles", "equipment", "exercises"):
        seen: set[str] = set()
        for row in data[section]:
            if row["slug"] in seen:
                problems.append(f"{section}: the slug '{row['slug']}' appears twice")
            seen.add(row["slug"])
    muscles = {m["slug"] for m in data["muscles"]}
    equipment = {e["slug"] for e in data["equipment"]}
    exercises = {e["slug"] for e in data["exercises"]}
    for ex in data["exercises"]:
        for field, slugs, known in (
            ("primary_muscles", ex["primary_muscles"], muscles),
            ("stabilizers", ex["stabilizers"], muscles),
            ("equipment", ex["equipment"], equipment),
        ):
            for slug in slugs:
                if slug not in known:
                    problems.append(
                        f"exercises['{ex['slug']}'].{field}: '{slug}' is not defined "
                        f"under {'equipment' if field == 'equipment' else 'muscles'}"
                    )
    pairs: set[tuple[str, str]] = set()
    for edge in data["progressions"]:
        where = f"progressions['{edge['easier']} → {edge['harder']}']"
        for end in ("easier", "harder"):
            if edge[end] not in exercises:
                problems.append(f"{where}.{end}: no exercise with the slug '{edge[end]}'")
        if edge["easier"] == edge["harder"]:
            problems.append(f"{where}: an exercise cannot be a progression of itself")
        pair = (edge["easier"], edge["harder"])
        if pair in pairs:
            problems.append(f"{where}: the same edge appears twice")
        pairs.add(pair)
    cycle = find_cycle(p for p in pairs if p[0] != p[1])
    if cycle:
        problems.append("progressions: the graph has a cycle: " + " → ".join(cycle))
    return problems


def validate_catalogue(raw: Any) -> CatalogueData:
    """Validate parsed YAML; raises CatalogueFileError listing every problem."""
    if not isinstance(raw, dict):
        raise CatalogueFileError(["the file must be a mapping with muscles, exercises, …"])
    serializer = _CatalogueIn(data=raw)
    if not serializer.is_valid():
        raise CatalogueFileError(_flatten(serializer.errors, raw))
    data: CatalogueData = serializer.validated_data
    problems = _cross_check(data)
    if problems:
        raise CatalogueFileError(problems)
    return data


def illustration_problems(raw: Any) -> list[str]:
    """Everything wrong with an exercise's picture data, one line each naming pose and field
    (empty when it is valid): the admin's check, the same as the file's."""
    serializer = IllustrationIn(data=raw)
    if serializer.is_valid():
        return []
    return _flatten(serializer.errors, raw)


def read_catalogue(path: Path | str) -> CatalogueData:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueFileError([f"cannot read {path}: {exc.strerror}"]) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueFileError([f"{path} is not valid YAML: {exc}"]) from exc
    return validate_catalogue(raw)
