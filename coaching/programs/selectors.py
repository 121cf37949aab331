"""Reads of programs and templates for the person asking: a trainer's clients' programs, the
practice's template library, a client's active program, and which exercises are prescribed
(the catalogue's in-use check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from coaching.accounts.selectors import client_scope, profile_of
from coaching.models import (
    Client,
    Prescription,
    Program,
    ProgramTemplate,
    TemplatePrescription,
)
from coaching.shared.selectors import Actor, one_or_404


def programs_for(actor: Actor) -> QuerySet[Program]:
    """Programs of the clients the actor may see; a client sees their own."""
    qs = Program.objects.select_related("client__user", "client__trainer__user", "template")
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.client:
        return qs.filter(client=profile.client)
    return qs.filter(client_scope(actor, "client__"))


def program_detail(actor: Actor, pk: object) -> Program:
    """One program with its current prescriptions, their exercises and the exercises' cues: a
    constant number of queries (program, prescriptions, cues), whatever their number."""
    current = (
        Prescription.objects.filter(ended_at__isnull=True)
        .select_related("exercise")
        .prefetch_related("exercise__cues")
    )
    rows = programs_for(actor).prefetch_related(
        Prefetch("prescriptions", queryset=current, to_attr="current")
    )
    return one_or_404(rows, pk, "program")


def active_program(client: Client, *, with_cues: bool = False) -> Program | None:
    """The client's active program with its current prescriptions and their exercises (and
    the exercises' cues when asked): at most three queries."""
    current = Prescription.objects.filter(ended_at__isnull=True).select_related(
        "exercise", "replaces__exercise"
    )
    if with_cues:
        current = current.prefetch_related("exercise__cues")
    return (
        client.programs.filter(status=Program.Status.ACTIVE)
        .prefetch_related(Prefetch("prescriptions", queryset=current, to_attr="current"))
        .first()
    )


def templates_for(actor: Actor) -> QuerySet[ProgramTemplate]:
    """The practice's template library (superusers: every practice's)."""
    qs = ProgramTemplate.objects.select_related("practice").annotate(
        prescription_count=Count("prescriptions")
    )
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.trainer:
        return qs.filter(practice=profile.trainer.practice)
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
