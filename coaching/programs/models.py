"""What trainers prescribe: templates of the practice's library, and clients' programs."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from coaching.accounts.models import Client, Practice, Trainer
from coaching.programs import limits
from exercises.models import Exercise

# The dose of a prescription: every field but the exercise (and the order), in the order forms show it.
DOSE_FIELDS = ("sets", "reps_min", "reps_max", "load_kg", "hold_seconds", "tempo", "notes")


class PrescriptionFields(models.Model):
    """What is prescribed for one exercise; shared by templates and programs."""

    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(default=3)
    reps_min = models.PositiveSmallIntegerField(default=8)
    reps_max = models.PositiveSmallIntegerField(default=12)
    load_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    tempo = models.CharField(max_length=20, blank=True, help_text="e.g. 2-1-2 (up, hold, down)")
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def range_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(sets__gte=limits.SETS.low, sets__lte=limits.SETS.high),
                name=f"{prefix}_sets_1_10",
            ),
            models.CheckConstraint(
                condition=Q(
                    reps_min__gte=limits.PRESCRIBED_REPS.low,
                    reps_max__lte=limits.PRESCRIBED_REPS.high,
                )
                & Q(reps_min__lte=F("reps_max")),
                name=f"{prefix}_reps_range",
            ),
            models.CheckConstraint(
                condition=Q(load_kg__isnull=True)
                | Q(load_kg__gte=limits.LOAD_KG.low, load_kg__lte=limits.LOAD_KG.high),
                name=f"{prefix}_load_0_1000",
            ),
            models.CheckConstraint(
                condition=Q(hold_seconds__isnull=True)
                | Q(
                    hold_seconds__gte=limits.HOLD_SECONDS.low,
                    hold_seconds__lte=limits.HOLD_SECONDS.high,
                ),
                name=f"{prefix}_hold_1_300",
            ),
        ]

    def dose(self) -> str:
        reps = (
            f"{self.reps_min}"
            if self.reps_min == self.reps_max
            else f"{self.reps_min}–{self.reps_max}"
        )
        parts = [f"{self.sets} × {reps}"]
        if self.load_kg is not None:
            parts.append(f"{self.load_kg.normalize():f} kg")
        if self.hold_seconds:
            parts.append(f"hold {self.hold_seconds} s")
        if self.tempo:
            parts.append(f"tempo {self.tempo}")
        return " · ".join(parts)


class ProgramTemplate(models.Model):
    """A reusable program in the practice's library."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    sessions_per_week = models.PositiveSmallIntegerField(default=3)
    weekdays = models.PositiveSmallIntegerField(
        default=0,
        help_text="The planned weekdays as bits (Monday 1, Tuesday 2, … Sunday 64); 0: any "
        "days, as many as sessions per week (coaching.programs.schedule).",
    )
    created_by = models.ForeignKey(
        Trainer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="template_name_per_practice"),
            models.CheckConstraint(
                condition=Q(
                    sessions_per_week__gte=limits.SESSIONS_PER_WEEK.low,
                    sessions_per_week__lte=limits.SESSIONS_PER_WEEK.high,
                ),
                name="template_sessions_1_14",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=0, weekdays__lte=127), name="template_weekdays_bits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplatePrescription(PrescriptionFields):
    template = models.ForeignKey(
        ProgramTemplate, on_delete=models.CASCADE, related_name="prescriptions"
    )

    class Meta:
        ordering = ["template", "order", "id"]
        constraints = PrescriptionFields.range_constraints("template_prescription")

    def __str__(self) -> str:
        return f"{self.exercise} {self.dose()}"


class Program(models.Model):
    """A client's plan. A client has at most one active program."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    sessions_per_week = models.PositiveSmallIntegerField(default=3)
    weekdays = models.PositiveSmallIntegerField(
        default=0,
        help_text="The planned weekdays as bits (Monday 1, Tuesday 2, … Sunday 64); 0: any "
        "days, as many as sessions per week (coaching.programs.schedule).",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    template = models.ForeignKey(
        ProgramTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        Trainer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="active"),
                name="one_active_program_per_client",
            ),
            models.CheckConstraint(
                condition=Q(
                    sessions_per_week__gte=limits.SESSIONS_PER_WEEK.low,
                    sessions_per_week__lte=limits.SESSIONS_PER_WEEK.high,
                ),
                name="program_sessions_1_14",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=0, weekdays__lte=127), name="program_weekdays_bits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client})"


class Prescription(PrescriptionFields):
    """One exercise of a program. Never edited away: a change ends it (``ended_at``) and a new
    one replaces it, because sessions and flags point at the prescription they answered."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="prescriptions")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )

    class Meta:
        ordering = ["program", "order", "id"]
        constraints = [
            *PrescriptionFields.range_constraints("prescription"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="prescription_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["program", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.exercise} {self.dose()}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


ProgramStatus = Program.Status  # importable by name (the OpenAPI schema's enum names)


class HandoutLink(models.Model):
    """A link to a program's handout that needs no sign-in (for a client who will not make an
    account): only the token's digest is stored; it expires, and can be revoked."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="handout_links")
    token_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Handout link of {self.program} until {self.expires_at:%d %b %Y}"

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
