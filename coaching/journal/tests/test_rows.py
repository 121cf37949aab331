"""The API's plain-row reads (``config.api.rows``) answer exactly what DRF builds, field by field,
from the model instances: same names, order, values and conversions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coaching.journal.selectors import (
    check_in_rows,
    check_ins_for,
    session_row_get,
    session_rows,
    sessions_for,
    with_entries,
)
from coaching.journal.serializers import CheckInSerializer, SessionSerializer
from coaching.models import Set
from coaching.tests.factories import ClientFactory, ProgramFactory, log_check_in, log_session
from coaching.tests.helpers import rendered
from exercises.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_with_history():
    client = ClientFactory()
    ProgramFactory(client=client, exercises=[ExerciseFactory(), ExerciseFactory()])
    now = timezone.now()
    log_session(client, performed_at=now - timedelta(days=2), pain=0, notes="easy")
    log_session(client, performed_at=now - timedelta(days=1), pain=6, symptoms=["both_legs"])
    log_session(client, performed_at=now - timedelta(hours=1), pain=3)
    Set.objects.filter(pk=Set.objects.order_by("pk").first().pk).update(load_kg=Decimal("12.50"))
    log_check_in(client, day=timezone.localdate() - timedelta(days=1), pain=1)
    log_check_in(client, pain=7, symptoms=["saddle_numbness"])
    return client


def test_sessions_from_rows_are_what_drf_builds_from_instances(client_with_history):
    user = client_with_history.user
    from_models = SessionSerializer(sessions_for(user), many=True).data
    from_rows = SessionSerializer(with_entries(list(session_rows(user))), many=True).data

    assert rendered(from_rows) == rendered(from_models)
    assert [list(s) for s in from_rows] == [list(s) for s in from_models]  # the field order
    assert any(s["safety"] for s in from_rows)
    assert any(s["safety"] is None for s in from_rows)
    assert any(st["load_kg"] == 12.5 for s in from_rows for e in s["entries"] for st in e["sets"])
    one = sessions_for(user).first()
    assert rendered(SessionSerializer(session_row_get(user, one.pk)).data) == rendered(
        SessionSerializer(one).data
    )


def test_check_ins_from_rows_are_what_drf_builds_from_instances(client_with_history):
    user = client_with_history.user
    from_models = CheckInSerializer(check_ins_for(user), many=True).data
    from_rows = CheckInSerializer(list(check_in_rows(user)), many=True).data

    assert rendered(from_rows) == rendered(from_models)
    assert [list(c) for c in from_rows] == [list(c) for c in from_models]
    assert [c["safety"] is not None for c in from_rows] == [True, False]


def test_a_session_without_entries_has_an_empty_list(client_with_history):
    user = client_with_history.user
    row = dict(session_rows(user).first())
    assert with_entries([{**row, "id": -1}])[0]["entries"] == []


def test_an_entry_without_sets_keeps_its_place_with_an_empty_list(client_with_history):
    user = client_with_history.user
    session = sessions_for(user).first()
    emptied = session.entries.order_by("order", "id")[1]
    Set.objects.filter(entry=emptied).delete()

    from_models = SessionSerializer(sessions_for(user), many=True).data
    from_rows = SessionSerializer(with_entries(list(session_rows(user))), many=True).data

    assert rendered(from_rows) == rendered(from_models)
    entries = next(s for s in from_rows if s["id"] == session.pk)["entries"]
    assert [len(e["sets"]) > 0 for e in entries] == [True, False]
