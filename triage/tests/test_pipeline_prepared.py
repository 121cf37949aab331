"""The prepared reads through the real pipeline: a client posts a red-flag session to the API,
a real worker reviews it (the history read by prepared queries in the worker's own process),
and the flag is seen — through the prepared lists, filters and details — by the client's
trainer and the practice admin, and by no other trainer (a 404, not a 403)."""

from __future__ import annotations

import uuid

import pytest

from coaching.tests.factories import ClientFactory, ProgramFactory, TrainerFactory, session_body
from coaching.tests.helpers import api, wait_for
from triage.models import Flag


@pytest.mark.django_db(transaction=True)
def test_a_red_flag_reaches_the_right_queues_through_prepared_reads(celery_worker):
    admin = TrainerFactory(is_practice_admin=True)
    mine, other = (TrainerFactory(practice=admin.practice) for _ in range(2))
    client = ClientFactory(trainer=mine, practice=admin.practice)
    ProgramFactory(client=client)
    bystander = ClientFactory(trainer=other, practice=admin.practice)
    ProgramFactory(client=bystander)

    response = api(client.user).post(
        "/api/v1/sessions/",
        session_body(client.programs.get(), symptoms=("saddle_numbness",)),
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201
    assert response.json()["safety"]["level"] == "emergency"
    assert wait_for(lambda: Flag.objects.filter(client=client).exists(), timeout=10)
    flag = Flag.objects.get(client=client, rule="RF-EMERGENCY")

    query = "/api/v1/flags/?status=open&urgency=emergency"
    for trainer, seen in [(mine, [flag.pk]), (admin, [flag.pk]), (other, [])]:
        body = api(trainer.user).get(query).json()
        assert [f["id"] for f in body["results"]] == seen, trainer
        assert body["count"] == len(seen)
        detail = api(trainer.user).get(f"/api/v1/flags/{flag.pk}/")
        assert detail.status_code == (200 if seen else 404)
        sessions = api(trainer.user).get(f"/api/v1/clients/{client.pk}/sessions/")
        assert sessions.status_code == (200 if seen else 404)
    assert api(mine.user).get(f"/api/v1/flags/{flag.pk}/").json()["urgency"] == "emergency"

    own = api(client.user).get("/api/v1/sessions/").json()["results"]
    assert [(s["id"], s["review_state"]) for s in own] == [(response.json()["id"], "reviewed")]
    assert api(bystander.user).get("/api/v1/sessions/").json()["count"] == 0
