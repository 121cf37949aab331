"""The flag queue of the API is counted and paged by prepared SQL (``config.prepared``) for the
choice filters, and built as a queryset for the others: either way the answer is the queue the
ORM gives — the same flags, order, count and links — and bad input is the same 400."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.tests.factories import ClientFactory, ProgramFactory, TrainerFactory
from coaching.tests.helpers import api
from triage.models import Flag
from triage.tests.factories import FlagFactory, ReferralFactory

pytestmark = pytest.mark.django_db

ORDER = ("urgency_rank", "-created_at", "-id")


@pytest.fixture
def queue():
    admin = TrainerFactory(is_practice_admin=True)
    trainer = TrainerFactory(practice=admin.practice)
    clients = [ClientFactory(trainer=trainer, practice=admin.practice) for _ in range(3)]
    for client in clients:
        ProgramFactory(client=client)
        FlagFactory(client=client)
        FlagFactory(client=client, status="dismissed", not_firing_since=timezone.now())
        ReferralFactory(client=client)
    ReferralFactory(client=clients[0], rule="RF-EMERGENCY", urgency="emergency", urgency_rank=0)
    FlagFactory(client=ClientFactory())  # another practice's
    return admin, trainer, clients


def expected(trainer, **filters):
    return list(
        Flag.objects.filter(client__trainer=trainer, **filters)
        .order_by(*ORDER)
        .values_list("id", flat=True)
    )


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        pytest.param("", {}, id="no-filter"),
        pytest.param("?status=open", {"status": "open"}, id="status"),
        pytest.param("?status=", {}, id="empty-status"),
        pytest.param(
            "?status=open&kind=referral", {"status": "open", "kind": "referral"}, id="two"
        ),
        pytest.param("?urgency=emergency", {"urgency": "emergency"}, id="urgency"),
        pytest.param("?status=dismissed&page_size=2", {"status": "dismissed"}, id="paged"),
    ],
)
def test_the_prepared_queue_is_the_orms(queue, query, filters):
    _, trainer, _ = queue
    body = api(trainer.user).get(f"/api/v1/flags/{query}").json()
    want = expected(trainer, **filters)
    assert body["count"] == len(want)
    assert [f["id"] for f in body["results"]] == want[: len(body["results"])]
    if "page_size=2" in query:
        assert body["next"].endswith("page=2&page_size=2&status=dismissed")
        second = api(trainer.user).get(body["next"]).json()
        assert [f["id"] for f in second["results"]] == want[2:4]


def test_filters_that_are_not_prepared_still_filter(queue):
    _, trainer, clients = queue
    one = clients[1]
    body = api(trainer.user).get(f"/api/v1/flags/?client={one.pk}&status=open").json()
    assert [f["id"] for f in body["results"]] == expected(trainer, client=one, status="open")
    since = timezone.now().isoformat().replace("+00:00", "Z")
    assert api(trainer.user).get("/api/v1/flags/", {"since": since}).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=bogus", "status"), ("?kind=x&status=open", "kind"), ("?page=9", None)],
)
def test_bad_filters_and_pages_are_the_same_errors(queue, query, field):
    _, trainer, _ = queue
    response = api(trainer.user).get(f"/api/v1/flags/{query}")
    if field is None:
        assert response.status_code == 404
        return
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field


def test_the_practice_admin_sees_the_practices_queue_in_constant_queries(queue):
    admin, trainer, clients = queue
    client = api(admin.user)
    client.get("/api/v1/flags/?status=open")  # (prepared)
    with CaptureQueriesContext(connection) as few:
        body = client.get("/api/v1/flags/?status=open").json()
    assert body["count"] == len(expected(trainer, status="open")) == 7
    for other in clients:
        FlagFactory(client=other, rule="RG-PAIN-AFTER")
    with CaptureQueriesContext(connection) as more:
        again = client.get("/api/v1/flags/?status=open").json()
    assert again["count"] == body["count"] + 3
    assert len(few) == len(more) == 2  # the count and the page (the test client signs in)
