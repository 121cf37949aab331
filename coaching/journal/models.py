"""What clients log: sessions (entries and sets) and morning check-ins. These rows are the raw
material of the triage review, so the database itself refuses values out of range, and a
client's idempotency key is unique so that a record sent twice is stored once."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from coaching.accounts.models import Client
from coaching.journal.vocabulary import PAIN_MAX, PAIN_MIN, PainLocation, PainQuality
from coaching.programs import limits
from coaching.programs.models import Prescription, Program

MAX_SYMPTOMS = 12


def _pain(field: str, prefix: str, *, nullable: bool = False) -> models.CheckConstraint:
    in_range = Q(**{f"{field}__gte": PAIN_MIN, f"{field}__lte": PAIN_MAX})
    if nullable:
        in_range |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=in_range, name=f"{prefix}_{field}_0_10")


class ReviewState(models.TextChoices):
    PENDING = "pending", "Pending"
    REVIEWED = "reviewed", "Reviewed"


class ClientRecord(models.Model):
    """What sessions and check-ins share: whose they are, the device's idempotency key (with a
    digest of what was sent under it, to tell a replay from a different record), the symptom
    checklist, and the triage hand-over state, set to pending in the transaction that saves it."""

    # ``client``: declared by each subclass, with its own related name
    idempotency_key = models.UUIDField(editable=False)
    body_digest = models.CharField(max_length=64, editable=False)
    symptoms = models.JSONField(default=list, blank=True)
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING, db_index=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Session(ClientRecord):
    """One workout as the client logged it, possibly late (``performed_at`` is when it happened,
    ``created_at`` when it reached us)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    performed_at = models.DateTimeField()
    pain_before = models.PositiveSmallIntegerField()
    pain_after = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-performed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="session_key_unique_per_client"
            ),
            _pain("pain_before", "session"),
            _pain("pain_after", "session"),
        ]
        indexes = [
            models.Index(fields=["client", "-performed_at"]),
            models.Index(fields=["client", "updated_at"]),
            # the logs waiting for a review, oldest first (review tasks, the sweeper): only
            # the pending rows are in it, so it stays small whatever the history
            models.Index(
                fields=["created_at", "client"],
                condition=Q(review_state="pending"),
                name="session_pending_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.performed_at:%Y-%m-%d %H:%M}"


class Entry(models.Model):
    """How one prescribed exercise went in a session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="entries")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="entries")
    order = models.PositiveSmallIntegerField(default=0)
    pain_during = models.PositiveSmallIntegerField()
    pain_location = models.CharField(max_length=20, choices=PainLocation.choices, blank=True)
    pain_quality = models.CharField(max_length=10, choices=PainQuality.choices, blank=True)

    class Meta:
        ordering = ["session", "order", "id"]
        verbose_name_plural = "entries"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "prescription"], name="entry_one_per_prescription"
            ),
            _pain("pain_during", "entry"),
            models.CheckConstraint(
                condition=Q(pain_location__in=["", *PainLocation.values]),
                name="entry_pain_location_known",
            ),
            models.CheckConstraint(
                condition=Q(pain_quality__in=["", *PainQuality.values]),
                name="entry_pain_quality_known",
            ),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk} of session {self.session_id}"


class Set(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="sets")
    number = models.PositiveSmallIntegerField()
    reps = models.PositiveSmallIntegerField()
    load_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    rpe = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name="RPE")

    class Meta:
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="set_number_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=limits.SETS_PER_ENTRY.high),
                name="set_number_1_20",
            ),
            models.CheckConstraint(
                condition=Q(reps__gte=limits.REPS.low, reps__lte=limits.REPS.high),
                name="set_reps_0_1000",
            ),
            models.CheckConstraint(
                condition=Q(load_kg__isnull=True)
                | Q(load_kg__gte=limits.LOAD_KG.low, load_kg__lte=limits.LOAD_KG.high),
                name="set_load_0_1000",
            ),
            models.CheckConstraint(
                condition=Q(rpe__isnull=True)
                | Q(rpe__gte=limits.RPE.low, rpe__lte=limits.RPE.high),
                name="set_rpe_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"set {self.number}: {self.reps} reps"


class CheckIn(ClientRecord):
    """The morning report: how the back feels today, any day, with or without a session."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="check_ins")
    date = models.DateField()
    pain = models.PositiveSmallIntegerField()
    stiffness = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "check-in"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="checkin_key_unique_per_client"
            ),
            _pain("pain", "checkin"),
            _pain("stiffness", "checkin"),
        ]
        indexes = [
            models.Index(fields=["client", "-date"]),
            models.Index(fields=["client", "updated_at"]),
            models.Index(  # (as the sessions')
                fields=["created_at", "client"],
                condition=Q(review_state="pending"),
                name="checkin_pending_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · check-in {self.date:%Y-%m-%d}"
