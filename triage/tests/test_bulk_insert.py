"""``coaching.shared.bulk.bulk_insert``, the review's writer of new flags and audit events: the
rows COPY writes on PostgreSQL are the rows ``bulk_create`` writes, with the keys in order, the
fields' defaults, awkward text and JSON intact, and nothing left behind when it fails."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.shared.bulk import bulk_change, bulk_insert
from coaching.tests.factories import ClientFactory
from triage.models import Flag, FlagEvent

pytestmark = pytest.mark.django_db

AWKWARD = 'quote " backslash \\ tab\t newline\n percent % brace {} é ✓ \\N'
COMPARED = [
    f.attname
    for f in Flag._meta.concrete_fields
    if f.attname not in ("id", "created_at", "updated_at")
]


def _rows(client_id: int, now: Any) -> list[dict[str, Any]]:
    return [
        {
            "client_id": client_id,
            "rule": rule,
            "kind": "referral",
            "urgency": "urgent",
            "urgency_rank": 1,
            "reason": f"{rule}: {AWKWARD}",
            "evidence": {"reports": [{"log": "session:1", "note": AWKWARD}], "mean": 1.5},
            "log_keys": ["session:1", "check_in:2"],
            "thresholds": {"pain_acceptable_max": 5},
            "suggestion": {"text": AWKWARD, "load_kg": "2.5"} if rule == "RF-NERVE" else {},
            "last_fired_at": now - timedelta(hours=1),
            "not_firing_since": None,
        }
        for rule in ("RF-URGENT", "RF-NERVE", "RF-SHARP")
    ]


def _stored(ids: list[int]) -> list[dict[str, Any]]:
    by_id = {row["id"]: row for row in Flag.objects.filter(pk__in=ids).values("id", *COMPARED)}
    return [{k: v for k, v in by_id[pk].items() if k != "id"} for pk in ids]


def test_the_rows_are_the_rows_bulk_create_writes_with_their_keys_in_order() -> None:
    now = timezone.now()
    first, second = ClientFactory(), ClientFactory()
    ids = bulk_insert(Flag, _rows(first.pk, now))
    expected = Flag.objects.bulk_create([Flag(**row) for row in _rows(second.pk, now)])

    assert len(set(ids)) == len(ids) == 3
    assert [r["rule"] for r in _stored(ids)] == ["RF-URGENT", "RF-NERVE", "RF-SHARP"]
    mine = [{**r, "client_id": None} for r in _stored(ids)]
    theirs = [{**r, "client_id": None} for r in _stored([f.pk for f in expected])]
    assert mine == theirs
    assert Flag.objects.get(pk=ids[0]).reason == f"RF-URGENT: {AWKWARD}"
    assert Flag.objects.get(pk=ids[1]).suggestion == {"text": AWKWARD, "load_kg": "2.5"}


def test_left_out_fields_get_their_defaults_and_auto_times_the_time_of_the_call() -> None:
    client = ClientFactory()
    before = timezone.now()
    (pk,) = bulk_insert(
        Flag,
        [
            {
                "client_id": client.pk,
                "rule": "AD-LOW",
                "kind": "adherence",
                "urgency": "routine",
                "urgency_rank": 2,
                "reason": "r",
                "last_fired_at": before,
            }
        ],
    )
    flag = Flag.objects.get(pk=pk)
    assert (flag.status, flag.times_fired, flag.suggestion, flag.evidence, flag.log_keys) == (
        "open", 1, {}, {}, [],
    )  # fmt: skip
    assert (flag.exercise_key, flag.withdraw_reason, flag.decided_at) == (0, "", None)
    assert before <= flag.created_at == flag.updated_at <= timezone.now()


def test_keys_are_real_for_rows_that_point_at_them() -> None:
    client = ClientFactory()
    now = timezone.now()
    ids = bulk_insert(Flag, _rows(client.pk, now))
    events = bulk_insert(FlagEvent, [{"flag_id": pk, "at": now, "action": "opened"} for pk in ids])
    assert sorted(FlagEvent.objects.filter(pk__in=events).values_list("flag_id", flat=True)) == (
        sorted(ids)
    )
    # the sequence moved on: the ORM's next insert takes a new key
    assert Flag.objects.create(**_rows(ClientFactory().pk, now)[0]).pk not in ids


def test_a_failing_row_writes_nothing_and_a_rolled_back_insert_leaves_nothing() -> None:
    client = ClientFactory()
    now = timezone.now()
    rows = _rows(client.pk, now)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Flag, [*rows, rows[0]])  # two open RF-URGENT flags for one client
    assert not Flag.objects.filter(client=client).exists()

    def insert_then_fail() -> None:
        with transaction.atomic():
            bulk_insert(Flag, rows)
            raise LookupError

    with pytest.raises(LookupError):
        insert_then_fail()
    assert not Flag.objects.filter(client=client).exists()


def test_no_rows_no_query_and_other_databases_get_bulk_create(monkeypatch: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert bulk_insert(Flag, []) == []
    assert len(queries) == 0

    client = ClientFactory()
    now = timezone.now()
    copied = bulk_insert(Flag, _rows(client.pk, now))
    monkeypatch.setattr(type(connections["default"]), "vendor", "sqlite")
    other = ClientFactory()
    created = bulk_insert(Flag, _rows(other.pk, now))
    monkeypatch.undo()
    assert [{**r, "client_id": 0} for r in _stored(created)] == [
        {**r, "client_id": 0} for r in _stored(copied)
    ]


# --- bulk_change: the review's refreshed and withdrawn flags ------------------------------------


def _changes(ids: list[int], now: Any) -> list[dict[str, Any]]:
    return [
        {
            "pk": pk,
            "reason": f"changed {n}: {AWKWARD}",
            "evidence": {"reports": [{"note": AWKWARD}], "n": n},
            "log_keys": ["session:9"],
            "times_fired": 7 + n,
            "not_firing_since": None if n else now,
            "suggested_exercise_id": None,
        }
        for n, pk in enumerate(ids)
    ]


CHANGED = ["reason", "evidence", "log_keys", "times_fired", "not_firing_since",
           "suggested_exercise_id"]  # fmt: skip


def test_bulk_change_writes_what_bulk_update_writes_and_leaves_the_rest(monkeypatch: Any) -> None:
    now = timezone.now()
    copied = bulk_insert(Flag, _rows(ClientFactory().pk, now))
    updated = bulk_insert(Flag, _rows(ClientFactory().pk, now))
    untouched = _stored(copied)

    with CaptureQueriesContext(connection) as queries:
        assert bulk_change(Flag, _changes(copied, now), CHANGED) == 3
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3  # the scratch table, the update, its drop (COPY is not logged)
    monkeypatch.setattr(connection, "vendor", "sqlite")  # Django's bulk_update, on this database
    assert bulk_change(Flag, _changes(updated, now), CHANGED) == 3
    monkeypatch.undo()

    def without_client(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "client_id"} for row in rows]

    assert without_client(_stored(copied)) == without_client(_stored(updated))
    for before, after in zip(untouched, _stored(copied), strict=True):
        assert after["times_fired"] >= 7
        assert after["reason"].endswith(AWKWARD)
        assert {k: v for k, v in after.items() if k not in CHANGED} == {
            k: v for k, v in before.items() if k not in CHANGED
        }
    assert {r["client_id"] for r in _stored(copied)} != {r["client_id"] for r in _stored(updated)}


def test_bulk_change_twice_in_one_transaction_and_a_failure_changes_nothing() -> None:
    client = ClientFactory()
    now = timezone.now()
    ids = bulk_insert(Flag, _rows(client.pk, now))
    with transaction.atomic():
        bulk_change(Flag, [{"pk": ids[0], "reason": "one"}], ["reason"])
        bulk_change(Flag, [{"pk": ids[1], "reason": "two"}], ["reason"])
    assert list(
        Flag.objects.filter(pk__in=ids[:2]).order_by("pk").values_list("reason", flat=True)
    ) == [
        "one",
        "two",
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_change(Flag, [{"pk": ids[2], "reason": "x", "rule": None}], ["reason", "rule"])
    assert Flag.objects.get(pk=ids[2]).reason.startswith("RF-SHARP")
    assert bulk_change(Flag, [], ["reason"]) == 0


def test_without_keys_the_sequence_gives_them_in_the_copy_and_one_query_less() -> None:
    now = timezone.now()
    first, second = ClientFactory(), ClientFactory()
    with CaptureQueriesContext(connection) as drawn:
        bulk_insert(Flag, _rows(first.pk, now))
    with CaptureQueriesContext(connection) as given:
        assert bulk_insert(Flag, _rows(second.pk, now), keys=False) == []
    assert len(given) == len(drawn) - 1
    mine = Flag.objects.filter(client=second).order_by("id")
    assert [f.rule for f in mine] == ["RF-URGENT", "RF-NERVE", "RF-SHARP"]
    theirs = [{**r, "client_id": None} for r in _stored([f.pk for f in mine])]
    ours = [
        {**r, "client_id": None}
        for r in _stored(
            list(Flag.objects.filter(client=first).order_by("id").values_list("pk", flat=True))
        )
    ]
    assert theirs == ours
    assert Flag.objects.filter(client=first).aggregate(m=Max("id"))["m"] < mine.first().pk
