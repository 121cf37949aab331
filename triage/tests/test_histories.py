"""The histories' sets: read in set order (whatever order they were written in), with loads and
efforts (or none) kept exactly, and equal sets shared (frozen: a history holds millions)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coaching.models import Entry, Set
from coaching.tests.factories import log_session
from triage.rules import SetLog
from triage.selectors import client_histories, thresholds_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


def test_sets_come_in_set_order_with_their_values_and_equal_ones_shared(world):
    now = timezone.now()
    first = log_session(world.client_a, performed_at=now - timedelta(hours=2))
    later = log_session(world.client_a, performed_at=now - timedelta(hours=1))
    one = Entry.objects.filter(session=first).first()
    two = Entry.objects.filter(session=later).first()
    Set.objects.filter(entry__in=[one, two]).delete()
    Set.objects.bulk_create(
        [
            Set(entry=one, number=3, reps=7, load_kg=None, rpe=None),
            Set(entry=one, number=1, reps=12, load_kg=Decimal("2.50"), rpe=8),
            Set(entry=one, number=2, reps=0, load_kg=Decimal("100.00"), rpe=10),
            Set(entry=two, number=2, reps=7, load_kg=None, rpe=None),
            Set(entry=two, number=1, reps=12, load_kg=Decimal("2.50"), rpe=8),
        ]
    )

    history = client_histories([world.client_a.pk], now=now, thresholds=thresholds_current())[
        world.client_a.pk
    ]

    entries = {e.id: e for s in history.sessions for e in s.entries}
    assert entries[one.pk].sets == (
        SetLog(reps=12, load_kg=Decimal("2.50"), rpe=8),
        SetLog(reps=0, load_kg=Decimal("100.00"), rpe=10),
        SetLog(reps=7, load_kg=None, rpe=None),
    )
    assert entries[two.pk].sets == (entries[one.pk].sets[0], entries[one.pk].sets[2])
    assert entries[two.pk].sets[0] is entries[one.pk].sets[0]  # one object per distinct set
