"""Outcome measures: questionnaires defined as data (``Instrument``, one row per version), which
instruments a program or template sends and when (``OutcomeSchedule``), and the client's answers,
scored on save with the version they answered (``QuestionnaireResponse``). An answer is a log
like a session: it reaches triage through the same pending state."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from coaching.accounts.models import Client
from coaching.journal.models import ClientRecord
from coaching.programs.models import Program, ProgramTemplate


class Instrument(models.Model):
    """One version of a questionnaire's definition (``coaching/outcomes/definition.py`` checks
    it; ``manage.py load_instrument`` loads it). Answers keep the version they were scored by:
    a changed file makes a new version once the old one has answers."""

    slug = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=120)
    definition = models.JSONField()
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="instrument_slug_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class OutcomeSchedule(models.Model):
    """An instrument a program (or a template, copied to the programs made from it) sends: at
    the start, every N weeks, and at the end."""

    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.CASCADE, related_name="outcome_schedules"
    )
    template = models.ForeignKey(
        ProgramTemplate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outcome_schedules",
    )
    instrument_slug = models.SlugField("instrument", max_length=60)
    at_start = models.BooleanField(default=True)
    every_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Again every this many weeks; empty: not in between."
    )
    at_end = models.BooleanField(default=True)

    class Meta:
        ordering = ["instrument_slug", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(program__isnull=False, template__isnull=True)
                | Q(program__isnull=True, template__isnull=False),
                name="outcome_schedule_program_or_template",
            ),
            models.UniqueConstraint(
                fields=["program", "instrument_slug"], name="outcome_schedule_once_per_program"
            ),
            models.UniqueConstraint(
                fields=["template", "instrument_slug"], name="outcome_schedule_once_per_template"
            ),
            models.CheckConstraint(
                condition=Q(every_weeks__isnull=True) | Q(every_weeks__gte=1, every_weeks__lte=52),
                name="outcome_schedule_every_1_52_weeks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_slug}: {self.cadence}"

    @property
    def cadence(self) -> str:
        parts = []
        if self.at_start:
            parts.append("at the start")
        if self.every_weeks:
            parts.append(f"every {self.every_weeks} week{'s' if self.every_weeks > 1 else ''}")
        if self.at_end:
            parts.append("at the end")
        return ", ".join(parts) or "never"


class QuestionnaireResponse(ClientRecord):
    """A client's answers to one instrument version, with the score worked out on save."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    program = models.ForeignKey(
        Program, null=True, on_delete=models.SET_NULL, related_name="questionnaire_responses"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    answers = models.JSONField()
    score = models.FloatField()
    band = models.CharField(max_length=40, blank=True)
    due_on = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="response_key_unique_per_client"
            )
        ]
        indexes = [
            models.Index(fields=["client", "-answered_at"]),
            models.Index(
                fields=["created_at", "client"],
                condition=Q(review_state="pending"),
                name="response_pending_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} by {self.client}: {self.score:g}"
