"""Reads of the catalogue. Every read takes the actor, as the rest of the platform does."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from exercises.models import Equipment, Exercise, Muscle, ProgressionEdge

Actor = AbstractBaseUser | AnonymousUser


def can_edit_catalogue(actor: Actor) -> bool:
    return bool(actor.is_authenticated and actor.has_perm("exercises.change_exercise"))


def exercise_list(*, actor: Actor, include_unpublished: bool = False) -> QuerySet[Exercise]:
    """Published exercises with everything the list shows, in a constant number of queries.

    Catalogue editors may ask for drafts and retired exercises too."""
    published_edges = ProgressionEdge.objects.filter(
        easier__status=Exercise.Status.PUBLISHED, harder__status=Exercise.Status.PUBLISHED
    )
    qs = Exercise.objects.all()
    if not (include_unpublished and can_edit_catalogue(actor)):
        qs = qs.published()
    return qs.prefetch_related(
        Prefetch("primary_muscles", queryset=Muscle.objects.order_by("name")),
        Prefetch("stabilizers", queryset=Muscle.objects.order_by("name")),
        Prefetch("equipment", queryset=Equipment.objects.order_by("name")),
        "cues",
        "mistakes",
        Prefetch(
            "harder_edges",
            queryset=published_edges.select_related("harder").order_by("harder__difficulty"),
        ),
        Prefetch(
            "easier_edges",
            queryset=published_edges.select_related("easier").order_by("-easier__difficulty"),
        ),
    )


def exercise_get(*, actor: Actor, slug: str) -> Exercise | None:
    return exercise_list(actor=actor).filter(slug=slug).first()


def muscles_in_use() -> QuerySet[Muscle]:
    return Muscle.objects.filter(primary_for__status=Exercise.Status.PUBLISHED).distinct()
