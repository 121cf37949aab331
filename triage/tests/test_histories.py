"""The histories' sets: PostgreSQL writes each entry's sets as one text (``string_agg`` in set
order); elsewhere the rows are read one by one. Both give the rules the same sets, in set order,
with loads and efforts (or none) kept exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from coaching.models import Entry, Set
from coaching.tests.factories import log_session
from triage import selectors
from triage.rules import SetLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


def test_both_ways_read_the_same_sets_in_set_order(world, monkeypatch):
    session = log_session(world.client_a)
    first, *others = Entry.objects.filter(session=session).order_by("pk")
    Set.objects.filter(entry=first).delete()
    # written out of order, with every kind of value: a load with decimals, none, an effort
    Set.objects.bulk_create(
        [
            Set(entry=first, number=3, reps=7, load_kg=None, rpe=None),
            Set(entry=first, number=1, reps=12, load_kg=Decimal("2.50"), rpe=8),
            Set(entry=first, number=2, reps=0, load_kg=Decimal("100.00"), rpe=10),
        ]
    )
    ids = [session.pk]

    on_postgresql = selectors._sets_by_entry(ids)
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the row-by-row way, on this database
    row_by_row = selectors._sets_by_entry(ids)

    assert on_postgresql == row_by_row
    assert on_postgresql[first.pk] == (
        SetLog(reps=12, load_kg=Decimal("2.50"), rpe=8),
        SetLog(reps=0, load_kg=Decimal("100.00"), rpe=10),
        SetLog(reps=7, load_kg=None, rpe=None),
    )
    assert set(on_postgresql) == {first.pk, *(e.pk for e in others)}
    # equal sets of different entries are one shared tuple (the histories hold millions)
    later = log_session(world.client_a)
    second, third = first, Entry.objects.filter(session=later).first()
    ids.append(later.pk)
    Set.objects.filter(entry__in=[second, third]).delete()
    Set.objects.bulk_create(
        [Set(entry=e, number=n, reps=10, rpe=6) for e in (second, third) for n in (1, 2)]
    )
    shared = selectors._sets_by_entry(ids)
    assert shared[second.pk] is shared[third.pk]
    assert shared[second.pk] == (SetLog(reps=10, rpe=6), SetLog(reps=10, rpe=6))


def test_an_entry_without_sets_has_none(world):
    session = log_session(world.client_a)
    entry = Entry.objects.filter(session=session).first()
    Set.objects.filter(entry=entry).delete()
    assert entry.pk not in selectors._sets_by_entry([session.pk])
