from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone


class FlagFactory(factory.django.DjangoModelFactory):
    """An open regression flag on the client's first current prescription, suggesting two
    fewer reps (a change ``apply`` can make)."""

    class Meta:
        model = "triage.Flag"

    client = None  # required
    rule = "RG-PAIN-DURING"
    kind = "regression"
    urgency = "routine"
    urgency_rank = factory.LazyAttribute(lambda o: {"emergency": 0, "urgent": 1}.get(o.urgency, 2))
    reason = "Pain during Glute bridge reached 7/10, above 5 (too much)."
    evidence = factory.LazyFunction(lambda: {"threshold": 5, "reports": [{"pain_during": 7}]})
    log_keys = factory.LazyFunction(lambda: ["session:0"])
    last_fired_at = factory.LazyFunction(timezone.now)

    @factory.lazy_attribute
    def prescription(self) -> Any:
        from coaching.models import Prescription

        return (
            Prescription.objects.filter(
                program__client=self.client, program__status="active", ended_at__isnull=True
            )
            .order_by("order", "id")
            .first()
        )

    @factory.lazy_attribute
    def exercise(self) -> Any:
        return self.prescription.exercise if self.prescription else None

    @factory.lazy_attribute
    def exercise_key(self) -> int:
        return self.exercise.pk if self.exercise else 0

    @factory.lazy_attribute
    def suggestion(self) -> dict:
        rx = self.prescription
        if self.kind not in ("regression", "progression") or rx is None:
            return {}
        low, high = max(1, rx.reps_min - 2), max(1, rx.reps_max - 2)
        return {"text": f"Fewer reps: {low}–{high}.", "reps_min": low, "reps_max": high}


class ReferralFactory(FlagFactory):
    rule = "RF-URGENT"
    kind = "referral"
    urgency = "urgent"
    reason = "The client reported fever."
    prescription = None
    exercise = None
