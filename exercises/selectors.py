"""Reads of the catalogue. Every read takes the actor, as the rest of the platform does."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.urls import reverse
from rest_framework.fields import DateTimeField

from exercises.models import (
    CatalogueChange,
    CatalogueRevision,
    Cue,
    Exercise,
    ExerciseMedia,
    Mistake,
    Muscle,
    ProgressionEdge,
)

Actor = AbstractUser | AnonymousUser
PUBLISHED = Exercise.Status.PUBLISHED


def can_edit_catalogue(actor: Actor) -> bool:
    return bool(actor.is_authenticated and actor.has_perm("exercises.change_exercise"))


def exercise_list(*, actor: Actor, include_unpublished: bool = False) -> QuerySet[Exercise]:
    """The exercises this person may see: published ones; editors may ask for all."""
    qs = Exercise.objects.all()
    if not (include_unpublished and can_edit_catalogue(actor)):
        qs = qs.published()
    return qs


def _published_edges() -> QuerySet[ProgressionEdge]:
    return ProgressionEdge.objects.filter(easier__status=PUBLISHED, harder__status=PUBLISHED)


def exercise_get(*, actor: Actor, slug: str) -> Exercise | None:
    """One visible exercise with every part prefetched (the portal's exercise page)."""
    return (
        exercise_list(actor=actor)
        .prefetch_related(
            "primary_muscles",
            "stabilizers",
            "equipment",
            "cues",
            "mistakes",
            Prefetch(
                "harder_edges",
                queryset=_published_edges().select_related("harder").order_by("harder__difficulty"),
            ),
            Prefetch(
                "easier_edges",
                queryset=_published_edges()
                .select_related("easier")
                .order_by("-easier__difficulty"),
            ),
        )
        .filter(slug=slug)
        .first()
    )


def catalogue_revision() -> tuple[int, str]:
    """The revision's number, and its identity, which changes with every change to the
    catalogue (one read by primary key). The time is part of it, so a database restored from a
    backup never matches an answer cached before."""
    row = CatalogueRevision.objects.filter(pk=1).values_list("number", "changed_at").first()
    return (row[0], f"{row[0]}.{row[1].timestamp():.6f}") if row else (0, "0")


@dataclass
class _Fragments:
    """This process's API documents of exercises, JSON-encoded, current at ``revision``."""

    revision: tuple[int, str] = (-1, "")  # ``catalogue_revision``
    by_id: dict[int, bytes] = dataclass_field(default_factory=dict)
    lock: threading.Lock = dataclass_field(default_factory=threading.Lock)

    def forget(self) -> None:
        with self.lock:
            self.revision, self.by_id = (-1, ""), {}


FRAGMENTS = _Fragments()


def exercise_fragments(
    rows: Sequence[Mapping[str, Any]], revision: tuple[int, str], encode: Callable[[Any], bytes]
) -> list[bytes]:
    """The API documents of these exercises (rows of ``DOCUMENT_COLUMNS``) at this catalogue
    ``revision`` (``catalogue_revision``), each encoded by ``encode``, in their order. Kept
    in this process across revisions: after an edit only the documents that the revisions since
    changed are built again (``CatalogueChange``, written with each revision: one query);
    everything when the log does not reach back that far, or the revision went backwards or was
    replaced (a database restored from a backup)."""
    state = FRAGMENTS
    with state.lock:
        known, by_id = state.revision, state.by_id
        if known != revision:
            changes = (
                list(
                    CatalogueChange.objects.filter(
                        revision__gt=known[0], revision__lte=revision[0]
                    ).values_list("revision", "exercise_id")
                )
                if 0 <= known[0] < revision[0]
                else []
            )
            changed = {pk for _, pk in changes}
            # every revision writes at least one row, and the oldest go first: the log reaches
            # back when it holds the first revision after the known one
            reaches_back = any(number == known[0] + 1 for number, _ in changes)
            if not reaches_back or None in changed:
                by_id = {}
            else:
                by_id = {pk: doc for pk, doc in by_id.items() if pk not in changed}
            state.revision, state.by_id = revision, by_id
        missing = [row for row in rows if row["id"] not in by_id]
    if missing:
        built = exercise_documents(missing)
        fresh = {row["id"]: encode(doc) for row, doc in zip(missing, built, strict=True)}
        with state.lock:
            if state.revision == revision:  # (a newer revision may have come meanwhile)
                state.by_id.update(fresh)
        by_id = {**by_id, **fresh}
    return [by_id[row["id"]] for row in rows]


def exercise_picture(*, actor: Actor, slug: str) -> dict[str, Any] | None:
    """A visible exercise's name, status and picture data (the drawing's URLs), or None."""
    row = (
        exercise_list(actor=actor, include_unpublished=True)
        .filter(slug=slug)
        .values("id", "name", "status", "illustration")
        .first()
    )
    return None if row is None else dict(row)


def exercise_media_get(*, actor: Actor, slug: str, pk: int) -> ExerciseMedia | None:
    """One upload of a visible exercise."""
    return (
        ExerciseMedia.objects.filter(
            pk=pk, exercise__in=exercise_list(actor=actor, include_unpublished=True)
        )
        .filter(exercise__slug=slug)
        .first()
    )


def media_documents(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Uploads (rows of ``MEDIA_COLUMNS``) as the API shows them, with stable URLs of ours."""
    licences = dict(ExerciseMedia.Licence.choices)
    return [
        {
            "kind": m["kind"],
            "url": reverse("catalogue:media", args=[m["exercise__slug"], m["id"]]),
            "title": m["title"],
            "description": m["alt_text"],
            "author": m["author"],
            "source": m["source_url"],
            "licence": m["licence"],
            "credit": f"“{m['title']}” by {m['author']} — {licences[m['licence']]}",
        }
        for m in rows
    ]


MEDIA_COLUMNS = (
    "exercise_id", "id", "exercise__slug", "kind", "title", "alt_text", "author", "source_url",
    "licence",
)  # fmt: skip


def illustration_document(slug: str, drawing: bool, media: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``illustration`` of an exercise's API document: the drawing's two URLs (when it has
    one), the uploads, and ``primary``: what to show first (an upload before the drawing)."""
    still = reverse("catalogue:illustration", args=[slug]) if drawing else None
    animation = reverse("catalogue:animation", args=[slug]) if drawing else None
    primary = None
    if media:
        primary = {"kind": media[0]["kind"], "url": media[0]["url"]}
    elif drawing:
        primary = {"kind": "drawing", "url": animation}
    return {"primary": primary, "still": still, "animation": animation, "media": media}


def first_upload(exercise_ref: str) -> Subquery:
    """An annotation: the id of the first upload of the exercise at ``exercise_ref``, or null;
    for pages that show one picture per exercise (``uploads_of`` reads those rows, and only
    when there are some: most exercises have none)."""
    uploads = ExerciseMedia.objects.filter(exercise_id=OuterRef(exercise_ref)).order_by(
        "order", "id"
    )
    return Subquery(uploads.values("id")[:1])


def uploads_of(ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """The uploads of these ids (``first_upload``'s) as rows of ``MEDIA_COLUMNS``: no query
    when there is none."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    return {
        row["id"]: row for row in ExerciseMedia.objects.filter(pk__in=wanted).values(*MEDIA_COLUMNS)
    }


def picture_of(slug: str, drawn: bool, upload: Mapping[str, Any] | None) -> dict[str, Any]:
    """``illustration_document`` of an exercise (its slug, whether it has a drawing) and its
    ``first_upload``: ``media`` holds the upload shown, if any."""
    return illustration_document(slug, drawn, media_documents([upload]) if upload else [])


def picture_key(exercise: Exercise) -> tuple[int, str, bool]:
    """What ``exercise_pictures`` needs of an exercise."""
    return (exercise.pk, exercise.slug, bool(exercise.illustration))


def exercise_pictures(exercises: Iterable[tuple[int, str, bool]]) -> dict[int, dict[str, Any]]:
    """``{id: the illustration part of its API document}`` for these (id, slug, has a drawing)
    exercises: one query (their uploads), whatever their number."""
    wanted = {pk: (slug, drawn) for pk, slug, drawn in exercises}
    media: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if wanted:
        rows = list(
            ExerciseMedia.objects.filter(exercise_id__in=list(wanted))
            .order_by("order", "id")
            .values(*MEDIA_COLUMNS)
        )
        for row, document in zip(rows, media_documents(rows), strict=True):
            media[row["exercise_id"]].append(document)
    return {
        pk: illustration_document(slug, drawn, media.get(pk, []))
        for pk, (slug, drawn) in wanted.items()
    }


# the columns of an exercise its API document shows (``exercise_documents`` reads these rows)
DOCUMENT_COLUMNS = (
    "id", "slug", "name", "aliases", "summary", "position", "movement_pattern", "difficulty",
    "laterality", "contraindications", "stop_signals", "default_sets", "default_reps_min",
    "default_reps_max", "default_tempo", "default_hold_seconds", "updated_at", "illustration",
)  # fmt: skip


def document_row(exercise: Exercise) -> dict[str, Any]:
    return {name: getattr(exercise, name) for name in DOCUMENT_COLUMNS}


def exercise_documents(exercises: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The API's representation of these exercises (rows of ``DOCUMENT_COLUMNS``: from
    ``.values(*DOCUMENT_COLUMNS)`` or ``document_row``), with every part, in eight queries
    whatever their number: plain rows, no model instances (the list returns up to 1,000)."""
    ids = [e["id"] for e in exercises]
    if not ids:
        return []
    by_exercise: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))

    def gather(name: str, rows: Any) -> None:
        bucket = by_exercise[name]
        for exercise_id, *values in rows:
            bucket[exercise_id].append(values)

    for field in ("primary_muscles", "stabilizers", "equipment"):
        through = getattr(Exercise, field).through
        target = "muscle" if field != "equipment" else "equipment"
        gather(
            field,
            through.objects.filter(exercise_id__in=ids)
            .order_by(f"{target}__name")
            .values_list("exercise_id", f"{target}__slug", f"{target}__name"),
        )
    gather(
        "cues",
        Cue.objects.filter(exercise_id__in=ids)
        .order_by("order", "id")
        .values_list("exercise_id", "phase", "text"),
    )
    gather(
        "mistakes",
        Mistake.objects.filter(exercise_id__in=ids)
        .order_by("order", "id")
        .values_list("exercise_id", "title", "detail"),
    )
    gather(
        "progressions",
        _published_edges()
        .filter(easier_id__in=ids)
        .order_by("harder__difficulty", "harder__name")
        .values_list("easier_id", "harder__slug"),
    )
    gather(
        "regressions",
        _published_edges()
        .filter(harder_id__in=ids)
        .order_by("-easier__difficulty", "easier__name")
        .values_list("harder_id", "easier__slug"),
    )
    pictures = exercise_pictures((e["id"], e["slug"], bool(e["illustration"])) for e in exercises)
    timestamp = DateTimeField().to_representation
    documents = []
    for e in exercises:
        parts = {name: rows.get(e["id"], ()) for name, rows in by_exercise.items()}
        documents.append(
            {
                "slug": e["slug"],
                "name": e["name"],
                "aliases": e["aliases"],
                "summary": e["summary"],
                "position": e["position"],
                "movement_pattern": e["movement_pattern"],
                "difficulty": e["difficulty"],
                "laterality": e["laterality"],
                "primary_muscles": [{"slug": s, "name": n} for s, n in parts["primary_muscles"]],
                "stabilizers": [{"slug": s, "name": n} for s, n in parts["stabilizers"]],
                "equipment": [{"slug": s, "name": n} for s, n in parts["equipment"]],
                "cues": [{"phase": p, "text": t} for p, t in parts["cues"]],
                "mistakes": [{"title": t, "detail": d} for t, d in parts["mistakes"]],
                "contraindications": e["contraindications"],
                "stop_signals": e["stop_signals"],
                "default_prescription": {
                    "sets": e["default_sets"],
                    "reps_min": e["default_reps_min"],
                    "reps_max": e["default_reps_max"],
                    "tempo": e["default_tempo"],
                    "hold_seconds": e["default_hold_seconds"],
                },
                "progressions": [s for (s,) in parts["progressions"]],
                "regressions": [s for (s,) in parts["regressions"]],
                "illustration": pictures[e["id"]],
                "updated_at": timestamp(e["updated_at"]),
            }
        )
    return documents


def muscles_in_use() -> QuerySet[Muscle]:
    return Muscle.objects.filter(primary_for__status=PUBLISHED).distinct()
