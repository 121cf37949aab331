"""The client API: ``/api/v1/me/program/``, ``/api/v1/sessions/``, ``/api/v1/check-ins/`` and the
trainer's ``/api/v1/clients/{id}/sessions/``: what is stored, the immediate safety answer,
idempotency (also under 20 concurrent sends), every kind of bad input refused with field
messages and nothing stored, and constant queries on the lists."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.journal.vocabulary import EMERGENCY_SYMPTOMS, URGENT_SYMPTOMS, Symptom
from coaching.models import CheckIn, Entry, Prescription, Program, ReviewState, Session, Set
from coaching.programs.services import prescription_replace
from coaching.tests.factories import ProgramFactory, log_session, session_body
from coaching.tests.helpers import api
from exercises.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


SESSIONS, CHECK_INS, MY_PROGRAM = "/api/v1/sessions/", "/api/v1/check-ins/", "/api/v1/me/program/"


def post(client: Any, url: str, body: Any, key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body, format="json", **headers)


def stored() -> tuple[int, int, int, int]:
    return (
        Session.objects.count(),
        Entry.objects.count(),
        Set.objects.count(),
        CheckIn.objects.count(),
    )


def errors(response: Any) -> dict[str, str]:
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


def new_program(client: Any, exercises: int) -> Program:
    """A new active program for ``client`` (their previous one ends, as the services do)."""
    Program.objects.filter(client=client, status=Program.Status.ACTIVE).update(
        status=Program.Status.ENDED, ended_on=timezone.localdate()
    )
    return ProgramFactory(client=client, exercises=[ExerciseFactory() for _ in range(exercises)])


@pytest.fixture
def three(world: Any) -> Program:
    """Client A's program with three exercises of three sets (the shape the bench posts)."""
    return new_program(world.client_a, 3)


# --- the program ------------------------------------------------------------------------------


def test_my_program_lists_the_current_prescriptions_with_cues(world, three):
    body = api(world.client_a.user).get(MY_PROGRAM).json()

    assert body["id"] == three.pk
    assert [p["id"] for p in body["prescriptions"]] == list(
        three.prescriptions.order_by("order").values_list("pk", flat=True)
    )
    first = body["prescriptions"][0]
    assert {"sets", "reps_min", "reps_max", "load_kg", "tempo", "hold_seconds", "notes"} <= set(
        first
    )
    assert first["exercise"]["cues"], "the catalogue's cues come with each exercise"


def test_my_program_is_a_404_without_an_active_program(world):
    Program.objects.filter(client=world.client_a).update(status=Program.Status.ENDED)

    response = api(world.client_a.user).get(MY_PROGRAM)

    assert response.status_code == 404
    assert "no active program" in response.json()["errors"][0]["detail"]


def test_my_program_runs_constant_queries(world, django_assert_num_queries):
    client = api(world.client_a.user)
    with CaptureQueriesContext(connection) as few:
        client.get(MY_PROGRAM)
    new_program(world.client_a, 12)
    with django_assert_num_queries(len(few)):
        assert len(client.get(MY_PROGRAM).json()["prescriptions"]) == 12


# --- logging a session ------------------------------------------------------------------------


def test_a_session_is_stored_with_its_entries_and_sets_pending_review(world, three):
    body = session_body(three, pain=3, notes="Felt fine.")
    body["entries"][0]["sets"] = [
        {"reps": 10, "load_kg": "7.5", "rpe": 7},
        {"reps": 9, "load_kg": 7.5, "rpe": 8},
        {"reps": 8},
    ]
    before = stored()

    response = post(api(world.client_a.user), SESSIONS, body, str(uuid.uuid4()))

    assert response.status_code == 201, response.content
    assert stored() == (before[0] + 1, before[1] + 3, before[2] + 9, before[3])
    answer = response.json()
    session = Session.objects.get(pk=answer["id"])
    assert session.review_state == ReviewState.PENDING == answer["review_state"]
    assert (session.pain_before, session.pain_after, session.notes) == (3, 3, "Felt fine.")
    assert answer["safety"] is None
    first = answer["entries"][0]
    assert first["sets"][0] == {"number": 1, "reps": 10, "load_kg": 7.5, "rpe": 7}
    assert first["sets"][2] == {"number": 3, "reps": 8, "load_kg": None, "rpe": None}
    assert (first["pain_during"], first["pain_location"], first["pain_quality"]) == (
        3,
        "lower_back",
        "ache",
    )


@pytest.mark.parametrize(
    "performed_at", ["2026-03-29T01:30:00.123456+02:00", "1840-01-01T12:00:00-00:01:15"]
)
def test_the_answer_to_a_new_session_is_what_a_read_of_it_answers(world, three, performed_at):
    """The answer to a new session is made from what was stored, without reading it back: it
    must be byte for byte what any read of that session answers."""
    body = session_body(three, pain=2, symptoms=("trauma", "fever"), notes="Knees: fine")
    body["performed_at"] = performed_at
    body["entries"][1]["sets"] = [{"reps": 7, "load_kg": "12.5", "rpe": 9}, {"reps": 0}]
    client = api(world.client_a.user)

    created = post(client, SESSIONS, body, str(uuid.uuid4()))

    assert created.status_code == 201, created.content
    read = client.get(f"{SESSIONS}{created.json()['id']}/")
    assert created.content == read.content
    assert created.json()["symptoms"] == ["fever", "trauma"]  # (stored in checklist order)


def test_a_session_logged_late_keeps_its_real_time(world, three):
    performed = timezone.now() - timedelta(days=3, hours=2)
    body = session_body(three, performed_at=performed.isoformat())

    answer = post(api(world.client_a.user), SESSIONS, body).json()

    assert Session.objects.get(pk=answer["id"]).performed_at == performed


@pytest.mark.parametrize("code", sorted(EMERGENCY_SYMPTOMS))
def test_an_emergency_symptom_is_answered_at_once(world, three, code):
    body = session_body(three, symptoms=(code, "leg_tingling"))

    answer = post(api(world.client_a.user), SESSIONS, body).json()

    assert answer["safety"]["level"] == "emergency"
    assert "Seek emergency care now" in answer["safety"]["message"]
    assert answer["safety"]["symptoms"] == [code]
    assert answer["review_state"] == "pending", "the answer does not wait for a review"


@pytest.mark.parametrize("code", sorted(URGENT_SYMPTOMS))
def test_an_urgent_symptom_says_contact_your_doctor_today(world, three, code):
    answer = post(api(world.client_a.user), SESSIONS, session_body(three, symptoms=(code,))).json()

    assert answer["safety"]["level"] == "urgent"
    assert "contact your doctor today" in answer["safety"]["message"]


@pytest.mark.parametrize(
    ("symptoms", "level"),
    [
        ((), None),
        (("leg_tingling", "leg_numbness", "radiating_below_knee"), None),  # routine: a review
        (("fever", "saddle_numbness"), "emergency"),  # emergency wins
    ],
)
def test_the_safety_answer_for_mixed_symptoms(world, three, symptoms, level):
    answer = post(api(world.client_a.user), SESSIONS, session_body(three, symptoms=symptoms)).json()

    assert (answer["safety"] or {}).get("level") == level


# --- idempotency ------------------------------------------------------------------------------


def test_the_same_key_returns_the_stored_session_and_creates_nothing(world, three):
    client, key, body = api(world.client_a.user), str(uuid.uuid4()), session_body(three)
    first = post(client, SESSIONS, body, key)
    before = stored()

    again = post(client, SESSIONS, body, key)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert stored() == before


def test_the_same_key_with_a_different_body_is_a_409_and_stores_nothing(world, three):
    client, key = api(world.client_a.user), str(uuid.uuid4())
    post(client, SESSIONS, session_body(three, pain=1), key)
    before = stored()

    response = post(client, SESSIONS, session_body(three, pain=2), key)

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert stored() == before


def test_two_clients_may_use_the_same_key(world, three):
    key = str(uuid.uuid4())
    assert post(api(world.client_a.user), SESSIONS, session_body(three), key).status_code == 201
    body_b = session_body(world.program_b)
    assert post(api(world.client_b.user), SESSIONS, body_b, key).status_code == 201


def test_a_key_that_is_not_a_uuid_is_a_400(world, three):
    before = stored()

    response = post(api(world.client_a.user), SESSIONS, session_body(three), "not-a-uuid")

    assert response.status_code == 400
    assert "Idempotency-Key" in errors(response)
    assert stored() == before


def test_check_ins_are_idempotent_too(world):
    client, key = api(world.client_a.user), str(uuid.uuid4())
    body = {"date": str(timezone.localdate()), "pain": 3, "stiffness": 4, "symptoms": []}
    first = post(client, CHECK_INS, body, key)
    before = stored()

    again = post(client, CHECK_INS, body, key)
    different = post(client, CHECK_INS, {**body, "pain": 5}, key)

    assert (first.status_code, again.status_code, different.status_code) == (201, 201, 409)
    assert again.json() == first.json()
    assert stored() == before


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_sends_of_one_key_store_one_session_and_answer_the_same(
    world_committed,
):
    """Twenty threads, each with its own database connection, post the same session with the
    same key at the same moment: one session is stored, and every reply is the same 201."""
    client_a, program = world_committed
    key, body = str(uuid.uuid4()), session_body(program, pain=2)
    start = threading.Barrier(20)
    replies: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            client = api(client_a.user)
            start.wait()
            response = post(client, SESSIONS, body, key)
            with lock:
                replies.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(replies) == 20
    assert {status for status, _ in replies} == {201}
    assert len({json.dumps(reply, sort_keys=True) for _, reply in replies}) == 1
    assert Session.objects.filter(client=client_a).count() == 1
    assert Entry.objects.filter(session__client=client_a).count() == len(body["entries"])


@pytest.fixture
def world_committed(transactional_db: Any) -> tuple[Any, Program]:
    from coaching.tests.factories import ClientFactory

    client = ClientFactory(user__username="concurrent")
    return client, new_program(client, 3)


# --- bad input: a 400 with field messages, nothing stored --------------------------------------


def _set(body: dict, path: str, value: Any) -> dict:
    target: Any = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return body


BAD_SESSIONS = [
    ("pain_before", 11, "pain_before"),
    ("pain_before", -1, "pain_before"),
    ("pain_after", 11, "pain_after"),
    ("entries.0.pain_during", 11, "entries.0.pain_during"),
    ("entries.0.pain_during", -1, "entries.0.pain_during"),
    ("entries.0.sets.0.reps", -1, "entries.0.sets.0.reps"),
    ("entries.0.sets.0.rpe", 11, "entries.0.sets.0.rpe"),
    ("entries.0.sets.0.rpe", 0, "entries.0.sets.0.rpe"),
    ("entries.0.sets.0.load_kg", -5, "entries.0.sets.0.load_kg"),
    ("entries.0.sets", [{"reps": 5}] * 10_000, "entries.0.sets"),
    ("entries.0.sets", [], "entries.0.sets"),
    ("entries", [], "entries"),
    ("symptoms", ["saddle_numbness", "headache"], "symptoms.1"),
    ("entries.0.pain_location", "elbow", "entries.0.pain_location"),
    ("entries.0.pain_quality", "tickly", "entries.0.pain_quality"),
    ("entries.0.prescription", 999_999, "entries.0.prescription"),
    ("performed_at", "yesterday", "performed_at"),
    ("notes", "x" * 2001, "notes"),
]


@pytest.mark.parametrize(("path", "value", "attr"), BAD_SESSIONS, ids=[b[0] for b in BAD_SESSIONS])
def test_bad_values_are_refused_with_the_field_named(world, three, path, value, attr):
    body = _set(session_body(three), path, value)
    before = stored()

    response = post(api(world.client_a.user), SESSIONS, body, str(uuid.uuid4()))

    assert response.status_code == 400, response.content
    # a list's own error (too long, empty) is named "<list>.non_field_errors"
    assert any(name in (attr, f"{attr}.non_field_errors") for name in errors(response)), errors(
        response
    )
    assert stored() == before


def test_a_prescription_of_another_client_does_not_exist(world, three):
    body = session_body(three)
    body["entries"][0]["prescription"] = world.program_b.prescriptions.first().pk
    before = stored()

    response = post(api(world.client_a.user), SESSIONS, body)

    assert response.status_code == 400
    assert errors(response) == {"entries.0.prescription": "No such prescription in your program."}
    assert stored() == before


def test_a_prescription_of_an_ended_program_is_refused(world, three):
    old = world.program_a.prescriptions.first()  # program_a ended when `three` was assigned
    body = session_body(three)
    body["entries"].append({"prescription": old.pk, "pain_during": 0, "sets": [{"reps": 8}]})
    before = stored()

    response = post(api(world.client_a.user), SESSIONS, body)

    assert response.status_code == 400
    assert errors(response) == {"entries.3.prescription": "This program has ended."}
    assert stored() == before


def test_a_prescription_replaced_before_the_session_is_refused_but_not_one_replaced_after(
    world, three
):
    rx = three.prescriptions.order_by("order").first()
    prescription_replace(
        actor=world.trainer_a.user, prescription=rx, exercise=rx.exercise, sets=4, reps_min=8,
        reps_max=10,
    )  # fmt: skip
    rx.refresh_from_db()
    client = api(world.client_a.user)
    body = session_body(three)
    body["entries"].append({"prescription": rx.pk, "pain_during": 0, "sets": [{"reps": 8}]})

    now = post(client, SESSIONS, body)
    body["performed_at"] = (rx.ended_at - timedelta(hours=1)).isoformat()
    earlier = post(client, SESSIONS, body)

    assert now.status_code == 400
    assert "changed this exercise" in errors(now)["entries.3.prescription"]
    assert earlier.status_code == 201, earlier.content


def test_the_same_exercise_twice_in_a_session_is_refused(world, three):
    body = session_body(three)
    body["entries"].append(dict(body["entries"][0]))

    response = post(api(world.client_a.user), SESSIONS, body)

    assert response.status_code == 400
    assert "entries.3.prescription" in errors(response)


@pytest.mark.parametrize(("hours", "status"), [(23, 201), (25, 400)])
def test_performed_at_may_be_up_to_a_day_ahead(world, three, hours, status):
    body = session_body(three, performed_at=(timezone.now() + timedelta(hours=hours)).isoformat())

    response = post(api(world.client_a.user), SESSIONS, body)

    assert response.status_code == status
    if status == 400:
        assert errors(response) == {"performed_at": "Cannot be more than a day in the future."}


def test_malformed_json_is_a_400(world):
    before = stored()

    response = api(world.client_a.user).generic(
        "POST", SESSIONS, '{"performed_at": "2026-11-20T10:00:00Z", "pain_before": 2,',
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert stored() == before


def test_a_body_over_the_size_limit_is_a_400(world, three, settings):
    body = session_body(three, notes="x" * 300_000)
    before = stored()

    response = post(api(world.client_a.user), SESSIONS, body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "request_too_large"
    assert stored() == before


def test_a_body_that_is_not_an_object_is_a_400(world):
    response = post(api(world.client_a.user), SESSIONS, [1, 2, 3])

    assert response.status_code == 400


BAD_CHECK_INS = [
    ({"pain": 11}, "pain"),
    ({"pain": -1}, "pain"),
    ({"stiffness": 11}, "stiffness"),
    ({"symptoms": ["sneezing"]}, "symptoms.0"),
    ({"date": "2026-13-01"}, "date"),
    ({"date": str(timezone.localdate() + timedelta(days=2))}, "date"),
]


@pytest.mark.parametrize(("change", "attr"), BAD_CHECK_INS, ids=[b[1] for b in BAD_CHECK_INS])
def test_bad_check_ins_are_refused_with_the_field_named(world, change, attr):
    body = {"date": str(timezone.localdate()), "pain": 3, "stiffness": 4, "symptoms": [], **change}
    before = stored()

    response = post(api(world.client_a.user), CHECK_INS, body)

    assert response.status_code == 400, response.content
    assert attr in errors(response)
    assert stored() == before


def test_a_check_in_with_a_red_flag_gets_the_safety_answer(world):
    body = {"date": str(timezone.localdate()), "pain": 6, "stiffness": 7}
    body["symptoms"] = [Symptom.BLADDER_BOWEL_CHANGE.value]

    answer = post(api(world.client_a.user), CHECK_INS, body).json()

    assert answer["safety"]["level"] == "emergency"
    assert answer["review_state"] == "pending"


# --- reading: own rows only, ?since=, constant queries ----------------------------------------


def test_a_client_lists_only_their_own_sessions_and_check_ins(world):
    client = api(world.client_a.user)

    sessions = client.get(SESSIONS).json()["results"]
    check_ins = client.get(CHECK_INS).json()["results"]

    assert [s["id"] for s in sessions] == [world.session_a.pk]
    assert [c["id"] for c in check_ins] == [world.check_in_a.pk]
    assert client.get(f"{SESSIONS}{world.session_b.pk}/").status_code == 404
    assert client.get(f"{CHECK_INS}{world.check_in_b.pk}/").status_code == 404
    assert client.get(f"{SESSIONS}{world.session_a.pk}/").json()["id"] == world.session_a.pk


def test_since_returns_the_rows_changed_after_a_time(world):
    client = api(world.client_a.user)
    Session.objects.filter(pk=world.session_a.pk).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    newer = log_session(world.client_a)
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = client.get(SESSIONS, {"since": since})

    assert [s["id"] for s in response.json()["results"]] == [newer.pk]
    assert client.get(SESSIONS, {"since": "last tuesday"}).status_code == 400


def test_a_review_shows_up_in_since(world):
    """The review changes ``review_state``: a device syncing with ``?since=`` sees it."""
    from triage.services import review_clients

    client = api(world.client_a.user)
    mark = timezone.now()

    review_clients(client_ids=[world.client_a.pk])

    rows = client.get(SESSIONS, {"since": mark.isoformat()}).json()["results"]
    assert [(r["id"], r["review_state"]) for r in rows] == [(world.session_a.pk, "reviewed")]


def test_the_session_list_runs_constant_queries(world, three, django_assert_num_queries):
    client = api(world.client_a.user)
    client.get(SESSIONS)
    with CaptureQueriesContext(connection) as few:
        client.get(SESSIONS)
    for day in range(30):
        log_session(world.client_a, performed_at=timezone.now() - timedelta(days=day))

    with django_assert_num_queries(len(few)):
        assert client.get(SESSIONS).json()["count"] == 31


def test_the_trainers_client_sessions_list_runs_constant_queries(
    world, three, django_assert_num_queries
):
    trainer = api(world.trainer_a.user)
    url = f"/api/v1/clients/{world.client_a.pk}/sessions/"
    trainer.get(url)  # the first request reads the trainer's profile, later ones reuse it
    with CaptureQueriesContext(connection) as few:
        trainer.get(url)
    for day in range(30):
        log_session(world.client_a, performed_at=timezone.now() - timedelta(days=day))

    with django_assert_num_queries(len(few)):
        assert trainer.get(url).json()["count"] == 31


def test_the_trainer_sees_a_clients_sessions_newest_first(world, three):
    old = log_session(world.client_a, performed_at=timezone.now() - timedelta(days=5))

    rows = api(world.trainer_a.user).get(f"/api/v1/clients/{world.client_a.pk}/sessions/")

    assert [r["id"] for r in rows.json()["results"]] == [world.session_a.pk, old.pk]


def test_the_client_list_carries_the_last_session(world):
    rows = api(world.trainer_a.user).get("/api/v1/clients/").json()["results"]

    assert rows[0]["last_session_at"] == world.session_a.performed_at.isoformat().replace(
        "+00:00", "Z"
    )


def test_ended_prescriptions_keep_their_logged_entries(world, three):
    """A prescription with logged entries cannot be deleted: entries point at it (PROTECT)."""
    from django.db.models import ProtectedError

    session = log_session(world.client_a)
    rx = Prescription.objects.get(pk=session.entries.first().prescription_id)

    with pytest.raises(ProtectedError):
        rx.delete()
