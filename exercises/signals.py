"""Cache invalidation (and an upload's file removed with its row): any write to the catalogue bumps its revision (same transaction) and
records which exercises' API documents it changed (``CatalogueChange``), so that a process
holding the documents of an earlier revision rebuilds those only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from exercises.models import (
    CatalogueChange,
    CatalogueRevision,
    Cue,
    Equipment,
    Exercise,
    ExerciseMedia,
    Mistake,
    Muscle,
    ProgressionEdge,
)

KEEP_REVISIONS = 1000  # the change log kept; a process further behind rebuilds everything
ALL = None  # every exercise's document


def affected(sender: type, instance: Any, kwargs: dict[str, Any]) -> Iterable[int | None]:
    """The exercises whose document this change alters (``ALL`` for every one)."""
    if sender is Exercise:
        # itself, and its neighbours: their progressions/regressions list its slug, ordered by
        # its difficulty and name, and only while it is published
        edges = ProgressionEdge.objects.filter(Q(easier=instance.pk) | Q(harder=instance.pk))
        return {instance.pk, *(e for pair in edges.values_list("easier", "harder") for e in pair)}
    if sender in (Cue, Mistake, ExerciseMedia):
        return [instance.exercise_id]
    if sender is ProgressionEdge:
        return [instance.easier_id, instance.harder_id]
    if kwargs.get("action") is not None:  # an m2m change of an exercise's muscles or equipment
        if isinstance(instance, Exercise):
            return [instance.pk]
        pk_set = kwargs.get("pk_set")  # from the muscle's or equipment's side: the exercises
        return list(pk_set) if pk_set is not None else [ALL]
    return [ALL]  # a muscle or equipment: its name is in every document naming it


def bump_revision(sender: type, instance: Any = None, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    action = kwargs.get("action")  # m2m_changed only: count the change once, after it
    if action is not None and action not in ("post_add", "post_remove", "post_clear"):
        return
    updated = CatalogueRevision.objects.filter(pk=1).update(
        number=F("number") + 1, changed_at=timezone.now()
    )
    if not updated:
        CatalogueRevision.objects.get_or_create(pk=1, defaults={"number": 1})
    number = CatalogueRevision.objects.filter(pk=1).values_list("number", flat=True).get()
    # at least one row per revision (an empty change names exercise 0, which never exists)
    changed = list(affected(sender, instance, {**kwargs, "action": action})) or [0]
    CatalogueChange.objects.bulk_create(
        CatalogueChange(revision=number, exercise_id=pk) for pk in changed
    )
    if number % 100 == 0:
        CatalogueChange.objects.filter(revision__lte=number - KEEP_REVISIONS).delete()


def forget_file(sender: type, instance: ExerciseMedia, **kwargs: Any) -> None:
    """An upload removed (or its exercise deleted): its file goes from the storage too, once the
    deletion is committed (a rolled-back one keeps it)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


def connect() -> None:
    for model in (Exercise, Cue, Mistake, ExerciseMedia, ProgressionEdge, Muscle, Equipment):
        post_save.connect(bump_revision, sender=model, dispatch_uid=f"catalogue-save-{model}")
        post_delete.connect(bump_revision, sender=model, dispatch_uid=f"catalogue-del-{model}")
    post_delete.connect(forget_file, sender=ExerciseMedia, dispatch_uid="catalogue-media-file")
    for field in ("primary_muscles", "stabilizers", "equipment"):
        through = getattr(Exercise, field).through
        m2m_changed.connect(bump_revision, sender=through, dispatch_uid=f"catalogue-m2m-{field}")
