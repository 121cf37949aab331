"""The managed exercise catalogue: exercises, what they train, how to do them, and the graph of
easier → harder variations that the triage rules walk. This app imports nothing of ours."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


class Muscle(models.Model):
    class Region(models.TextChoices):
        CORE = "core", "Core"
        LOWER_BACK = "lower_back", "Lower back"
        HIP = "hip", "Hip"
        THIGH = "thigh", "Thigh"
        UPPER_BODY = "upper_body", "Upper body"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    region = models.CharField(max_length=20, choices=Region.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "equipment"

    def __str__(self) -> str:
        return self.name


class ExerciseQuerySet(models.QuerySet["Exercise"]):
    def published(self) -> ExerciseQuerySet:
        return self.filter(status=Exercise.Status.PUBLISHED)


class Exercise(models.Model):
    class Position(models.TextChoices):
        SUPINE = "supine", "Lying on the back (supine)"
        PRONE = "prone", "Lying face down (prone)"
        QUADRUPED = "quadruped", "Hands and knees (quadruped)"
        KNEELING = "kneeling", "Kneeling"
        STANDING = "standing", "Standing"
        HANGING = "hanging", "Hanging"
        SIDE_LYING = "side_lying", "Lying on the side"
        SEATED = "seated", "Seated"

    class Pattern(models.TextChoices):
        CORE_CONTROL = "core_control", "Core control"
        HIP_FLEXION = "hip_flexion", "Hip flexion (leg raise)"
        TRUNK_FLEXION = "trunk_flexion", "Trunk flexion (crunch)"
        ANTI_EXTENSION = "anti_extension", "Anti-extension"
        ANTI_ROTATION = "anti_rotation", "Anti-rotation"
        HIP_EXTENSION = "hip_extension", "Hip extension"
        HIP_HINGE = "hip_hinge", "Hip hinge"
        SPINAL_EXTENSION = "spinal_extension", "Spinal extension"

    class Laterality(models.TextChoices):
        BILATERAL = "bilateral", "Both sides together"
        UNILATERAL = "unilateral", "One side at a time"
        ALTERNATING = "alternating", "Alternating sides"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, one per line.")
    summary = models.TextField()
    position = models.CharField(max_length=20, choices=Position.choices)
    movement_pattern = models.CharField(max_length=20, choices=Pattern.choices)
    difficulty = models.PositiveSmallIntegerField(help_text="1 (easiest) to 5 (hardest).")
    laterality = models.CharField(
        max_length=20, choices=Laterality.choices, default=Laterality.BILATERAL
    )
    primary_muscles = models.ManyToManyField(
        Muscle, related_name="primary_for", help_text="The target muscles."
    )
    stabilizers = models.ManyToManyField(Muscle, related_name="stabilizer_for", blank=True)
    equipment = models.ManyToManyField(Equipment, related_name="exercises", blank=True)
    contraindications = models.JSONField(
        default=list, blank=True, help_text="Who should not do it without clearance; one per line."
    )
    stop_signals = models.JSONField(
        default=list, blank=True, help_text="What means: stop this set now; one per line."
    )
    default_sets = models.PositiveSmallIntegerField(default=3)
    default_reps_min = models.PositiveSmallIntegerField(default=8)
    default_reps_max = models.PositiveSmallIntegerField(default=12)
    default_tempo = models.CharField(
        max_length=20, blank=True, help_text="Seconds per phase, e.g. 2-1-2 (up, hold, down)."
    )
    default_hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    illustration = models.JSONField(
        default=dict,
        blank=True,
        help_text="The picture as data: the start and end poses and the props "
        "(exercises/catalogue/SCHEMA.md, “illustration”). The preview redraws as you type.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5), name="exercise_difficulty_1_5"
            ),
            models.CheckConstraint(
                condition=Q(default_sets__gte=1, default_sets__lte=10), name="exercise_sets_1_10"
            ),
            models.CheckConstraint(
                condition=Q(default_reps_min__gte=1, default_reps_max__lte=100)
                & Q(default_reps_min__lte=F("default_reps_max")),
                name="exercise_reps_range",
            ),
            models.CheckConstraint(
                condition=Q(default_hold_seconds__isnull=True)
                | Q(default_hold_seconds__gte=1, default_hold_seconds__lte=300),
                name="exercise_hold_1_300",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (
            self.default_reps_min is not None
            and self.default_reps_max is not None
            and self.default_reps_min > self.default_reps_max
        ):
            errors["default_reps_max"] = "The top of the rep range must not be below the bottom."
        for field in ("aliases", "contraindications", "stop_signals"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[field] = "Must be a list of texts."
        if self.illustration:
            from exercises.loader import illustration_problems

            problems = illustration_problems(self.illustration)
            if problems:
                errors["illustration"] = problems
            else:
                from exercises.illustration import validate_illustration

                self.illustration = validate_illustration(self.illustration)
        if errors:
            raise ValidationError(errors)


class Cue(models.Model):
    """One coaching cue; an exercise's cues read setup → brace → movement → stop point → return."""

    class Phase(models.TextChoices):
        SETUP = "setup", "Setup"
        BRACE = "brace", "Brace"
        MOVEMENT = "movement", "Movement"
        STOP_POINT = "stop_point", "Stop point"
        RETURN = "return", "Return"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="cues")
    order = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    text = models.TextField()

    class Meta:
        ordering = ["exercise", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.text[:60]}"


class Mistake(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="mistakes")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=120)
    detail = models.TextField(help_text="What goes wrong, and how to fix it.")

    class Meta:
        ordering = ["exercise", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ProgressionEdge(models.Model):
    """A directed edge of the progression graph: ``easier`` → ``harder``.

    No self-edges and no duplicates (database constraints), and no cycles (checked in ``clean``,
    in the admin, and by the loader on the whole graph)."""

    class Change(models.TextChoices):
        LEVER = "lever", "Longer lever"
        RANGE = "range", "More range of motion"
        LOAD = "load", "More load"
        STABILITY = "stability", "Less stability"
        UNILATERAL = "unilateral", "One side at a time"
        SUPPORT = "support", "Less support"

    easier = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="harder_edges")
    harder = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="easier_edges")
    change = models.CharField(max_length=20, choices=Change.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["easier__name", "harder__name"]
        constraints = [
            models.UniqueConstraint(fields=["easier", "harder"], name="progression_edge_unique"),
            models.CheckConstraint(
                condition=~Q(easier=F("harder")), name="progression_edge_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.easier} → {self.harder}"

    def clean(self) -> None:
        from exercises.graph import would_create_cycle

        if not (self.easier_id and self.harder_id):
            return
        if self.easier_id == self.harder_id:
            raise ValidationError("An exercise cannot be a progression of itself.")
        others = ProgressionEdge.objects.exclude(pk=self.pk).values_list("easier_id", "harder_id")
        cycle = would_create_cycle(list(others), (self.easier_id, self.harder_id))
        if cycle:
            names = dict(Exercise.objects.filter(pk__in=cycle).values_list("pk", "name"))
            path = " → ".join(names[pk] for pk in cycle)
            raise ValidationError(f"This edge would make a cycle in the progression graph: {path}.")


class CatalogueRevision(models.Model):
    """One row whose number goes up, in the same transaction, with every change to the
    catalogue. Cached API answers are keyed by it, so no process ever serves a stale list."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"catalogue revision {self.number}"


class CatalogueChange(models.Model):
    """Which exercises' API documents a catalogue revision changed (``exercise_id`` null: all of
    them, e.g. a muscle renamed), written with the revision in the same transaction, so that a
    process holding the documents of an earlier revision rebuilds only those (``selectors.
    exercise_fragments``). Only the recent revisions are kept."""

    revision = models.PositiveBigIntegerField(db_index=True)
    exercise_id = models.BigIntegerField(null=True)  # no foreign key: deleted ones count too

    def __str__(self) -> str:
        return f"revision {self.revision}: exercise {self.exercise_id or 'all'}"


def media_upload_to(instance: ExerciseMedia, filename: str) -> str:
    from django.utils.crypto import get_random_string

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"exercise-media/{instance.exercise_id}/{get_random_string(16)}.{suffix}"


class ExerciseMedia(models.Model):
    """An editor's own picture or short video of an exercise, with its licence data (as wger
    records for its media). The first one shown takes the place of the drawing."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"

    class Licence(models.TextChoices):
        OWN = "own", "Made by the practice (all rights)"
        PERMISSION = "permission", "Used with the author's written permission"
        CC0 = "CC0-1.0", "CC0 1.0 (public domain dedication)"
        PUBLIC_DOMAIN = "public-domain", "Public domain"
        CC_BY = "CC-BY-4.0", "CC BY 4.0"
        CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="media")
    order = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(
        upload_to=media_upload_to,
        help_text="PNG, JPEG or WebP up to 5 MB, or an MP4 or WebM video up to 25 MB.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, editable=False)
    title = models.CharField(max_length=200)
    alt_text = models.CharField(
        "description",
        max_length=300,
        help_text="What the picture shows, for people who cannot see it.",
    )
    author = models.CharField(max_length=200, help_text="Who made it (a person or a company).")
    source_url = models.URLField(
        "source", blank=True, help_text="Where it comes from; not needed for the practice's own."
    )
    licence = models.CharField(max_length=20, choices=Licence.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exercise", "order", "id"]
        verbose_name_plural = "exercise media"

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()}, {self.licence})"

    @property
    def credit(self) -> str:
        """The attribution line shown under the picture (CC BY asks for title, author, source,
        licence)."""
        return f"“{self.title}” by {self.author} — {self.get_licence_display()}"

    def clean(self) -> None:
        from exercises.media import check_media_file

        errors: dict[str, Any] = {}
        if self.licence and self.licence != self.Licence.OWN and not self.source_url:
            errors["source_url"] = (
                "Say where it comes from (a web address), unless the practice made it."
            )
        upload = (
            self.file.file if self.file and not getattr(self.file, "_committed", True) else None
        )
        if upload is not None:
            try:
                self.kind = check_media_file(upload, self.file.name or "", self.file.size)
            except ValidationError as exc:
                errors["file"] = exc.messages
        if errors:
            raise ValidationError(errors)
