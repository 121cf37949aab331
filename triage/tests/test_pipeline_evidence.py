"""Flags follow the evidence, through the real pipeline: the phone posts to the API, the log
commits, a real Celery worker on the real Redis broker reviews it, and the flags in PostgreSQL
are what the rules say about the client's whole history (TRIAGE_RULES.md)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from coaching.models import Program, Session
from coaching.programs import schedule
from coaching.tests.helpers import api, wait_for
from triage import services, tasks
from triage.models import Flag, WorkerHeartbeat
from triage.tests.scenarios import (
    current,
    log,
    new_client,
    open_flags,
    post_check_in,
    post_session,
    rules_open,
)

pytestmark = pytest.mark.django_db(transaction=True)


def ready_by_api(exercises: int = 1):  # type: ignore[no-untyped-def]
    client = new_client(exercises=exercises)
    post_session(client, days_ago=1)
    post_session(client)
    assert wait_for(lambda: len(open_flags(client)) == exercises), open_flags(client)
    assert rules_open(client) == {"PG-READY"}
    return client


def withdrawn(client) -> list[Flag]:  # type: ignore[no-untyped-def]
    return list(Flag.objects.filter(client=client, status="withdrawn"))


@pytest.mark.parametrize(
    ("how", "rule"),
    [("session", "RF-EMERGENCY"), ("check-in", "RF-URGENT")],
)
def test_ready_then_a_red_flag_withdraws_the_progression(celery_worker, how, rule):
    client = ready_by_api()

    if how == "session":
        body = post_session(client, symptoms=["saddle_numbness"])
    else:
        body = post_check_in(client, symptoms=("fever",))
    assert body["safety"]["level"] == ("emergency" if how == "session" else "urgent")

    assert wait_for(lambda: rules_open(client) == {rule} and len(withdrawn(client)) == 1)
    (progression,) = withdrawn(client)
    assert progression.withdraw_reason.startswith(f"a referral was opened ({rule})")
    # the trainer's queue shows the referral alone
    queue = api(client.trainer.user).get("/api/v1/flags/?status=open").json()["results"]
    assert [f["rule"] for f in queue] == [rule]


def test_ready_then_a_flare_withdraws_the_progression_and_apply_is_refused(celery_worker):
    client = ready_by_api()
    progression = Flag.objects.get(client=client, rule="PG-READY")

    post_session(client, pain=6)

    assert wait_for(lambda: "RG-PAIN-DURING" in rules_open(client) and withdrawn(client))
    assert "PG-READY" not in rules_open(client)
    response = api(client.trainer.user).post(f"/api/v1/flags/{progression.pk}/apply/")
    assert response.status_code == 400
    assert "already withdrawn" in response.json()["errors"][0]["detail"]


def test_ready_then_a_regression_on_another_exercise(celery_worker):
    client = ready_by_api(exercises=2)
    first, second = current(client)

    post_session(client, pain={first.exercise_id: 1, second.exercise_id: 7})

    assert wait_for(lambda: len(withdrawn(client)) == 2)
    flags = open_flags(client)
    assert ("RG-PAIN-DURING", second.exercise_id) in flags  # the regression stays
    assert ("RG-PAIN-DURING", first.exercise_id) not in flags
    assert "PG-READY" not in rules_open(client)  # a regression holds every progression


def test_a_backlog_synced_at_once_withdraws_the_adherence_flag(celery_worker):
    client = new_client(started_days_ago=20)
    post_session(client, days_ago=1)
    tasks.review_batch.delay([client.pk])  # the nightly review
    assert wait_for(lambda: rules_open(client) == {"AD-LOW"})

    for days_ago in (12, 10, 8, 5, 3):  # back in signal: two weeks of logs at once
        post_session(client, days_ago=days_ago)

    assert wait_for(lambda: [f.rule for f in withdrawn(client)] == ["AD-LOW"])
    (adherence,) = withdrawn(client)
    # (the worker may review the backlog in one go or in pieces: the reason says the
    # adherence at the moment it crossed back over 50 %)
    assert adherence.withdraw_reason.startswith("adherence is back to ")
    assert "AD-LOW" not in rules_open(client)


def test_the_progression_gate_counts_the_planned_days_through_the_pipeline(celery_worker):
    """Two good sessions (yesterday and today) of a program that started two days ago. Planned
    on exactly those three days, one planned day was missed: 2 of 3, 67 %, below the 80 % a
    progression needs. Planned as "any 3 days a week" (1 session due in three days): ready.
    Posted through the API, each reviewed by the worker on commit."""
    today = timezone.localdate()
    planned = new_client()  # started two days ago
    loose = new_client()
    codes = [schedule.CODES[(today - timedelta(days=d)).weekday()] for d in range(3)]
    Program.objects.filter(client=planned).update(weekdays=schedule.to_bits(codes))

    for person in (planned, loose):
        post_session(person, days_ago=1)
        post_session(person)

    assert wait_for(lambda: rules_open(loose) == {"PG-READY"})
    assert wait_for(
        lambda: not Session.objects.filter(client=planned, review_state="pending").exists()
    )
    assert rules_open(planned) == set()


def test_an_apply_racing_a_new_painful_log_loses(celery_worker):
    """Two transactions: the client's painful session is being written when the trainer clicks
    apply. The apply waits for the log's transaction, sees the log, and refuses."""
    client = ready_by_api()
    progression = Flag.objects.get(client=client, rule="PG-READY")
    before = [(rx.pk, rx.reps_min) for rx in current(client)]
    written, commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def client_logs() -> None:
        try:
            with transaction.atomic():
                log(client, pain=7)
                written.set()
                commit.wait(10)
        finally:
            connection.close()

    def trainer_applies() -> None:
        try:
            outcome["flag"] = services.flag_apply(actor=client.trainer.user, flag=progression)
        except ValidationError as exc:
            outcome["refused"] = " ".join(exc.messages)
        finally:
            connection.close()

    logging = threading.Thread(target=client_logs)
    logging.start()
    assert written.wait(10)
    applying = threading.Thread(target=trainer_applies)
    applying.start()
    applying.join(1.0)
    assert applying.is_alive(), "the apply must wait for the log in flight"
    commit.set()
    logging.join(10)
    applying.join(10)

    assert "refused" in outcome, outcome
    assert "reached 7/10" in str(outcome["refused"])
    assert [(rx.pk, rx.reps_min) for rx in current(client)] == before
    progression.refresh_from_db()
    assert progression.status == "withdrawn"
    assert wait_for(lambda: "RG-PAIN-DURING" in rules_open(client))


def test_a_withdrawn_flag_is_not_reopened_by_the_same_logs_but_a_new_episode_opens_one(
    celery_worker,
):
    client = ready_by_api()
    first = Flag.objects.get(client=client, rule="PG-READY")
    post_check_in(client, symptoms=("fever",))
    assert wait_for(lambda: rules_open(client) == {"RF-URGENT"})
    referral = Flag.objects.get(client=client, rule="RF-URGENT")
    trainer = api(client.trainer.user)
    answer = trainer.post(
        f"/api/v1/flags/{referral.pk}/resolve/",
        {"referred_to": "Dr Shah, GP", "clearance": "Cleared for exercise by Dr Shah"},
        format="json",
    )
    assert answer.status_code == 200, answer.content

    tasks.review_batch.delay([client.pk])  # the nightly review: the same sessions qualify
    tasks.record_heartbeat.delay("after-the-nightly-review")  # one worker, in order: a marker
    assert wait_for(
        lambda: WorkerHeartbeat.objects.filter(name="after-the-nightly-review").exists()
    )
    assert not open_flags(client)
    first.refresh_from_db()
    assert first.status == "withdrawn"

    post_session(client, days_ago=0.01)  # new sessions: a new episode of readiness
    post_session(client)

    assert wait_for(lambda: rules_open(client) == {"PG-READY"})
    again = Flag.objects.get(client=client, rule="PG-READY", status="open")
    assert again.pk != first.pk
