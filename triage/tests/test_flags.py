"""What trainers do with flags, through the services, the API and the admin: apply (the
prescription changes, its history stays), dismiss (with a reason), resolve a referral (whom the
client was referred to, then the clearance that lifts the hold on progression), the audit trail,
and the review's upsert and de-duplication on the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import Prescription
from coaching.tests.factories import log_check_in, log_session
from coaching.tests.helpers import api
from exercises.models import ProgressionEdge
from exercises.tests.factories import ExerciseFactory
from triage import services
from triage.models import Flag, FlagEvent
from triage.notifications import notify_flag, send_digests
from triage.selectors import client_histories, thresholds_current
from triage.tests.factories import FlagFactory, ReferralFactory
from triage.tests.scenarios import current, log, new_client, ready, review


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

FLAGS = "/api/v1/flags/"


# --- apply --------------------------------------------------------------------------------------


def test_applying_a_dose_change_replaces_the_prescription_and_keeps_the_old_one(world):
    flag = world.flag_a
    old = flag.prescription

    services.flag_apply(actor=world.trainer_a.user, flag=flag)

    flag.refresh_from_db()
    old.refresh_from_db()
    (new,) = current(world.client_a)
    assert old.ended_at is not None
    assert new.replaces_id == old.pk
    assert (new.reps_min, new.reps_max) == (old.reps_min - 2, old.reps_max - 2)
    assert flag.status == "applied"
    assert flag.applied_prescription_id == new.pk
    assert (flag.decided_by_id, flag.decided_at is not None) == (world.trainer_a.user.pk, True)
    event = flag.events.get(action="applied")
    assert event.actor_id == world.trainer_a.user.pk
    assert "→" in event.note


def test_applying_an_exercise_change_swaps_to_the_suggested_exercise():
    client = new_client()
    (rx,) = current(client)
    harder = ExerciseFactory(name="Single-leg glute bridge")
    ProgressionEdge.objects.create(easier=rx.exercise, harder=harder)
    log(client, days_ago=1)
    log(client)
    review(client)
    flag = Flag.objects.get(client=client, rule="PG-READY")
    assert flag.suggested_exercise_id == harder.pk

    response = api(client.trainer.user).post(f"{FLAGS}{flag.pk}/apply/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied"
    assert [rx.exercise_id for rx in current(client)] == [harder.pk]
    # the client's program (and so the Today page and /me/program/) shows the change
    program = api(client.user).get("/api/v1/me/program/").json()
    assert [p["exercise"]["slug"] for p in program["prescriptions"]] == [harder.slug]


def test_a_referral_holds_progression_until_the_clearance():
    client = ready()
    progression = Flag.objects.get(client=client, rule="PG-READY")
    referral = ReferralFactory(client=client)
    trainer = client.trainer.user

    # the re-check withdraws the progression: a referral is open
    with pytest.raises(ValidationError, match="a referral is open and its clearance"):
        services.flag_apply(actor=trainer, flag=progression)
    progression.refresh_from_db()
    assert progression.status == "withdrawn"
    services.flag_resolve(actor=trainer, flag=referral, referred_to="Dr Shah, GP")
    log(client, days_ago=0.5)
    review(client, only_pending=True)
    assert not Flag.objects.filter(client=client, rule="PG-READY", status="open").exists()
    services.flag_resolve(actor=trainer, flag=referral, clearance="Cleared by Dr Shah on 3 Dec")

    log(client, days_ago=0.25)  # ready again, on new sessions: a new flag
    review(client, only_pending=True)
    again = Flag.objects.get(client=client, rule="PG-READY", status="open")
    services.flag_apply(actor=trainer, flag=again)

    again.refresh_from_db()
    referral.refresh_from_db()
    assert again.status == "applied"
    assert (referral.status, referral.referred_to) == ("resolved", "Dr Shah, GP")
    assert referral.cleared_at is not None
    # (the factory's referral has no logs behind it: the first review says it no longer fires)
    assert list(referral.events.values_list("action", flat=True)) == [
        "stopped",
        "resolved",
        "cleared",
    ]


def test_the_referral_hold_also_stops_the_rules_suggesting_progression(world):
    ReferralFactory(client=world.client_a)
    now = timezone.now()

    history = client_histories(
        [world.client_a.pk, world.client_b.pk], now=now, thresholds=thresholds_current()
    )

    assert history[world.client_a.pk].referral_hold is True
    assert history[world.client_b.pk].referral_hold is False


@pytest.mark.parametrize(
    ("kind", "message"),
    [("referral", "Only a progression or a regression"), ("adherence", "Only a progression")],
)
def test_only_progressions_and_regressions_are_applied(world, kind, message):
    flag = FlagFactory(client=world.client_a, rule="AD-LOW", kind=kind, suggestion={})

    response = api(world.trainer_a.user).post(f"{FLAGS}{flag.pk}/apply/")

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["detail"]


def test_a_suggestion_the_platform_cannot_make_is_refused_with_what_to_do(world):
    flag = FlagFactory(
        client=world.client_a, rule="RG-FORM", suggestion={"text": "Smaller range of motion."}
    )

    with pytest.raises(ValidationError, match="change the program by hand"):
        services.flag_apply(actor=world.trainer_a.user, flag=flag)
    assert Flag.objects.get(pk=flag.pk).status == "open"


def test_an_exercise_that_left_the_program_cannot_be_applied(world):
    flag = world.flag_a
    Prescription.objects.filter(pk=flag.prescription_id).update(ended_at=timezone.now())

    with pytest.raises(ValidationError, match="no longer in the client's active program"):
        services.flag_apply(actor=world.trainer_a.user, flag=flag)


def test_a_flag_is_decided_once(world):
    services.flag_dismiss(actor=world.trainer_a.user, flag=world.flag_a, reason="Known.")

    response = api(world.trainer_a.user).post(f"{FLAGS}{world.flag_a.pk}/apply/")

    assert response.status_code == 400
    assert "already dismissed" in response.json()["errors"][0]["detail"]


# --- dismiss and resolve --------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_dismissing_needs_a_reason(world, reason):
    response = api(world.trainer_a.user).post(
        f"{FLAGS}{world.flag_a.pk}/dismiss/", {"reason": reason}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "reason"
    assert Flag.objects.get(pk=world.flag_a.pk).status == "open"


def test_dismissing_records_who_why_and_when(world):
    response = api(world.admin.user).post(
        f"{FLAGS}{world.flag_a.pk}/dismiss/",
        {"reason": "Pain was from a fall, seen."},
        format="json",
    )

    body = response.json()
    assert (body["status"], body["dismiss_reason"]) == ("dismissed", "Pain was from a fall, seen.")
    event = FlagEvent.objects.get(flag=world.flag_a, action="dismissed")
    assert (event.actor_id, event.note) == (world.admin.user.pk, "Pain was from a fall, seen.")


def test_resolving_a_referral_needs_whom_it_was_referred_to(world):
    referral = ReferralFactory(client=world.client_a)
    client = api(world.trainer_a.user)

    missing = client.post(f"{FLAGS}{referral.pk}/resolve/", {}, format="json")
    clearance_first = client.post(
        f"{FLAGS}{referral.pk}/resolve/", {"clearance": "ok"}, format="json"
    )

    assert missing.status_code == clearance_first.status_code == 400
    assert missing.json()["errors"][0]["attr"] == "referred_to"
    assert Flag.objects.get(pk=referral.pk).status == "open"


def test_a_trainer_cannot_act_on_another_trainers_flag(world):
    with pytest.raises(PermissionDenied):
        services.flag_dismiss(actor=world.trainer_b.user, flag=world.flag_a, reason="x")
    response = api(world.trainer_c.user).post(f"{FLAGS}{world.flag_a.pk}/apply/")
    assert response.status_code == 404
    assert Flag.objects.get(pk=world.flag_a.pk).status == "open"


# --- the list ---------------------------------------------------------------------------------


def test_the_queue_is_ordered_emergency_urgent_routine_then_newest(world):
    old_routine = world.flag_a
    urgent = ReferralFactory(client=world.client_a)
    emergency = ReferralFactory(client=world.client_a, rule="RF-EMERGENCY", urgency="emergency")
    new_routine = FlagFactory(client=world.client_a, rule="RG-SHARP")

    rows = api(world.trainer_a.user).get(FLAGS).json()["results"]

    assert [r["id"] for r in rows] == [emergency.pk, urgent.pk, new_routine.pk, old_routine.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "referral"}, {"urgent"}),
        ({"status": "dismissed"}, set()),
        ({"urgency": "routine"}, {"a"}),
    ],
)
def test_the_queue_filters(world, query, expected):
    urgent = ReferralFactory(client=world.client_a)
    names = {"urgent": urgent.pk, "a": world.flag_a.pk}

    rows = api(world.trainer_a.user).get(FLAGS, query).json()["results"]

    assert {r["id"] for r in rows} == {names[n] for n in expected}


def test_filtering_by_another_trainers_client_is_a_400(world):
    response = api(world.trainer_a.user).get(FLAGS, {"client": world.client_c.pk})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "client"


def test_the_flag_list_runs_constant_queries(world, django_assert_num_queries):
    client = api(world.trainer_a.user)
    client.get(FLAGS)
    with CaptureQueriesContext(connection) as few:
        client.get(FLAGS)
    for i in range(30):
        FlagFactory(client=world.client_a, rule="RG-SHARP", exercise_key=10_000 + i)

    with django_assert_num_queries(len(few)):
        assert client.get(FLAGS).json()["count"] == 31


# --- the review's upsert on the database --------------------------------------------------------


def test_a_red_flag_log_opens_a_referral_and_reviewing_again_changes_nothing(world):
    session = log_session(world.client_a, symptoms=["saddle_numbness"])

    first = services.review_clients(client_ids=[world.client_a.pk])
    again = services.review_clients(client_ids=[world.client_a.pk])
    nightly = services.review_clients(client_ids=[world.client_a.pk], only_pending=False)

    flag = Flag.objects.get(client=world.client_a, rule="RF-EMERGENCY")
    assert (flag.kind, flag.urgency, flag.status) == ("referral", "emergency", "open")
    assert f"session:{session.pk}" in flag.log_keys
    assert flag.thresholds["pain_acceptable_max"] == 5
    assert first.opened
    assert (again.opened, again.clients) == ([], 0)
    assert (nightly.opened, nightly.refreshed) == ([], 0)
    assert flag.events.count() == 1


def test_a_rule_firing_again_refreshes_the_open_flag(world):
    log_session(world.client_a, symptoms=["fever"])
    services.review_clients(client_ids=[world.client_a.pk])
    log_check_in(world.client_a, symptoms=["fever"])

    result = services.review_clients(client_ids=[world.client_a.pk])

    (flag,) = Flag.objects.filter(client=world.client_a, rule="RF-URGENT")
    assert result.refreshed == 1
    assert flag.times_fired == 2
    assert len(flag.log_keys) == 2
    assert list(flag.events.values_list("action", flat=True)) == ["opened", "refreshed"]


def test_a_decided_flag_is_not_reopened_by_the_same_logs_but_is_by_new_ones(world):
    log_session(world.client_a, symptoms=["fever"])
    services.review_clients(client_ids=[world.client_a.pk])
    flag = Flag.objects.get(client=world.client_a, rule="RF-URGENT")
    services.flag_resolve(actor=world.trainer_a.user, flag=flag, referred_to="GP")

    services.review_clients(client_ids=[world.client_a.pk], only_pending=False)
    assert Flag.objects.filter(client=world.client_a, rule="RF-URGENT").count() == 1

    log_session(world.client_a, symptoms=["fever"])
    services.review_clients(client_ids=[world.client_a.pk])
    assert Flag.objects.filter(client=world.client_a, rule="RF-URGENT", status="open").count() == 1


def test_the_history_selector_runs_constant_queries_for_any_number_of_clients(
    world, django_assert_num_queries
):
    now = timezone.now()
    th = thresholds_current()
    with CaptureQueriesContext(connection) as one:
        client_histories([world.client_a.pk], now=now, thresholds=th)
    for day in range(1, 15):
        for owner in (world.client_a, world.client_b, world.client_c):
            log_session(owner, performed_at=now - timedelta(days=day), pain=3)
            log_check_in(owner, day=timezone.localdate() - timedelta(days=day))

    ids = [world.client_a.pk, world.client_b.pk, world.client_c.pk]
    with django_assert_num_queries(len(one)):
        histories = client_histories(ids, now=now, thresholds=th)
    assert {len(h.sessions) for h in histories.values()} == {15}
    assert len(one) <= 11


# --- notifications --------------------------------------------------------------------------------


def test_an_urgent_flag_emails_the_trainer_once(world):
    world.trainer_a.user.email = "tara@example.com"
    world.trainer_a.user.save()
    flag = ReferralFactory(client=world.client_a)

    assert notify_flag(flag_id=flag.pk) is True
    assert notify_flag(flag_id=flag.pk) is False

    (email,) = mail.outbox
    assert email.to == ["tara@example.com"]
    assert "[Urgent]" in email.subject
    assert reverse("admin:triage_flag_change", args=[flag.pk]) in email.body


def test_the_daily_digest_lists_each_trainers_new_flags(world):
    for trainer, address in (
        (world.trainer_a, "a@example.com"),
        (world.trainer_b, "b@example.com"),
    ):
        trainer.user.email = address
        trainer.user.save()

    assert send_digests() >= 2
    assert send_digests() == 0  # nothing new

    by_address = {m.to[0]: m for m in mail.outbox}
    assert "RG-PAIN-DURING" in by_address["a@example.com"].body
    assert str(world.client_b.user) not in by_address["a@example.com"].body


def test_the_clients_today_page_shows_an_applied_change(client, world):
    old = world.flag_a.prescription
    services.flag_apply(actor=world.trainer_a.user, flag=world.flag_a)
    client.force_login(world.client_a.user)

    html = client.get("/").content.decode()

    assert "New from your trainer" in html
    assert f"this replaces {old.exercise.name} ({old.dose()})" in html
