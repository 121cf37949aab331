"""Flags follow the evidence (TRIAGE_RULES.md), through the services on the database: after
every review a client's open flags are what the rules say about their whole current history.
Progressions and adherence flags that no longer hold are withdrawn with the reason; referrals
and regressions stay open for a person and say since when they stopped firing; applying a
progression re-checks the history first. The same scenarios run on a real worker in
``test_pipeline_evidence.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.tests.helpers import api
from triage import services
from triage.models import Flag
from triage.notifications import send_digests
from triage.tests.factories import FlagFactory
from triage.tests.scenarios import (
    current,
    log,
    log_check_in,
    new_client,
    open_flags,
    ready,
    review,
    rules_open,
)

pytestmark = pytest.mark.django_db


def withdrawn(client) -> list[Flag]:  # type: ignore[no-untyped-def]
    return list(Flag.objects.filter(client=client, status="withdrawn").order_by("id"))


# --- a progression never stands beside a referral or a regression -------------------------------


@pytest.mark.parametrize(
    ("symptom", "rule"),
    [("saddle_numbness", "RF-EMERGENCY"), ("fever", "RF-URGENT")],
)
def test_a_red_flag_withdraws_the_open_progression(symptom, rule):
    client = ready()
    log_check_in(client, symptoms=(symptom,))

    result = review(client, only_pending=True)

    assert rules_open(client) == {rule}
    (progression,) = withdrawn(client)
    assert result.withdrawn == [progression.pk]
    assert progression.withdraw_reason.startswith(f"a referral was opened ({rule}): ")
    assert progression.decided_at is not None
    assert progression.decided_by_id is None
    event = progression.events.get(action="withdrawn")
    assert event.note == progression.withdraw_reason
    assert event.actor_id is None


def test_a_flare_withdraws_the_progression_and_says_what_hurt():
    client = ready()
    (rx,) = current(client)
    log(client, pain=6)

    review(client, only_pending=True)

    assert rules_open(client) >= {"RG-PAIN-DURING"}
    assert "PG-READY" not in rules_open(client)
    (progression,) = withdrawn(client)
    performed = client.sessions.latest("performed_at").performed_at  # (not the clock: midnight)
    day = f"{timezone.localtime(performed):%-d %b}"
    assert progression.withdraw_reason == (
        "a regression was found (RG-PAIN-DURING): Pain during "
        f"{rx.exercise.name} reached 6/10 on {day}, above 5 (too much)"
    )


def test_a_regression_on_another_exercise_withdraws_every_progression_but_nothing_else():
    client = ready(exercises=2)
    first, second = current(client)
    log_check_in(client, symptoms=("radiating_below_knee",))  # not a referral on its own
    log(client, pain={first.exercise_id: 1, second.exercise_id: 7})

    review(client, only_pending=True)

    flags = open_flags(client)
    # a regression holds every progression of the client (PG-READY: no regression finding for
    # the client in the last 14 days), so both go; the regression stays
    assert ("RG-PAIN-DURING", second.exercise_id) in flags
    assert ("RG-PAIN-DURING", first.exercise_id) not in flags
    assert "PG-READY" not in rules_open(client)
    assert {f.exercise_id for f in withdrawn(client)} == {first.exercise_id, second.exercise_id}
    for flag in withdrawn(client):
        assert f"Pain during {second.exercise.name} reached 7/10" in flag.withdraw_reason


def test_the_14_day_hold_after_a_regression_withdraws_a_progression():
    client = ready()
    FlagFactory(client=client, created_at=timezone.now())  # a regression flagged today
    Flag.objects.filter(rule="RG-PAIN-DURING").update(
        created_at=timezone.now() - timedelta(days=10)
    )

    review(client)

    (progression,) = withdrawn(client)
    flagged = f"{timezone.localdate() - timedelta(days=10):%-d %b}"
    assert progression.withdraw_reason == (
        f"a regression was flagged on {flagged}, and progression waits 14 days after a regression"
    )


def test_a_dismissed_regression_does_not_hold_progression():
    client = new_client()
    regression = FlagFactory(client=client)
    services.flag_dismiss(actor=client.trainer.user, flag=regression, reason="Misreported")
    log(client, days_ago=1)
    log(client)

    review(client)

    assert rules_open(client) == {"PG-READY"}


# --- adherence catches up -----------------------------------------------------------------------


def test_a_backlog_synced_at_once_withdraws_the_adherence_flag():
    client = new_client(started_days_ago=20)  # 3 a week: 6 planned in 14 days
    log(client, days_ago=1)
    review(client)
    assert rules_open(client) == {"AD-LOW"}

    for days_ago in (12, 10, 8, 5, 3):  # the phone was offline: five sessions arrive at once
        log(client, days_ago=days_ago)
    review(client, only_pending=True)

    (adherence,) = withdrawn(client)
    assert adherence.rule == "AD-LOW"
    assert adherence.withdraw_reason == (
        "adherence is back to 100 % (6 of 6 planned sessions in the last 14 days)"
    )
    assert "AD-LOW" not in rules_open(client)


def test_the_nightly_review_withdraws_adherence_once_the_client_catches_up():
    client = new_client(started_days_ago=20)
    log(client, days_ago=13)
    review(client)
    assert rules_open(client) == {"AD-LOW"}
    for days_ago in (0.1, 0.2, 0.3, 0.4):  # logged today, reviewed by the nightly run
        log(client, days_ago=days_ago)

    review(client, days=0.5)  # the nightly review, later that night

    assert [f.rule for f in withdrawn(client)] == ["AD-LOW"]


# --- referrals and regressions wait for a person -------------------------------------------------


def test_a_regression_that_stops_firing_stays_open_and_says_since_when():
    client = new_client()
    log(client, pain=7)
    review(client)
    flags = open_flags(client)
    assert {rule for rule, _ in flags} >= {"RG-PAIN-DURING", "RG-PAIN-AFTER"}
    regression = next(f for (rule, _), f in flags.items() if rule == "RG-PAIN-DURING")

    later = review(client, days=8)  # the painful session left the 7-day window

    regression.refresh_from_db()
    assert (regression.status, later.stopped) == ("open", len(flags))
    assert set(open_flags(client)) == set(flags)
    assert regression.not_firing_since is not None
    assert regression.firing is False
    stopped = regression.events.get(action="stopped")
    assert "no longer fires" in stopped.note
    review(client, days=9)  # once: it says so one time
    assert regression.events.filter(action="stopped").count() == 1

    log(client, pain=8)  # a new painful session today: it fires again
    review(client)

    regression.refresh_from_db()
    assert (regression.status, regression.not_firing_since) == ("open", None)
    assert regression.events.filter(action="refreshed", note="firing again").exists()


def test_a_referral_that_stops_firing_is_never_withdrawn():
    client = new_client()
    log_check_in(client, symptoms=("leg_weakness",))
    review(client)

    review(client, days=40)  # past every window of the rules

    referral = open_flags(client)[("RF-URGENT", 0)]
    assert referral.not_firing_since is not None
    assert not withdrawn(client)


# --- a withdrawn flag is not reopened by the same logs; a new episode opens a new one ------------


def test_a_withdrawn_progression_is_not_reopened_by_the_same_logs_but_a_new_episode_opens_one():
    client = ready()
    (first,) = open_flags(client).values()
    log_check_in(client, symptoms=("fever",))
    review(client, only_pending=True)
    (referral,) = open_flags(client).values()
    trainer = client.trainer.user
    services.flag_resolve(actor=trainer, flag=referral, referred_to="GP", clearance="GP cleared")

    review(client)  # the referral no longer holds; the same two sessions still qualify

    assert "PG-READY" not in rules_open(client)
    log(client, days_ago=0.01)  # a new session: a new episode of readiness
    log(client, days_ago=0.005)
    review(client, only_pending=True)

    (again,) = open_flags(client).values()
    assert again.rule == "PG-READY"
    assert again.pk != first.pk
    first.refresh_from_db()
    assert first.status == "withdrawn"


# --- applying a progression re-checks the current history -----------------------------------------


def test_applying_a_progression_the_history_no_longer_supports_is_refused_and_withdraws_it():
    client = ready()
    (flag,) = open_flags(client).values()
    before = [(rx.pk, rx.reps_min) for rx in current(client)]
    log(client, pain=6)  # logged, not reviewed yet: the worker has not run

    response = api(client.trainer.user).post(f"/api/v1/flags/{flag.pk}/apply/")

    assert response.status_code == 400
    detail = response.json()["errors"][0]["detail"]
    assert detail.startswith("The client's current history no longer supports this progression")
    assert "reached 6/10" in detail
    assert [(rx.pk, rx.reps_min) for rx in current(client)] == before
    flag.refresh_from_db()
    assert flag.status == "withdrawn"  # committed although the apply was refused
    assert "RG-PAIN-DURING" in rules_open(client)


def test_applying_a_progression_that_still_holds_changes_the_program():
    client = ready()
    (flag,) = open_flags(client).values()
    (rx,) = current(client)

    services.flag_apply(actor=client.trainer.user, flag=flag)

    flag.refresh_from_db()
    (new,) = current(client)
    assert flag.status == "applied"
    assert (new.reps_min, new.reps_max) == (rx.reps_min + 2, rx.reps_max + 2)


def test_the_admin_refuses_a_stale_progression_with_a_message(client):  # django's test client
    person = ready()
    (flag,) = open_flags(person).values()
    log(person, pain=7)
    trainer = person.trainer.user
    client.force_login(trainer)

    response = client.post(reverse("admin:triage_flag_act", args=[flag.pk, "apply"]), follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert any("no longer supports this progression" in m for m in messages), messages
    flag.refresh_from_db()
    assert flag.status == "withdrawn"


# --- the queue, the API and the digest know the new status ---------------------------------------


def test_withdrawn_flags_leave_the_open_queue_and_are_listed_under_their_status(client):
    person = ready()
    log(person, pain=6)
    review(person, only_pending=True)
    trainer = person.trainer.user
    (progression,) = withdrawn(person)

    queue = api(trainer).get("/api/v1/flags/?status=open").json()["results"]
    gone = api(trainer).get("/api/v1/flags/?status=withdrawn").json()["results"]
    assert progression.pk not in [f["id"] for f in queue]
    assert [f["id"] for f in gone] == [progression.pk]
    assert gone[0]["withdraw_reason"] == progression.withdraw_reason
    assert gone[0]["firing"] is True

    client.force_login(trainer)
    changelist = reverse("admin:triage_flag_changelist")
    assert f"/triage/flag/{progression.pk}/change/" not in client.get(changelist).content.decode()
    page = client.get(changelist + "?status=withdrawn").content.decode()
    assert f"/{progression.pk}/change/" in page
    detail = client.get(reverse("admin:triage_flag_change", args=[progression.pk]))
    assert "Withdrawn by the review" in detail.content.decode()


def test_a_flag_no_longer_firing_says_so_in_the_api_and_the_admin(client):
    person = new_client()
    log(person, pain=7)
    review(person)
    review(person, days=8)
    trainer = person.trainer.user

    rows = api(trainer).get("/api/v1/flags/?status=open").json()["results"]
    assert rows
    assert all(row["firing"] is False for row in rows)
    assert all(row["not_firing_since"] is not None for row in rows)

    client.force_login(trainer)
    page = client.get(reverse("admin:triage_flag_changelist")).content.decode()
    assert "no longer firing since" in page


def test_the_digest_leaves_out_withdrawn_flags_and_marks_those_no_longer_firing(mailoutbox):
    person = ready()
    person.trainer.user.email = "coach@example.com"
    person.trainer.user.save()
    log(person, pain=7)
    review(person, only_pending=True)  # the progression is withdrawn before any digest
    review(person, days=8)  # and the regression stops firing

    assert send_digests(now=timezone.now() + timedelta(days=8)) == 1

    (email,) = mailoutbox
    assert "PG-READY" not in email.body
    assert "RG-PAIN-DURING" in email.body
    assert "no longer firing" in email.body


def test_a_withdrawn_progression_changes_nothing_the_client_sees():
    client = ready()
    before = api(client.user).get("/api/v1/me/program/").json()
    log(client, pain=6)
    review(client, only_pending=True)

    assert api(client.user).get("/api/v1/me/program/").json() == before


# --- cost ----------------------------------------------------------------------------------------


def test_a_review_runs_a_constant_number_of_queries_whatever_the_open_flags():
    counts = {}
    for exercises in (1, 6):
        client = ready(exercises=exercises)
        log_check_in(client, symptoms=("fever",))  # withdraws every progression at once
        with CaptureQueriesContext(connection) as queries:
            result = review(client, only_pending=True)
        assert len(result.withdrawn) == exercises
        counts[exercises] = len(queries)

    assert counts[1] == counts[6], counts
