"""Triage: flags raised by the review of clients' logs, their audit trail, the editable rule
thresholds, and the worker heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from coaching.models import Client, Prescription
from exercises.models import Exercise
from triage.rules import RULE_CODES, Thresholds


class WorkerHeartbeat(models.Model):
    """Written by a beat-scheduled task: proves that beat, the broker and a worker all work.

    ``/health/`` reports its age, so an operator sees at once when no worker is consuming."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class Flag(models.Model):
    """A suggestion for the trainer: refer, regress, progress, or review adherence. One open
    flag per (client, rule, exercise): a rule firing again refreshes its evidence."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral"
        REGRESSION = "regression", "Regression"
        PROGRESSION = "progression", "Progression"
        ADHERENCE = "adherence", "Adherence"

    class Urgency(models.TextChoices):
        EMERGENCY = "emergency", "Emergency"
        URGENT = "urgent", "Urgent"
        ROUTINE = "routine", "Routine"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPLIED = "applied", "Applied"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED = "resolved", "Resolved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    URGENCY_RANK = {"emergency": 0, "urgent": 1, "routine": 2}

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="flags")
    rule = models.CharField(max_length=20, choices=[(c, c) for c in RULE_CODES])
    kind = models.CharField(max_length=12, choices=Kind.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    urgency_rank = models.PositiveSmallIntegerField(editable=False)
    exercise = models.ForeignKey(
        Exercise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exercise_key = models.PositiveBigIntegerField(default=0, editable=False)  # exercise id or 0
    prescription = models.ForeignKey(
        Prescription, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    suggested_exercise = models.ForeignKey(
        Exercise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suggestion = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    evidence = models.JSONField(default=dict)
    log_keys = models.JSONField(default=list)
    thresholds = models.JSONField(default=dict, help_text="The values the rule compared with.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    times_fired = models.PositiveIntegerField(default=1)
    last_fired_at = models.DateTimeField()
    not_firing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="An open referral or regression whose rule no longer fires on the client's "
        "current history: since when (a person decides it; the review never withdraws it).",
    )
    withdraw_reason = models.TextField(
        blank=True, help_text="Why the review withdrew the flag, in plain words."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # what the trainer did
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.TextField(blank=True)
    referred_to = models.CharField(max_length=200, blank=True)
    clearance = models.TextField(blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    applied_prescription = models.ForeignKey(
        Prescription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["urgency_rank", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "rule", "exercise_key"],
                condition=Q(status="open"),
                name="one_open_flag_per_client_rule_exercise",
            ),
            models.CheckConstraint(
                condition=Q(urgency_rank__in=[0, 1, 2]), name="flag_urgency_rank_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "urgency_rank", "-created_at"]),
            models.Index(fields=["client", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.client}"

    @property
    def firing(self) -> bool:
        """Whether the rule still fires on the client's current history (an open flag), or did
        when the flag was closed."""
        return self.not_firing_since is None

    @property
    def holds_progression(self) -> bool:
        """A referral holds every progression of the client until the clearance is recorded
        (a dismissed referral holds nothing)."""
        return self.holds(self.kind, self.status, self.cleared_at)

    @classmethod
    def holds(cls, kind: str, status: str, cleared_at: object) -> bool:
        """``holds_progression`` of a flag with these values (also for plain rows)."""
        return (
            kind == cls.Kind.REFERRAL
            and status in (cls.Status.OPEN, cls.Status.RESOLVED)
            and cleared_at is None
        )


class FlagEvent(models.Model):
    """The audit trail: every change of a flag, by whom (nobody: the review) and when."""

    class Action(models.TextChoices):
        OPENED = "opened", "Opened by the review"
        REFRESHED = "refreshed", "Fired again: evidence refreshed"
        APPLIED = "applied", "Applied"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED = "resolved", "Referred"
        CLEARED = "cleared", "Clearance recorded"
        NOTIFIED = "notified", "Trainer notified"
        WITHDRAWN = "withdrawn", "Withdrawn by the review"
        STOPPED = "stopped", "No longer firing"

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["flag", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class RuleSettings(models.Model):
    """The thresholds of the rules, editable in the admin without a deploy (one row). Values
    missing here take TRIAGE_RULES.md's defaults (``triage.rules.Thresholds``)."""

    values = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "rule thresholds"

    def __str__(self) -> str:
        return "Rule thresholds"

    def thresholds(self) -> Thresholds:
        return Thresholds.from_dict(self.values)


FlagStatus = Flag.Status  # importable by name (the OpenAPI schema's enum names)
