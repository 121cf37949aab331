"""The catalogue data file and ``load_catalogue``."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import override_settings

from exercises.loader import CatalogueFileError, read_catalogue, validate_catalogue
from exercises.models import Cue, Exercise, Muscle, ProgressionEdge
from exercises.services import catalogue_load

# Every exercise the seed articles name, by the slug the catalogue gives it.
NAMED_IN_ARTICLES = {
    "lying-leg-raise",
    "bent-knee-leg-raise",
    "limited-range-leg-raise",
    "lying-knee-tuck",
    "hanging-knee-raise",
    "dead-bug",
    "reverse-crunch",
    "bird-dog",
    "kneeling-rear-leg-raise-bent-knee",
    "kneeling-rear-leg-raise-straight-leg",
    "standing-cable-kickback",
    "reverse-leg-lift",
    "single-leg-reverse-leg-lift",
    "reverse-leg-lift-ankle-weights",
    "stability-ball-reverse-leg-lift",
    "back-extension-machine",
    "glute-bridge",
    "good-morning",
    "deadlift",
}

# Each family, from its easiest to its hardest variation: the graph must connect them.
FAMILIES = [
    ("posterior-pelvic-tilt", "hanging-leg-raise"),
    ("lying-knee-tuck", "lying-leg-raise"),
    ("lying-knee-tuck", "reverse-crunch"),
    ("kneeling-rear-leg-raise-bent-knee", "standing-cable-kickback"),
    ("reverse-leg-lift", "back-extension-machine"),
    ("hip-hinge-dowel", "deadlift"),
    ("glute-bridge", "single-leg-glute-bridge"),
]


def small_catalogue() -> dict:
    cue = lambda phase, text: {"phase": phase, "text": text}  # noqa: E731
    exercise = {
        "name": "Exercise",
        "aliases": [],
        "summary": "Summary.",
        "position": "supine",
        "pattern": "hip_flexion",
        "difficulty": 1,
        "laterality": "bilateral",
        "primary_muscles": ["iliopsoas"],
        "stabilizers": [],
        "equipment": ["mat"],
        "cues": [cue("setup", "Lie down."), cue("movement", "Lift."), cue("return", "Lower.")],
        "mistakes": [{"title": "Arching", "detail": "Keep the back flat."}],
        "contraindications": [],
        "stop_signals": ["Sharp pain."],
        "prescription": {"sets": 3, "reps_min": 8, "reps_max": 12, "tempo": "2-1-2"},
        "illustration": {"start": {"trunk": 180}, "end": {"trunk": 180, "hip": 80}},
        "status": "published",
    }
    return {
        "muscles": [{"slug": "iliopsoas", "name": "Iliopsoas", "region": "hip"}],
        "equipment": [{"slug": "mat", "name": "Mat"}],
        "exercises": [
            {**copy.deepcopy(exercise), "slug": "knee-tuck", "name": "Knee tuck"},
            {**copy.deepcopy(exercise), "slug": "leg-raise", "name": "Leg raise", "difficulty": 3},
            {**copy.deepcopy(exercise), "slug": "hanging-raise", "name": "Hanging raise"},
        ],
        "progressions": [
            {"easier": "knee-tuck", "harder": "leg-raise", "change": "lever"},
            {"easier": "leg-raise", "harder": "hanging-raise", "change": "support"},
        ],
    }


# --- the real file --------------------------------------------------------------------------


def test_the_catalogue_file_is_valid_and_complete(catalogue_data):
    slugs = {e["slug"] for e in catalogue_data["exercises"]}
    assert len(slugs) >= 25
    assert slugs >= NAMED_IN_ARTICLES, NAMED_IN_ARTICLES - slugs
    aliases = {a.lower() for e in catalogue_data["exercises"] for a in e["aliases"]}
    assert {"glute kickback", "prone hip extension", "hanging thigh raise"} <= aliases


@pytest.mark.parametrize(("easiest", "hardest"), FAMILIES)
def test_the_graph_connects_each_family(catalogue_data, easiest, hardest):
    from exercises.graph import find_path

    edges = [(e["easier"], e["harder"]) for e in catalogue_data["progressions"]]
    assert find_path(edges, easiest, hardest), f"no progression path {easiest} → {hardest}"


def test_every_harder_variation_is_at_least_as_difficult(catalogue_data):
    difficulty = {e["slug"]: e["difficulty"] for e in catalogue_data["exercises"]}
    for edge in catalogue_data["progressions"]:
        assert difficulty[edge["easier"]] <= difficulty[edge["harder"]], edge


@pytest.mark.django_db
def test_loading_twice_changes_nothing(catalogue_data):
    first = catalogue_load(catalogue=catalogue_data)
    assert len(first.created) == len(catalogue_data["exercises"])
    assert first.edges_created == len(catalogue_data["progressions"])
    stamps = dict(Exercise.objects.values_list("slug", "updated_at"))
    cue_ids = set(Cue.objects.values_list("pk", flat=True))

    second = catalogue_load(catalogue=catalogue_data)

    assert not second.changed_anything
    assert len(second.unchanged) == len(catalogue_data["exercises"])
    assert dict(Exercise.objects.values_list("slug", "updated_at")) == stamps
    assert set(Cue.objects.values_list("pk", flat=True)) == cue_ids


@pytest.mark.django_db
def test_the_command_reports_and_is_idempotent(capsys):
    call_command("load_catalogue")
    call_command("load_catalogue")
    out = capsys.readouterr().out.splitlines()
    assert "0 created, 0 updated" in out[-1]
    assert "edges: 0 created, 0 updated, 0 deleted" in out[-1]


# --- upsert semantics -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_changed_file_updates_in_place():
    data = validate_catalogue(small_catalogue())
    catalogue_load(catalogue=data)
    tuck = Exercise.objects.get(slug="knee-tuck")

    raw = small_catalogue()
    raw["exercises"][0]["summary"] = "A new summary."
    raw["exercises"][0]["cues"].append({"phase": "return", "text": "Rest."})
    raw["progressions"].pop()  # leg-raise → hanging-raise is gone from the file
    report = catalogue_load(catalogue=validate_catalogue(raw))

    assert report.updated == ["knee-tuck"]
    assert report.edges_deleted == 1
    tuck.refresh_from_db()
    assert tuck.summary == "A new summary."
    assert [c.text for c in tuck.cues.all()][-1] == "Rest."
    assert Exercise.objects.get(slug="knee-tuck").pk == tuck.pk  # same row, not a new one
    assert not ProgressionEdge.objects.filter(easier__slug="leg-raise").exists()


@pytest.mark.django_db
def test_new_only_keeps_edits_made_in_the_admin():
    catalogue_load(catalogue=validate_catalogue(small_catalogue()))
    Exercise.objects.filter(slug="knee-tuck").update(summary="Edited by an editor.")
    raw = small_catalogue()
    raw["exercises"].append({**copy.deepcopy(raw["exercises"][0]), "slug": "new-one"})

    report = catalogue_load(catalogue=validate_catalogue(raw), new_only=True)

    assert report.created == ["new-one"]
    assert set(report.skipped) == {"knee-tuck", "leg-raise", "hanging-raise"}
    assert Exercise.objects.get(slug="knee-tuck").summary == "Edited by an editor."


@pytest.mark.django_db
def test_prune_deletes_unused_and_never_deletes_an_exercise_in_use():
    catalogue_load(catalogue=validate_catalogue(small_catalogue()))
    in_use = Exercise.objects.get(slug="hanging-raise")
    raw = small_catalogue()
    raw["exercises"] = raw["exercises"][:1]  # only knee-tuck stays in the file
    raw["progressions"] = []

    with override_settings(EXERCISE_IN_USE_CHECKS=["exercises.tests.test_loader.hanging_in_use"]):
        report = catalogue_load(catalogue=validate_catalogue(raw), prune=True)

    assert report.deleted == ["leg-raise"]
    assert report.kept_in_use == ["hanging-raise"]
    in_use.refresh_from_db()
    assert in_use.status == Exercise.Status.RETIRED
    assert not Exercise.objects.filter(slug="leg-raise").exists()


def hanging_in_use(ids: list[int]) -> dict[int, str]:
    return dict.fromkeys(
        Exercise.objects.filter(pk__in=ids, slug="hanging-raise").values_list("pk", flat=True),
        "prescribed in 1 active program",
    )


# --- a malformed file is refused whole, naming the exercise and the field ---------------------


def _break(path: str, value: object):
    def apply(raw: dict) -> None:
        target = raw
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        if value is KeyError:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return apply


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_break("exercises.1.difficulty", 6), "[#2 'leg-raise'].difficulty:"),
        (_break("exercises.1.difficulty", "hard"), "[#2 'leg-raise'].difficulty: A valid integer"),
        (_break("exercises.0.position", "upside_down"), "[#1 'knee-tuck'].position:"),
        (
            _break("exercises.2.summary", KeyError),
            "[#3 'hanging-raise'].summary: This field is required",
        ),
        (_break("exercises.0.prescription.reps_min", 20), "[#1 'knee-tuck'].prescription.reps_max"),
        (_break("exercises.0.prescription.sets", 0), "[#1 'knee-tuck'].prescription.sets"),
        (_break("exercises.0.prescription.tempo", "slow"), "[#1 'knee-tuck'].prescription.tempo"),
        (_break("exercises.0.cues", []), "[#1 'knee-tuck'].cues"),
        (_break("exercises.0.stop_signals", []), "[#1 'knee-tuck'].stop_signals"),
        (
            _break("exercises.0.cues.0.phase", "return"),
            "[#1 'knee-tuck'].cues: phases must run setup",
        ),
        (_break("exercises.1.slug", "Leg Raise!"), "exercises[#2 'Leg Raise!'].slug"),
        (_break("exercises.1.slug", "knee-tuck"), "the slug 'knee-tuck' appears twice"),
        (
            _break("exercises.1.primary_muscles", ["quads"]),
            "exercises['leg-raise'].primary_muscles: 'quads' is not defined",
        ),
        (
            _break("exercises.1.equipment", ["rope"]),
            "exercises['leg-raise'].equipment: 'rope' is not defined",
        ),
        (
            _break("progressions.0.harder", "nope"),
            "progressions['knee-tuck → nope'].harder: no exercise with the slug 'nope'",
        ),
        (
            _break("progressions.0.harder", "knee-tuck"),
            "an exercise cannot be a progression of itself",
        ),
        (
            _break("progressions.0.change", "magic"),
            "progressions[#1 'knee-tuck → leg-raise'].change",
        ),
        (
            lambda raw: raw["progressions"].append(
                {"easier": "hanging-raise", "harder": "knee-tuck", "change": "lever"}
            ),
            "the graph has a cycle: ",
        ),
        (
            lambda raw: raw["progressions"].append(dict(raw["progressions"][0])),
            "the same edge appears twice",
        ),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_is_refused_and_nothing_is_written(tmp_path: Path, mutate, expected):
    raw = small_catalogue()
    mutate(raw)
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))

    with pytest.raises(CommandError) as excinfo:
        call_command("load_catalogue", file=path)

    assert expected in str(excinfo.value)
    assert "Nothing was written" in str(excinfo.value)
    assert Exercise.objects.count() == 0
    assert Muscle.objects.count() == 0


def test_not_yaml_and_not_a_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("exercises: [unclosed\n")
    with pytest.raises(CatalogueFileError, match="is not valid YAML"):
        read_catalogue(bad)
    with pytest.raises(CatalogueFileError, match="cannot read"):
        read_catalogue(tmp_path / "missing.yaml")
    with pytest.raises(CatalogueFileError, match="must be a mapping"):
        validate_catalogue(["a", "list"])


@pytest.mark.django_db
def test_a_cycle_through_an_edge_made_in_the_admin_rolls_everything_back():
    """Edges the file does not manage still count: the loader checks the whole graph."""
    catalogue_load(catalogue=validate_catalogue(small_catalogue()))
    extra = Exercise.objects.create(
        slug="admin-made",
        name="Admin made",
        summary="s",
        position="supine",
        movement_pattern="hip_flexion",
        difficulty=2,
    )
    ProgressionEdge.objects.create(
        easier=Exercise.objects.get(slug="hanging-raise"), harder=extra, change="load"
    )
    ProgressionEdge.objects.create(
        easier=extra, harder=Exercise.objects.get(slug="knee-tuck"), change="load"
    )  # written around the validation, as a raw import might
    raw = small_catalogue()
    raw["exercises"][0]["summary"] = "Changed."

    from exercises.services import CatalogueError

    with pytest.raises(CatalogueError, match="cycle"):
        catalogue_load(catalogue=validate_catalogue(raw))
    assert Exercise.objects.get(slug="knee-tuck").summary == "Summary."
