"""Reads of programs and templates for the person asking: a trainer's clients' programs, the
practice's template library, a client's active program, and which exercises are prescribed
(the catalogue's in-use check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from coaching.accounts.selectors import (
    client_scope,
    name_columns,
    pop_name,
    prepared,
    profile_of,
)
from coaching.models import (
    Client,
    Prescription,
    Program,
    ProgramTemplate,
    TemplatePrescription,
)
from coaching.outcomes.models import OutcomeSchedule
from coaching.shared.selectors import Actor, one_or_404, row_or_404
from config.prepared import Family, Prepared, prefetched
from exercises.models import Cue
from exercises.selectors import first_upload, picture_of, uploads_of


def _program_scope(actor: Actor) -> Q:
    """Programs of the clients the actor may see (``client_scope``); a client sees their own."""
    client = None if actor.is_authenticated and actor.is_superuser else profile_of(actor).client
    return Q(client=client) if client is not None else client_scope(actor, "client__")


def programs_for(actor: Actor) -> QuerySet[Program]:
    """Programs of the clients the actor may see; a client sees their own."""
    return Program.objects.select_related(
        "client__user", "client__trainer__user", "template"
    ).filter(_program_scope(actor))


def _show_pictures(prescriptions: list[Any]) -> None:
    """Each prescription's exercise with its ``picture`` (from the ``first_upload`` annotation):
    no query unless an exercise has an upload."""
    uploads = uploads_of(rx.first_upload for rx in prescriptions)
    for rx in prescriptions:
        exercise = rx.exercise
        exercise.picture = picture_of(
            exercise.slug, bool(exercise.illustration), uploads.get(rx.first_upload)
        )


def program_detail(actor: Actor, pk: object) -> Program:
    """One program with its current prescriptions, their exercises, the exercises' cues and
    pictures: a constant number of queries (program, prescriptions, cues), whatever their
    number."""
    current = (
        Prescription.objects.filter(ended_at__isnull=True)
        .select_related("exercise")
        .prefetch_related("exercise__cues")
        .annotate(first_upload=first_upload("exercise_id"))
    )
    rows = programs_for(actor).prefetch_related(
        Prefetch("prescriptions", queryset=current, to_attr="current")
    )
    program = one_or_404(rows, pk, "program")
    _show_pictures(program.current)  # type: ignore[attr-defined]  # prefetched above
    return program


def active_program(
    client: Client,
    *,
    with_cues: bool = False,
    with_trainer: bool = False,
    with_pictures: bool = False,
    with_questionnaires: bool = False,
) -> Program | None:
    """The client's active program with its current prescriptions (``current``) and their
    exercises (and the exercises' cues, the client's trainer as ``program.client.trainer``, the
    exercises' ``picture``, and whether it sends questionnaires, when asked): at most three
    queries, each prepared (``config.prepared``)."""
    options = (with_trainer, with_questionnaires)
    program: Program | None = _ACTIVE_PROGRAMS[options].first(client.pk)
    if program is None:
        return None
    if not with_trainer:
        program.client = client
    current = _CURRENT[with_pictures].rows([program.pk])
    for rx in current:
        rx.program = program
    program.current = current  # type: ignore[attr-defined]
    if with_cues:
        exercises = {rx.exercise_id: rx.exercise for rx in current}
        cues: dict[int, list[Cue]] = {pk: [] for pk in exercises}
        for cue in _EXERCISE_CUES.rows(list(exercises)):
            cues[cue.exercise_id].append(cue)
        for pk, exercise in exercises.items():
            prefetched(exercise, "cues", cues[pk])
    if with_pictures:
        _show_pictures(current)
    return program


def _active_programs_of(
    client_id: int, with_trainer: bool, with_questionnaires: bool
) -> QuerySet[Program]:
    programs = Program.objects.filter(client_id=client_id, status=Program.Status.ACTIVE)
    if with_trainer:
        programs = programs.select_related("client__trainer__user")
    if with_questionnaires:  # whether it sends any (``has_questionnaires``)
        sends = OutcomeSchedule.objects.filter(program=OuterRef("pk"))
        programs = programs.annotate(has_questionnaires=Exists(sends))
    return programs[:1]  # (the model's order, as ``.first()``)


def _current_of(ids: list[int], with_pictures: bool) -> QuerySet[Prescription]:
    current = Prescription.objects.filter(program_id__in=ids, ended_at__isnull=True).select_related(
        "exercise", "replaces__exercise"
    )
    if with_pictures:
        current = current.annotate(first_upload=first_upload("exercise_id"))
    return current


# one prepared read per set of options: (with_trainer, with_questionnaires), with_pictures
_ACTIVE_PROGRAMS = Family(lambda options: Prepared(lambda pk: _active_programs_of(pk, *options)))
_CURRENT = Family(lambda pictures: Prepared(lambda ids: _current_of(ids, pictures)))
# (the model's order: as a prefetch of ``exercise__cues`` reads them)
_EXERCISE_CUES = Prepared(lambda ids: Cue.objects.filter(exercise_id__in=ids))


# --- programs as plain rows, for the API (``config.api.rows``: the serializers' own fields) -----

_PROGRAM_COLUMNS = (
    "id", "client_id", "name", "status", "starts_on", "ended_on", "sessions_per_week",
    "weekdays", "template_id", "created_at", "updated_at",
)  # fmt: skip
_PRESCRIPTION_COLUMNS = (
    "id", "program_id", "order", "sets", "reps_min", "reps_max", "load_kg", "tempo",
    "hold_seconds", "notes", "started_at",
)  # fmt: skip


_PROGRAM_ROW = prepared(
    lambda actor, pk: Program.objects.filter(_program_scope(actor), pk=pk).values(
        *_PROGRAM_COLUMNS, *name_columns("client__user")
    )
)
_ACTIVE_ROW = Prepared(
    lambda client_id: Program.objects.filter(
        client_id=client_id, status=Program.Status.ACTIVE
    ).values("id", "name", "starts_on", "sessions_per_week", "weekdays", "updated_at")[:1]
)  # (the model's order, as ``.first()``)
_CURRENT_PRESCRIPTIONS = Prepared(
    lambda ids: Prescription.objects.filter(program_id__in=ids, ended_at__isnull=True)
    .order_by("program_id", "order", "id")
    .annotate(first_upload=first_upload("exercise_id"))
    .values(*_PRESCRIPTION_COLUMNS, "exercise_id", "exercise__slug", "exercise__name",
            "exercise__illustration", "first_upload")
)  # fmt: skip
# each exercise's cues in their order (the model's default order joins the exercises)
_CUES = Prepared(
    lambda ids: (
        Cue.objects.filter(exercise_id__in=ids)
        .order_by("order", "id")
        .values("exercise_id", "phase", "text")
    )
)


def program_row_get(actor: Actor, pk: object) -> dict[str, Any]:
    """``program_detail`` as a plain row (the same rule): the program with the client's name and
    its current prescriptions, their exercises and cues, in three queries; or 404."""
    row = row_or_404(_PROGRAM_ROW, actor, pk, "program")
    row["client"] = {"user": pop_name(row, "client__user")}
    return with_prescriptions([row])[0]


def my_program_row(client: Client) -> dict[str, Any] | None:
    """``active_program(client, with_cues=True)`` as a plain row, or None."""
    row = _ACTIVE_ROW.first(client.pk)
    return None if row is None else with_prescriptions([row])[0]


def with_prescriptions(programs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """These program rows with their current prescriptions (``current``, in order), each with
    its exercise, the exercise's cues (in order) and pictures (the upload shown, if any): two
    queries whatever their number (a third when an exercise has an upload)."""
    current: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in programs}
    by_exercise: dict[int, list[dict[str, Any]]] = {}
    rows = _CURRENT_PRESCRIPTIONS.rows(list(current))
    uploads = uploads_of(row["first_upload"] for row in rows)
    for row in rows:
        exercise_id = row.pop("exercise_id")
        cues = by_exercise.setdefault(exercise_id, [])
        slug = row.pop("exercise__slug")
        row["exercise"] = {
            "slug": slug,
            "name": row.pop("exercise__name"),
            "cues": cues,
            "picture": picture_of(
                slug,
                bool(row.pop("exercise__illustration")),
                uploads.get(row.pop("first_upload")),
            ),
        }
        current[row["program_id"]].append(row)
    if by_exercise:
        for cue in _CUES.rows(list(by_exercise)):
            by_exercise[cue["exercise_id"]].append(cue)
    for program in programs:
        program["current"] = current[program["id"]]
    return programs


def templates_for(actor: Actor) -> QuerySet[ProgramTemplate]:
    """The practice's template library (superusers: every practice's)."""
    qs = ProgramTemplate.objects.select_related("practice").annotate(
        prescription_count=Count("prescriptions")
    )
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.trainer:
        return qs.filter(practice_id=profile.trainer.practice_id)
    return qs.none()


def template_detail(actor: Actor, pk: object) -> ProgramTemplate:
    """One template of the actor's library with its prescriptions, their exercises and cues
    (a constant number of queries), or 404."""
    prescriptions = TemplatePrescription.objects.select_related("exercise").prefetch_related(
        "exercise__cues"
    )
    rows = templates_for(actor).prefetch_related(Prefetch("prescriptions", queryset=prescriptions))
    return one_or_404(rows, pk, "template")


def exercises_prescribed(exercise_ids: list[int]) -> dict[int, str]:
    """Registered in ``settings.EXERCISE_IN_USE_CHECKS``: an exercise prescribed in an active
    program, or in a template of the library, must not be retired."""
    reasons: dict[int, str] = {}
    row: Mapping[str, Any]  # one row of either query's values()
    active = (
        Prescription.objects.filter(
            exercise_id__in=exercise_ids,
            ended_at__isnull=True,
            program__status=Program.Status.ACTIVE,
        )
        .values("exercise_id")
        .annotate(n=Count("program", distinct=True))
    )
    for row in active:
        n = row["n"]
        reasons[row["exercise_id"]] = f"prescribed in {n} active program{'s' if n != 1 else ''}"
    templates = (
        ProgramTemplate.objects.filter(prescriptions__exercise_id__in=exercise_ids)
        .values("prescriptions__exercise_id")
        .annotate(n=Count("id", distinct=True))
    )
    for row in templates:
        n = row["n"]
        reasons.setdefault(
            row["prescriptions__exercise_id"],
            f"used in {n} program template{'s' if n != 1 else ''}",
        )
    return reasons
