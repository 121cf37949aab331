"""Cache invalidation only: any write to the catalogue bumps its revision (same transaction)."""

from __future__ import annotations

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from exercises.models import (
    CatalogueRevision,
    Cue,
    Equipment,
    Exercise,
    Mistake,
    Muscle,
    ProgressionEdge,
)


def bump_revision(**kwargs: object) -> None:
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


def connect() -> None:
    for model in (Exercise, Cue, Mistake, ProgressionEdge, Muscle, Equipment):
        post_save.connect(bump_revision, sender=model, dispatch_uid=f"catalogue-save-{model}")
        post_delete.connect(bump_revision, sender=model, dispatch_uid=f"catalogue-del-{model}")
    for field in ("primary_muscles", "stabilizers", "equipment"):
        through = getattr(Exercise, field).through
        m2m_changed.connect(bump_revision, sender=through, dispatch_uid=f"catalogue-m2m-{field}")
