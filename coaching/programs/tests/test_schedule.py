"""Programs' planned weekdays: the pure schedule functions (table-driven, with the boundaries),
the services' rules, the API's fields (programs, templates, ``/me/program/``'s next planned days)
and the admin's form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching.models import Program, ProgramTemplate
from coaching.programs import schedule
from coaching.programs.services import PrescriptionSpec, program_create, template_create
from coaching.tests.helpers import PROGRAMS, TEMPLATES, api, rx


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# 30 Nov 2026 is a Monday
MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("codes", "bits"),
    [([], 0), (["mon"], 1), (["sun"], 64), (["mon", "wed", "fri"], 21), (list(schedule.CODES), 127),
     (["fri", "mon", "mon"], 17)],
)  # fmt: skip
def test_codes_and_bits(codes, bits):
    assert schedule.to_bits(codes) == bits
    assert schedule.to_codes(bits) == sorted(set(codes), key=schedule.CODES.index)


def test_an_unknown_code_is_named():
    with pytest.raises(ValueError, match="“monday” is not a weekday"):
        schedule.to_bits(["mon", "monday"])


@pytest.mark.parametrize(
    ("weekdays", "first", "last", "planned"),
    [
        ((MON, WED, FRI), MONDAY, MONDAY + timedelta(days=13), 6),  # two whole weeks
        ((MON, WED, FRI), MONDAY, MONDAY, 1),  # one day, planned
        ((MON, WED, FRI), MONDAY + timedelta(days=1), MONDAY + timedelta(days=1), 0),  # Tue
        ((MON, WED, FRI), MONDAY + timedelta(days=4), MONDAY + timedelta(days=7), 2),  # Fri–Mon
        ((SAT, SUN), MONDAY, MONDAY + timedelta(days=4), 0),  # a working week
        ((SAT, SUN), MONDAY, MONDAY + timedelta(days=6), 2),
        ((MON,), MONDAY, MONDAY - timedelta(days=1), 0),  # an empty span
        ((), MONDAY, MONDAY + timedelta(days=30), 0),
    ],
)
def test_planned_days_between_two_dates(weekdays, first, last, planned):
    assert schedule.planned_between(weekdays, first, last) == planned


@pytest.mark.parametrize(
    ("bits", "today", "starts_on", "expected"),
    [
        (21, MONDAY, None, [MONDAY, MONDAY + timedelta(days=2), MONDAY + timedelta(days=4)]),
        (21, MONDAY + timedelta(days=1), None, [MONDAY + timedelta(days=2), MONDAY + timedelta(days=4), MONDAY + timedelta(days=7)]),
        (21, MONDAY, MONDAY + timedelta(days=3), [MONDAY + timedelta(days=4), MONDAY + timedelta(days=7), MONDAY + timedelta(days=9)]),
        (0, MONDAY, None, []),
    ],
)  # fmt: skip
def test_the_next_planned_days(bits, today, starts_on, expected):
    assert schedule.next_planned(bits, today, starts_on, count=3) == expected
    assert schedule.is_planned(bits, today, starts_on) == (bool(expected) and expected[0] == today)


def test_described_in_words():
    assert schedule.describe(21, 3) == "Mon, Wed, Fri"
    assert schedule.describe(0, 1) == "any 1 day a week"
    assert schedule.describe(0, 4) == "any 4 days a week"


# --- services --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_program_with_weekdays_plans_as_many_sessions_and_a_template_passes_them_on(world):
    spec = [PrescriptionSpec(exercise=world.exercise, sets=3, reps_min=8, reps_max=12)]
    template = template_create(
        actor=world.trainer_a.user, name="MWF", prescriptions=spec, weekdays=["mon", "wed", "fri"]
    )
    assert (template.weekdays, template.sessions_per_week) == (21, 3)

    program = program_create(actor=world.trainer_a.user, client=world.client_a, template=template)
    assert (program.weekdays, program.sessions_per_week) == (21, 3)
    # a number of sessions given instead: no fixed days
    other = program_create(
        actor=world.trainer_a.user, client=world.client_a, template=template, sessions_per_week=2
    )
    assert (other.weekdays, other.sessions_per_week) == (0, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("weekdays", "sessions_per_week", "words"),
    [
        (["mon", "wed"], 3, "2 planned days but 3 sessions a week"),
        (["mon", "someday"], None, "“someday” is not a weekday"),
    ],
)
def test_inconsistent_schedules_are_refused_with_nothing_written(
    world, weekdays, sessions_per_week, words
):
    before = (Program.objects.count(), ProgramTemplate.objects.count())
    with pytest.raises(ValidationError, match=words) as refused:
        program_create(
            actor=world.trainer_a.user, client=world.client_a, name="X",
            prescriptions=[PrescriptionSpec(exercise=world.exercise, sets=3, reps_min=8, reps_max=12)],
            weekdays=weekdays, sessions_per_week=sessions_per_week,
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"weekdays"}
    assert (Program.objects.count(), ProgramTemplate.objects.count()) == before
    assert Program.objects.get(client=world.client_a, status="active") == world.program_a


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_programs_and_templates_take_and_answer_weekdays(world):
    trainer = api(world.trainer_a.user)
    made = trainer.post(
        TEMPLATES,
        {"name": "Weekends", "prescriptions": [rx()], "weekdays": ["sat", "sun"]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert (made.json()["weekdays"], made.json()["sessions_per_week"]) == (["sat", "sun"], 2)

    program = trainer.post(
        PROGRAMS,
        {"client": world.client_a.pk, "name": "P", "prescriptions": [rx()], "weekdays": ["tue"]},
        format="json",
    )
    assert program.status_code == 201, program.json()
    assert program.json()["weekdays"] == ["tue"]
    assert trainer.get(f"{PROGRAMS}{program.json()['id']}/").json()["weekdays"] == ["tue"]
    listed = trainer.get(PROGRAMS, {"client": world.client_a.pk}).json()["results"]
    assert {p["id"]: p["weekdays"] for p in listed}[program.json()["id"]] == ["tue"]

    mine = api(world.client_a.user).get("/api/v1/me/program/").json()
    assert mine["weekdays"] == ["tue"]
    today = timezone.localdate()
    planned = [date.fromisoformat(d) for d in mine["next_planned"]]
    assert len(planned) == 7
    assert all(d.weekday() == TUE and d >= today for d in planned)
    assert planned[0] - today < timedelta(days=7)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weekdays": ["mon", "funday"]}, "weekdays.1"),
        ({"weekdays": ["mon"] * 8}, "weekdays"),
        ({"weekdays": ["mon", "tue"], "sessions_per_week": 3}, "weekdays"),
    ],
)
def test_bad_weekdays_are_a_400_naming_the_field(world, body, field):
    before = Program.objects.count()
    response = api(world.trainer_a.user).post(
        PROGRAMS, {"client": world.client_a.pk, "name": "P", "prescriptions": [rx()], **body},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert field in {e["attr"] for e in response.json()["errors"]}
    assert Program.objects.count() == before


@pytest.mark.django_db
def test_a_program_without_days_answers_no_planned_dates(world):
    mine = api(world.client_a.user).get("/api/v1/me/program/").json()
    assert (mine["weekdays"], mine["next_planned"]) == ([], [])


# --- the portal and the admin ----------------------------------------------------------------


@pytest.mark.django_db
def test_today_says_whether_today_is_planned_and_what_is_next(client, world):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    Program.objects.filter(pk=world.program_a.pk).update(
        weekdays=schedule.to_bits(
            [schedule.CODES[today.weekday()], schedule.CODES[tomorrow.weekday()]]
        )
    )
    client.force_login(world.client_a.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Today is one of your exercise days." in page
    assert f"Next: <strong>{tomorrow:%A} {tomorrow.day} {tomorrow:%B}</strong>" in page

    Program.objects.filter(pk=world.program_a.pk).update(
        weekdays=schedule.to_bits([schedule.CODES[tomorrow.weekday()]])
    )
    page = client.get(reverse("portal:home")).content.decode()
    assert "Today is a rest day." in page


@pytest.mark.django_db
def test_the_admin_plans_days_on_a_new_program_and_shows_them(client, world):
    client.force_login(world.trainer_a.user)
    data: dict[str, Any] = {
        "client": world.client_a.pk, "template": world.template_a.pk, "name": "",
        "starts_on": timezone.localdate().isoformat(), "sessions_per_week": "3",
        "planned_days": ["mon", "thu"],
        "prescriptions-TOTAL_FORMS": "0", "prescriptions-INITIAL_FORMS": "0",
        "prescriptions-MIN_NUM_FORMS": "0", "prescriptions-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    response = client.post(reverse("admin:coaching_program_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    program = Program.objects.get(client=world.client_a, status="active")
    assert (program.weekdays, program.sessions_per_week) == (schedule.to_bits(["mon", "thu"]), 2)
    page = client.get(reverse("admin:coaching_program_change", args=[program.pk]))
    assert "Mon, Thu" in page.content.decode()
