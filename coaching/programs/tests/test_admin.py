"""The trainers' admin: programs and their exercises, written through the services (history kept,
bad input refused with nothing written), the forms as a browser sends them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from coaching.models import (
    Prescription,
    Program,
)
from coaching.tests.admin_support import (
    errors_of,
    extend_world,
    form_data,
    program_add_data,
    sign_in,
    snapshot,
)
from coaching.tests.factories import log_session

pytestmark = pytest.mark.django_db


WORLD_EXTENSION = extend_world  # names that cannot turn up on a page by chance


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


# --- the forms, as a browser would send them ------------------------------------------------


PROGRAM_ADD = reverse("admin:coaching_program_add")


# --- programs -------------------------------------------------------------------------------


def test_assigning_a_program_ends_the_previous_one(client, w):
    sign_in(client, w, "trainer_a")
    old_row = w.program_a.prescriptions.get()

    response = client.post(
        PROGRAM_ADD,
        program_add_data(
            w.client_a.pk,
            [
                {"exercise": w.dead_bug.pk, "reps_min": 10, "reps_max": 10},
                {"exercise": w.exercise.pk},
            ],
        ),
    )

    assert response.status_code == 302, errors_of(response)
    new = Program.objects.get(client=w.client_a, status="active")
    assert new.name == "Strong back"
    assert new.created_by == w.trainer_a
    assert [(p.exercise.name, p.dose()) for p in new.prescriptions.all()] == [
        ("Dead bug", "3 × 10"),
        ("Glute bridge", "3 × 8–12"),
    ]
    w.program_a.refresh_from_db()
    old_row.refresh_from_db()
    assert w.program_a.status == "ended"
    assert w.program_a.ended_on == timezone.localdate()
    assert old_row.ended_at is not None  # the old program's history stays


def test_a_program_can_be_copied_from_a_template(client, w):
    sign_in(client, w, "trainer_a")

    response = client.post(
        PROGRAM_ADD, program_add_data(w.client_a.pk, [], template=w.template_a.pk, name="")
    )

    assert response.status_code == 302, errors_of(response)
    new = Program.objects.get(client=w.client_a, status="active")
    assert (new.name, new.template) == ("Glutes A", w.template_a)
    assert new.prescriptions.count() == 1


def test_the_add_page_preselects_the_client_given_in_the_address(client, w):
    sign_in(client, w, "trainer_a")

    mine = client.get(PROGRAM_ADD, {"client": w.client_a.pk}).content.decode()
    foreign = client.get(PROGRAM_ADD, {"client": w.client_b.pk}).content.decode()

    assert f'<option value="{w.client_a.pk}" selected>Ada Alderley</option>' in mine
    assert "Blackwood" not in foreign


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("reps_min > reps_max", "The most reps cannot be fewer than the fewest."),
        ("zero sets", "Between 1 and 10 sets."),
        ("unpublished exercise", "Select a valid choice"),
        ("another trainer's client", "Select a valid choice"),
        ("another practice's template", "Select a valid choice"),
        ("no exercise and no template", "A program needs at least one exercise."),
    ],
)
def test_bad_programs_are_refused_with_a_form_error_and_nothing_written(client, w, case, message):
    sign_in(client, w, "trainer_a")
    row = {"exercise": w.exercise.pk}
    data = {
        "reps_min > reps_max": program_add_data(
            w.client_a.pk, [{**row, "reps_min": 12, "reps_max": 8}]
        ),
        "zero sets": program_add_data(w.client_a.pk, [{**row, "sets": 0}]),
        "unpublished exercise": program_add_data(w.client_a.pk, [{"exercise": w.draft.pk}]),
        "another trainer's client": program_add_data(w.client_b.pk, [row]),
        "another practice's template": program_add_data(
            w.client_a.pk, [], template=w.template_c.pk
        ),
        "no exercise and no template": program_add_data(w.client_a.pk, []),
    }[case]
    before = snapshot()

    response = client.post(PROGRAM_ADD, data)

    assert message in errors_of(response)
    assert snapshot() == before
    w.program_a.refresh_from_db()
    assert w.program_a.status == "active"


def test_a_service_refusal_comes_back_as_a_form_error(client, w):
    """A superuser may pick any practice's template; the service refuses one from another
    practice than the client's, and the page says so, writing nothing."""
    sign_in(client, w, "superuser")
    before = snapshot()

    response = client.post(
        PROGRAM_ADD, program_add_data(w.client_a.pk, [], template=w.template_c.pk)
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["template"] == ["No such template in the client's practice."]
    assert snapshot() == before
    assert "Please correct the error below." in response.content.decode()


def _program_page(client: Any, program: Program) -> tuple[str, dict[str, Any]]:
    url = reverse("admin:coaching_program_change", args=[program.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, form_data(page)


def test_changing_an_exercise_replaces_it_and_keeps_the_old_one(client, w):
    sign_in(client, w, "trainer_a")
    old = w.program_a.prescriptions.get()
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-exercise"] = w.dead_bug.pk

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    old.refresh_from_db()
    assert old.exercise == w.exercise
    assert old.ended_at is not None
    new = Prescription.objects.get(program=w.program_a, ended_at__isnull=True)
    assert (new.exercise, new.replaces, new.started_at) == (w.dead_bug, old, old.ended_at)
    # the program page shows the new one as current and the old one in its history
    page = client.get(url)
    assert "History: ended exercises" in page.content.decode()
    current, history, _questionnaires = (
        inline.formset for inline in page.context["inline_admin_formsets"]
    )
    assert [f.instance for f in current.forms if f.instance.pk] == [new]
    assert [f.instance for f in history.forms] == [old]
    assert 'Dead bug <span style="white-space: nowrap">3 × 8–12</span>' in page.content.decode()


def test_changing_a_dose_replaces_the_prescription_too(client, w):
    sign_in(client, w, "trainer_a")
    old = w.program_a.prescriptions.get()
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-sets"] = 4
    data["prescriptions-0-hold_seconds"] = 5

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    new = Prescription.objects.get(program=w.program_a, ended_at__isnull=True)
    assert new.replaces == old
    assert new.dose() == "4 × 8–12 · hold 5 s"
    assert Prescription.objects.get(pk=old.pk).dose() == "3 × 8–12"


def test_ending_an_exercise_keeps_it_in_the_history(client, w):
    sign_in(client, w, "trainer_a")
    old = w.program_a.prescriptions.get()
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-end"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    old.refresh_from_db()
    assert old.ended_at is not None
    assert not w.program_a.prescriptions.filter(ended_at__isnull=True).exists()


def test_ending_an_exercise_the_client_logged_keeps_their_log(client, w):
    """ "End?" ends the prescription; it never deletes it, so the entries that answered it
    (protected from deletion) are no obstacle and still point at it."""
    log_session(w.client_a)
    old = w.program_a.prescriptions.get()
    logged = old.entries.count()
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-end"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    old.refresh_from_db()
    assert old.ended_at is not None
    assert old.entries.count() == logged >= 1


def test_the_history_records_what_an_edit_changed(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    data["prescriptions-0-reps_max"] = 15

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    entry = LogEntry.objects.get(object_id=str(w.program_a.pk), action_flag=CHANGE)
    assert entry.user == w.trainer_a.user
    assert (
        entry.get_change_message() == "Changed reps (max) for prescription “Glute bridge 3 × 8–15”."
    )


def test_adding_an_exercise_to_a_running_program(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    data.update(
        {
            "prescriptions-1-exercise": w.dead_bug.pk,
            "prescriptions-1-sets": 2,
            "prescriptions-1-reps_min": 5,
            "prescriptions-1-reps_max": 6,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    current = w.program_a.prescriptions.filter(ended_at__isnull=True).order_by("order")
    assert [(p.exercise.name, p.dose()) for p in current] == [
        ("Glute bridge", "3 × 8–12"),
        ("Dead bug", "2 × 5–6"),
    ]


def test_an_unchanged_save_writes_nothing(client, w):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    before = snapshot()

    response = client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prescriptions-0-reps_min": 20}, "The most reps cannot be fewer than the fewest."),
        ({"prescriptions-0-sets": 0}, "Between 1 and 10 sets."),
        ({"prescriptions-0-exercise": "DRAFT"}, "Select a valid choice"),
    ],
)
def test_bad_changes_to_a_running_program_write_nothing(client, w, changes, message):
    sign_in(client, w, "trainer_a")
    url, data = _program_page(client, w.program_a)
    data.update({k: (w.draft.pk if v == "DRAFT" else v) for k, v in changes.items()})
    before = snapshot()

    response = client.post(url, data)

    assert message in errors_of(response)
    assert snapshot() == before


def test_an_ended_program_is_history_and_cannot_change(client, w):
    sign_in(client, w, "trainer_a")
    client.post(PROGRAM_ADD, program_add_data(w.client_a.pk, [{"exercise": w.dead_bug.pk}]))
    url = reverse("admin:coaching_program_change", args=[w.program_a.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert page.context["title"] == "View program"
    assert client.post(url, {}).status_code == 403


def test_the_client_page_shows_the_active_program_and_the_earlier_ones(client, w):
    sign_in(client, w, "trainer_a")
    Program.objects.filter(pk=w.program_a.pk).update(name="Old plan")
    client.post(
        PROGRAM_ADD,
        program_add_data(w.client_a.pk, [{"exercise": w.dead_bug.pk, "load_kg": "2.5"}]),
    )
    new = Program.objects.get(client=w.client_a, status="active")

    html = client.get(reverse("admin:coaching_client_change", args=[w.client_a.pk])).content
    html = html.decode()

    assert "Strong back" in html
    assert "Dead bug" in html
    assert "3 × 8–12 · 2.5 kg" in html
    assert reverse("admin:coaching_program_change", args=[new.pk]) in html
    assert f"{PROGRAM_ADD}?client={w.client_a.pk}" in html
    assert "Old plan" in html  # earlier programs
    assert reverse("admin:coaching_program_change", args=[w.program_a.pk]) in html
