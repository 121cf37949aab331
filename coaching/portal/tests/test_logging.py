"""The client portal's logging: the session form, the safety answer and the morning check-in —
what is stored, and what comes back on bad input."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching.journal.vocabulary import EMERGENCY_MESSAGE, PAIN_ZONES, URGENT_MESSAGE, Symptom
from coaching.portal.forms import SessionLogForm
from coaching.portal.tests.support import (
    check_in_post,
    check_ins,
    entries,
    form_values,
    page,
    session_post,
    sessions,
    sets,
)
from coaching.programs.selectors import active_program
from coaching.tests.factories import (
    ClientFactory,
    ProgramFactory,
    log_session,
)
from exercises.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["portal:log", "portal:check_in", "portal:history"]


# --- the session form ---------------------------------------------------------------------------


def test_the_log_form_is_prefilled_from_the_program(alice, world):
    response = alice.get(reverse("portal:log"))
    html = page(response)
    assert response.status_code == 200
    values = form_values(html)
    assert uuid.UUID(values["idempotency_key"])
    assert values["entries-TOTAL_FORMS"] == "1"
    assert values["entries-0-sets-TOTAL_FORMS"] == "3"
    assert [values[f"entries-0-sets-{j}-reps"] for j in range(3)] == ["12"] * 3
    assert 'inputmode="numeric"' in html
    assert values["performed_at"].startswith(timezone.localdate().isoformat())
    for _, label in Symptom.choices:
        assert label in html, label
    for *_, text in PAIN_ZONES:
        assert text in html
    # each 0–10 scale is a fieldset of eleven radios with a legend
    assert html.count('name="pain_before"') == 11
    assert "<legend>Pain before you started" in html
    # a new key each time the form is rendered
    again = form_values(page(alice.get(reverse("portal:log"))))
    assert again["idempotency_key"] != values["idempotency_key"]


def test_posting_the_rendered_form_stores_one_session(alice, world):
    values = form_values(page(alice.get(reverse("portal:log"))))
    values |= {"pain_before": "2", "pain_after": "3", "entries-0-pain_during": "4"}
    values["entries-0-sets-2-reps"] = "9"
    values["entries-0-sets-0-rpe"] = "7"

    response = alice.post(reverse("portal:log"), values)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:history")
    session = sessions(world.client_a).get()
    assert session.client == world.client_a
    assert (session.pain_before, session.pain_after) == (2, 3)
    entry = session.entries.get()
    assert entry.pain_during == 4
    assert [(s.number, s.reps, s.rpe) for s in entry.sets.all()] == [
        (1, 12, 7),
        (2, 12, None),
        (3, 9, None),
    ]
    assert str(session.idempotency_key) == values["idempotency_key"]
    followed = alice.get(response["Location"])
    assert "Your session is saved" in page(followed)


def test_a_full_post_stores_entries_sets_symptoms_and_notes(alice, world):
    data = session_post(world.program_a, pain=2, symptoms=("radiating_below_knee",))
    data["entries-0-pain_quality"] = "burning"
    response = alice.post(reverse("portal:log"), data)
    assert response.status_code == 302
    session = sessions(world.client_a).get()
    assert session.symptoms == ["radiating_below_knee"]
    assert session.notes == "Felt fine."
    assert entries(world.client_a).get().pain_quality == "burning"
    assert sets(world.client_a).count() == 3


def test_a_double_post_with_the_same_key_stores_one_session(alice, world):
    data = session_post(world.program_a)
    first = alice.post(reverse("portal:log"), data)
    second = alice.post(reverse("portal:log"), data)
    assert first.status_code == second.status_code == 302
    assert sessions(world.client_a).count() == 1
    assert sets(world.client_a).count() == 3
    assert "already saved" in page(alice.get(reverse("portal:history")))


def test_the_same_key_with_other_answers_is_refused_with_a_fresh_key(alice, world):
    data = session_post(world.program_a)
    alice.post(reverse("portal:log"), data)
    response = alice.post(reverse("portal:log"), {**data, "pain_after": 5})
    assert response.status_code == 200
    assert "You already saved a session from this form" in page(response)
    assert form_values(page(response))["idempotency_key"] != data["idempotency_key"]
    assert sessions(world.client_a).count() == 1


def _other_clients_prescription(world):
    return world.program_b.prescriptions.get().pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pain_before": 11}, "Pain is rated from 0 to 10."),
        ({"entries-0-pain_during": 11}, "Pain is rated from 0 to 10."),
        ({"entries-0-sets-1-reps": -3}, "Reps cannot be negative."),
        ({"entries-0-sets-0-reps": "many"}, "Enter the number of reps."),
        ({"entries-0-sets-0-rpe": 11}, "Effort is rated from 1 to 10."),
        ({"symptoms": ["arm_numbness"]}, "Unknown symptom: arm_numbness."),
        ({"entries-0-pain_location": "elbow"}, "Unknown pain location."),
        ({"entries-0-prescription": _other_clients_prescription}, "Not one of your prescriptions"),
        ({"entries-0-prescription": 999_999}, "Not one of your prescriptions"),
        (
            {"performed_at": lambda w: (timezone.localtime() + timedelta(days=2)).isoformat()},
            "Cannot be more than a day in the future.",
        ),
        ({"performed_at": "yesterday"}, "Enter a date and time"),
        ({"pain_after": ""}, "Choose a number from 0 to 10."),
        (
            {"entries-0-pain_during": ""},
            "Choose a number from 0 to 10, or tick that you did not do it.",
        ),
        ({"idempotency_key": "not-a-key"}, "This form is out of date"),
        ({"entries-TOTAL_FORMS": 0, "entries-INITIAL_FORMS": 0}, "Log at least one exercise."),
        ({"entries-TOTAL_FORMS": ""}, "ManagementForm data is missing"),
        ({"entries-0-sets-TOTAL_FORMS": 50}, "Please submit at most 20 forms."),
    ],
)
def test_bad_input_comes_back_as_a_form_error_and_stores_nothing(alice, world, change, message):
    data = session_post(world.program_a, notes="My own words")
    data |= {k: v(world) if callable(v) else v for k, v in change.items()}
    data["notes"] = "My own words"

    response = alice.post(reverse("portal:log"), data)

    html = page(response)
    assert response.status_code == 200
    assert message in html
    assert "Please check" in html  # the error summary
    assert "My own words" in html  # the person's values are kept
    assert sessions(world.client_a).count() == 0
    assert entries(world.client_a).count() == 0


def test_errors_are_linked_to_their_field(alice, world):
    data = session_post(world.program_a, **{"entries-0-sets-1-reps": -1, "pain_before": 12})
    html = page(alice.post(reverse("portal:log"), data))
    assert 'href="#id_entries-0-sets-1-reps"' in html
    assert 'href="#id_pain_before_0"' in html
    assert 'id="id_entries-0-sets-1-reps_error"' in html
    assert re.search(r'name="entries-0-sets-1-reps"[^>]*aria-invalid="true"', html)


def test_a_replaced_prescription_is_the_services_error_on_that_exercise(alice, world):
    prescription = world.program_a.prescriptions.get()
    data = session_post(world.program_a)
    prescription.started_at = timezone.now() - timedelta(days=2)
    prescription.ended_at = timezone.now() - timedelta(hours=1)
    prescription.save(update_fields=["started_at", "ended_at"])

    response = alice.post(reverse("portal:log"), data)

    assert response.status_code == 200
    assert "Your trainer changed this exercise before this session" in page(response)
    assert sessions(world.client_a).count() == 0


def test_a_skipped_exercise_is_left_out(client, world):
    bridge, bird_dog = world.exercise, ExerciseFactory(slug="bird-dog", name="Bird-dog")
    someone = ClientFactory(user__username="sam", trainer=world.trainer_a)
    program = ProgramFactory(client=someone, exercises=[bridge, bird_dog])
    client.force_login(someone.user)
    data = session_post(program)
    data |= {"entries-1-skipped": "on", "entries-1-pain_during": "", "entries-1-sets-0-reps": ""}

    assert client.post(reverse("portal:log"), data).status_code == 302
    assert [e.prescription.exercise for e in entries(someone)] == [bridge]

    everything = {**data, "idempotency_key": str(uuid.uuid4()), "entries-0-skipped": "on"}
    response = client.post(reverse("portal:log"), everything)
    assert response.status_code == 200
    assert "Log at least one exercise." in page(response)


def test_an_exercise_with_no_reps_at_all_asks_for_reps_or_skip(alice, world):
    data = session_post(world.program_a)
    data |= {f"entries-0-sets-{j}-reps": "" for j in range(3)}
    response = alice.post(reverse("portal:log"), data)
    assert response.status_code == 200
    assert "Enter the reps of at least one set" in page(response)
    assert sessions(world.client_a).count() == 0


def test_empty_sets_are_left_out(alice, world):
    data = session_post(world.program_a, **{"entries-0-sets-2-reps": ""})
    assert alice.post(reverse("portal:log"), data).status_code == 302
    assert sets(world.client_a).count() == 2


def test_too_much_pain_gets_a_warning_with_the_zone(alice, world):
    response = alice.post(reverse("portal:log"), session_post(world.program_a, pain=7), follow=True)
    assert PAIN_ZONES[2][3] in page(response)


def test_service_error_keys_land_on_their_fields(world):
    program = active_program(world.client_a)
    form = SessionLogForm(
        actor=world.client_a.user, program=program, data=session_post(world.program_a)
    )
    assert form.is_valid()
    form.spec()
    form.add_service_error(
        ValidationError(
            {
                "performed_at": ["Too late."],
                "entries": ["All exercises of a session come from one program."],
                "entries.0.pain_during": ["Out of range."],
                "entries.0.sets.1.reps": ["Too many."],
                "entries.0.prescription": ["This program has ended."],
                "entries.7.pain_during": ["No such entry."],
            }
        )
    )
    entry = form.entries.forms[0]
    assert form.session.errors["performed_at"] == ["Too late."]
    assert entry.errors["pain_during"] == ["Out of range."]
    assert entry.non_field_errors() == ["This program has ended."]
    assert entry.sets.forms[1].errors["reps"] == ["Too many."]
    top = form.session.non_field_errors()
    assert "All exercises of a session come from one program." in top
    assert "No such entry." in top


# --- the safety answer --------------------------------------------------------------------------


def test_an_emergency_symptom_leads_to_the_emergency_page(alice, world):
    data = session_post(world.program_a, symptoms=("saddle_numbness", "leg_tingling"))
    response = alice.post(reverse("portal:log"), data)
    session = sessions(world.client_a).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:session_safety", args=[session.pk])

    html = page(alice.get(response["Location"]))
    assert "Stop exercising. Seek emergency care now" in html
    assert EMERGENCY_MESSAGE in html
    assert Symptom.SADDLE_NUMBNESS.label in html
    assert Symptom.LEG_TINGLING.label in html
    assert 'role="alert"' in html


def test_an_urgent_symptom_leads_to_the_urgent_page(alice, world):
    response = alice.post(reverse("portal:log"), session_post(world.program_a, symptoms=("fever",)))
    html = page(alice.get(response["Location"]))
    assert "contact your doctor today" in html
    assert URGENT_MESSAGE in html
    assert "Seek emergency care now" not in html
    assert Symptom.FEVER.label in html


def test_the_safety_page_of_a_calm_session_goes_to_the_history(alice, world):
    session = log_session(world.client_a)
    response = alice.get(reverse("portal:session_safety", args=[session.pk]))
    assert response["Location"] == reverse("portal:history")


# --- the morning check-in -----------------------------------------------------------------------


def test_the_check_in_form_renders_with_today_and_a_key(alice):
    response = alice.get(reverse("portal:check_in"))
    html = page(response)
    values = form_values(html)
    assert response.status_code == 200
    assert values["date"] == timezone.localdate().isoformat()
    assert uuid.UUID(values["idempotency_key"])
    assert html.count('name="stiffness"') == 11
    assert Symptom.BLADDER_BOWEL_CHANGE.label in html


def test_a_check_in_is_stored_once(alice, world):
    values = form_values(page(alice.get(reverse("portal:check_in"))))
    values |= {"pain": "3", "stiffness": "4"}
    first = alice.post(reverse("portal:check_in"), values)
    second = alice.post(reverse("portal:check_in"), values)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("portal:history")
    check_in = check_ins(world.client_a).get()
    assert (check_in.client, check_in.pain, check_in.stiffness) == (world.client_a, 3, 4)


def test_a_check_in_key_used_for_other_answers_is_refused_with_a_fresh_key(alice, world):
    data = check_in_post(pain=2)
    alice.post(reverse("portal:check_in"), data)
    response = alice.post(reverse("portal:check_in"), {**data, "pain": 6})
    assert response.status_code == 200
    assert "You already saved a check-in from this form" in page(response)
    assert form_values(page(response))["idempotency_key"] != data["idempotency_key"]
    assert check_ins(world.client_a).count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pain": 11}, "Pain is rated from 0 to 10."),
        ({"stiffness": -1}, "Stiffness is rated from 0 to 10."),
        ({"symptoms": ["headache"]}, "Unknown symptom: headache."),
        ({"date": "tomorrowish"}, "Enter a date"),
        (
            {"date": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "Cannot be in the future.",
        ),
        ({"idempotency_key": ""}, "This form is out of date"),
    ],
)
def test_a_bad_check_in_comes_back_with_errors(alice, world, change, message):
    response = alice.post(reverse("portal:check_in"), check_in_post(**change))
    assert response.status_code == 200
    assert message in page(response)
    assert check_ins(world.client_a).count() == 0


def test_a_check_in_with_a_red_flag_leads_to_the_safety_page(alice, world):
    response = alice.post(
        reverse("portal:check_in"), check_in_post(symptoms=("bladder_bowel_change",))
    )
    check_in = check_ins(world.client_a).get()
    assert response["Location"] == reverse("portal:check_in_safety", args=[check_in.pk])
    html = page(alice.get(response["Location"]))
    assert "Stop exercising. Seek emergency care now" in html
    assert Symptom.BLADDER_BOWEL_CHANGE.label in html

    response = alice.post(reverse("portal:check_in"), check_in_post(symptoms=("night_pain",)))
    assert "contact your doctor today" in page(alice.get(response["Location"]))
