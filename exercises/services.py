"""Writes to the catalogue: keyword-only, typed, atomic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.module_loading import import_string

from exercises.graph import find_cycle
from exercises.loader import CatalogueData, ExerciseData
from exercises.models import Cue, Equipment, Exercise, Mistake, Muscle, ProgressionEdge


class CatalogueError(Exception):
    """The catalogue file or an edit cannot be applied; the message names what and why."""


# --- in use ---------------------------------------------------------------------------------


def exercises_in_use(*, exercise_ids: Iterable[int]) -> dict[int, str]:
    """``{exercise id: reason}`` for the exercises that something else depends on.

    The checks are registered in ``settings.EXERCISE_IN_USE_CHECKS`` by the apps that use the
    catalogue (the catalogue imports none of them)."""
    ids = list(exercise_ids)
    reasons: dict[int, str] = {}
    if not ids:
        return reasons
    for path in settings.EXERCISE_IN_USE_CHECKS:
        for exercise_id, reason in import_string(path)(ids).items():
            reasons.setdefault(exercise_id, reason)
    return reasons


# --- status ---------------------------------------------------------------------------------


@dataclass
class StatusChange:
    changed: list[Exercise] = field(default_factory=list)
    unchanged: list[Exercise] = field(default_factory=list)
    refused: dict[Exercise, str] = field(default_factory=dict)


def _publish_problems(exercise: Exercise) -> str | None:
    missing = []
    if not exercise.summary.strip():
        missing.append("a summary")
    if not exercise.cues.exists():
        missing.append("at least one cue")
    if not exercise.primary_muscles.exists():
        missing.append("its target muscles")
    if not exercise.stop_signals:
        missing.append("at least one stop signal")
    if not exercise.illustration and not exercise.media.exists():
        missing.append("a picture (a drawing or an uploaded image)")
    if missing:
        return "needs " + ", ".join(missing) + " before it can be published"
    return None


@transaction.atomic
def exercises_set_status(*, exercises: Iterable[Exercise], status: str) -> StatusChange:
    """Publish, retire or return to draft. Retiring (or un-publishing) an exercise that is in
    use is refused, with the reason; publishing an incomplete exercise is refused."""
    if status not in Exercise.Status.values:
        raise ValueError(f"unknown status {status!r}")
    result = StatusChange()
    exercises = list(exercises)
    in_use = (
        exercises_in_use(exercise_ids=[e.pk for e in exercises])
        if status != Exercise.Status.PUBLISHED
        else {}
    )
    for exercise in exercises:
        if exercise.status == status:
            result.unchanged.append(exercise)
            continue
        if exercise.pk in in_use:
            result.refused[exercise] = in_use[exercise.pk]
            continue
        if status == Exercise.Status.PUBLISHED:
            problem = _publish_problems(exercise)
            if problem:
                result.refused[exercise] = problem
                continue
        exercise.status = status
        exercise.save(update_fields=["status", "updated_at"])
        result.changed.append(exercise)
    return result


def exercise_retire(*, exercise: Exercise) -> Exercise:
    """Retire one exercise; raises ValidationError with the reason when it is in use."""
    result = exercises_set_status(exercises=[exercise], status=Exercise.Status.RETIRED)
    if exercise in result.refused:
        raise ValidationError(f"{exercise.name} cannot be retired: {result.refused[exercise]}.")
    return exercise


# --- loading the catalogue file -------------------------------------------------------------


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    kept_in_use: list[str] = field(default_factory=list)
    edges_created: int = 0
    edges_updated: int = 0
    edges_deleted: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.deleted
            or self.retired
            or self.edges_created
            or self.edges_updated
            or self.edges_deleted
        )

    def summary(self) -> str:
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} existing left as they are")
        if self.deleted:
            parts.append(f"{len(self.deleted)} deleted")
        if self.retired:
            parts.append(f"{len(self.retired)} retired (in use, not deleted)")
        edges = (
            f"edges: {self.edges_created} created, {self.edges_updated} updated, "
            f"{self.edges_deleted} deleted"
        )
        return "exercises: " + ", ".join(parts) + "; " + edges


Named = TypeVar("Named", Muscle, Equipment)


def _upsert_named(model: type[Named], rows: list[dict[str, str]]) -> dict[str, Named]:
    existing = {obj.slug: obj for obj in model.objects.all()}
    for row in rows:
        obj = existing.get(row["slug"])
        if obj is None:
            existing[row["slug"]] = model.objects.create(**row)
            continue
        changed = [k for k, v in row.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, row[k])
            obj.save(update_fields=changed)
    return existing


_SCALARS = {
    "name": "name",
    "aliases": "aliases",
    "summary": "summary",
    "position": "position",
    "pattern": "movement_pattern",
    "difficulty": "difficulty",
    "laterality": "laterality",
    "contraindications": "contraindications",
    "stop_signals": "stop_signals",
    "illustration": "illustration",
    "status": "status",
}


def _scalar_values(data: ExerciseData) -> dict[str, object]:
    fields: Mapping[str, object] = data
    values = {field: fields[key] for key, field in _SCALARS.items()}
    p = data["prescription"]
    values.update(
        default_sets=p["sets"],
        default_reps_min=p["reps_min"],
        default_reps_max=p["reps_max"],
        default_tempo=p.get("tempo") or "",
        default_hold_seconds=p.get("hold_seconds"),
    )
    return values


def _sync_exercise(
    exercise: Exercise,
    data: ExerciseData,
    muscles: dict[str, Muscle],
    equipment: dict[str, Equipment],
    *,
    created: bool,
) -> bool:
    """Make one exercise match its data; True when anything changed."""
    changed_any = created
    for attr, wanted in (
        ("primary_muscles", {muscles[s].pk for s in data["primary_muscles"]}),
        ("stabilizers", {muscles[s].pk for s in data["stabilizers"]}),
        ("equipment", {equipment[s].pk for s in data["equipment"]}),
    ):
        manager = getattr(exercise, attr)
        if created or {o.pk for o in manager.all()} != wanted:
            manager.set(wanted)
            changed_any = True

    cues = [(c["phase"], c["text"]) for c in data["cues"]]
    if created or [(c.phase, c.text) for c in exercise.cues.all()] != cues:
        exercise.cues.all().delete()
        Cue.objects.bulk_create(
            Cue(exercise=exercise, order=i, phase=phase, text=text)
            for i, (phase, text) in enumerate(cues)
        )
        changed_any = True

    mistakes = [(m["title"], m["detail"]) for m in data["mistakes"]]
    if created or [(m.title, m.detail) for m in exercise.mistakes.all()] != mistakes:
        exercise.mistakes.all().delete()
        Mistake.objects.bulk_create(
            Mistake(exercise=exercise, order=i, title=title, detail=detail)
            for i, (title, detail) in enumerate(mistakes)
        )
        changed_any = True
    return changed_any


@transaction.atomic
def catalogue_load(
    *, catalogue: CatalogueData, prune: bool = False, new_only: bool = False
) -> LoadReport:
    """Upsert the catalogue by slug, in one transaction; running it twice changes nothing.

    ``new_only``: create what is missing, leave existing exercises (and edits made in the
    admin) as they are. ``prune``: exercises absent from the file are deleted, or retired when
    they are in use — an exercise in use is never deleted."""
    report = LoadReport()
    muscles = _upsert_named(Muscle, catalogue["muscles"])
    equipment = _upsert_named(Equipment, catalogue["equipment"])

    existing = {
        e.slug: e
        for e in Exercise.objects.prefetch_related(
            "primary_muscles", "stabilizers", "equipment", "cues", "mistakes"
        )
    }
    by_slug: dict[str, Exercise] = {}
    new_slugs: set[str] = set()
    for data in catalogue["exercises"]:
        slug = data["slug"]
        values = _scalar_values(data)
        exercise = existing.get(slug)
        if exercise is None:
            exercise = Exercise(slug=slug, **values)
            exercise.save()
            _sync_exercise(exercise, data, muscles, equipment, created=True)
            report.created.append(slug)
            new_slugs.add(slug)
        elif new_only:
            report.skipped.append(slug)
        else:
            changed = [f for f, v in values.items() if getattr(exercise, f) != v]
            for f in changed:
                setattr(exercise, f, values[f])
            related_changed = _sync_exercise(exercise, data, muscles, equipment, created=False)
            if changed or related_changed:
                exercise.save(update_fields=[*changed, "updated_at"])
                report.updated.append(slug)
            else:
                report.unchanged.append(slug)
        by_slug[slug] = exercise

    _sync_edges(catalogue, by_slug, new_slugs if new_only else None, report)

    if prune:
        _prune(set(by_slug), report)

    cycle = find_cycle(ProgressionEdge.objects.values_list("easier__slug", "harder__slug"))
    if cycle:
        raise CatalogueError(
            "the progression graph would contain a cycle: "
            + " → ".join(cycle)
            + "; nothing was written"
        )
    return report


def _sync_edges(
    catalogue: CatalogueData,
    by_slug: dict[str, Exercise],
    only_touching: set[str] | None,
    report: LoadReport,
) -> None:
    wanted = {(e["easier"], e["harder"]): e for e in catalogue["progressions"]}
    ids = {ex.pk: slug for slug, ex in by_slug.items()}
    current = {
        (ids[edge.easier_id], ids[edge.harder_id]): edge
        for edge in ProgressionEdge.objects.filter(easier__in=ids.keys(), harder__in=ids.keys())
    }
    for key, data in wanted.items():
        if only_touching is not None and not (set(key) & only_touching):
            continue
        edge = current.get(key)
        note = data.get("note") or ""
        if edge is None:
            ProgressionEdge.objects.create(
                easier=by_slug[key[0]], harder=by_slug[key[1]], change=data["change"], note=note
            )
            report.edges_created += 1
        elif (edge.change, edge.note) != (data["change"], note):
            edge.change, edge.note = data["change"], note
            edge.save(update_fields=["change", "note"])
            report.edges_updated += 1
    if only_touching is None:
        stale = [edge.pk for key, edge in current.items() if key not in wanted]
        if stale:
            report.edges_deleted = (
                ProgressionEdge.objects.filter(pk__in=stale)
                .delete()[1]
                .get("exercises.ProgressionEdge", 0)
            )


def _prune(keep: set[str], report: LoadReport) -> None:
    gone = list(Exercise.objects.exclude(slug__in=keep))
    in_use = exercises_in_use(exercise_ids=[e.pk for e in gone])
    for exercise in gone:
        if exercise.pk in in_use:
            report.kept_in_use.append(exercise.slug)
            if exercise.status != Exercise.Status.RETIRED:
                exercise.status = Exercise.Status.RETIRED
                exercise.save(update_fields=["status", "updated_at"])
                report.retired.append(exercise.slug)
        else:
            try:
                with transaction.atomic():
                    exercise.delete()
            except (IntegrityError, ProtectedError) as exc:  # a reference nobody registered
                raise CatalogueError(
                    f"exercise {exercise.slug!r} cannot be deleted: {exc}"
                ) from exc
            report.deleted.append(exercise.slug)
