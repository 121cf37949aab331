"""The client portal: Today, the session log form, the morning check-in, the safety page and the
history with its charts. Who may see what, what is stored, and what comes back on bad input."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import CheckIn, Entry, Session, Set
from coaching.portal_forms import SessionLogForm
from coaching.reporting import EMERGENCY_MESSAGE, PAIN_ZONES, URGENT_MESSAGE, Symptom
from coaching.selectors import active_program
from coaching.tests.factories import (
    ClientFactory,
    ProgramFactory,
    log_check_in,
    log_session,
)
from exercises.tests.factories import ExerciseFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["portal:log", "portal:check_in", "portal:history"]


# --- helpers ----------------------------------------------------------------------------------


class _FormValues(HTMLParser):
    """What a browser would send for the page's POST form, untouched: text and number inputs,
    hidden inputs, checked radios and boxes, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_post_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post_form = a.get("method", "").lower() == "post" and not a.get("action")
        if not self._in_post_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, value = self.values.pop()
            self.values.append((name, value + data.strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_post_form = False


def form_values(html: str) -> dict[str, Any]:
    parser = _FormValues()
    parser.feed(html)
    values: dict[str, Any] = {}
    for name, value in parser.values:
        if name in values:
            values[name] = [*([values[name]] if isinstance(values[name], str) else values[name])]
            values[name].append(value)
        else:
            values[name] = value
    return values


def session_post(program: Any, *, pain: int = 1, symptoms: tuple[str, ...] = (), **extra: Any):
    """A complete POST of the log form answering every current prescription of ``program``."""
    prescriptions = list(program.prescriptions.filter(ended_at__isnull=True))
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "pain_before": pain,
        "pain_after": pain,
        "symptoms": list(symptoms),
        "notes": "Felt fine.",
        "performed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "entries-TOTAL_FORMS": len(prescriptions),
        "entries-INITIAL_FORMS": len(prescriptions),
    }
    for i, p in enumerate(prescriptions):
        data |= {
            f"entries-{i}-prescription": p.pk,
            f"entries-{i}-pain_during": pain,
            f"entries-{i}-pain_location": "lower_back",
            f"entries-{i}-pain_quality": "ache",
            f"entries-{i}-sets-TOTAL_FORMS": p.sets,
            f"entries-{i}-sets-INITIAL_FORMS": p.sets,
        }
        for j in range(p.sets):
            data[f"entries-{i}-sets-{j}-reps"] = p.reps_max
            data[f"entries-{i}-sets-{j}-rpe"] = 6
    data.update(extra)
    return data


def check_in_post(*, pain: int = 2, symptoms: tuple[str, ...] = (), **extra: Any):
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "date": timezone.localdate().isoformat(),
        "pain": pain,
        "stiffness": pain,
        "symptoms": list(symptoms),
    }
    data.update(extra)
    return data


@pytest.fixture
def alice(client, world):
    """Client A, signed in, with nothing logged yet."""
    Session.objects.filter(client=world.client_a).delete()
    CheckIn.objects.filter(client=world.client_a).delete()
    client.force_login(world.client_a.user)
    return client


def sessions(owner: Any):
    return Session.objects.filter(client=owner)


def entries(owner: Any):
    return Entry.objects.filter(session__client=owner)


def sets(owner: Any):
    return Set.objects.filter(entry__session__client=owner)


def check_ins(owner: Any):
    return CheckIn.objects.filter(client=owner)


def page(response) -> str:
    return response.content.decode()


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal:home", *CLIENT_PAGES])
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_anonymous_safety_pages_are_sent_to_sign_in(client, world):
    session = log_session(world.client_a)
    response = client.get(reverse("portal:session_safety", args=[session.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("who", ["trainer_a", "admin", "editor"])
@pytest.mark.parametrize("name", CLIENT_PAGES)
def test_non_clients_get_403_on_the_client_pages(client, world, who, name):
    person = getattr(world, who)
    client.force_login(getattr(person, "user", person))
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert "These pages are for clients" in page(response)
    assert reverse("admin:index") in page(response)  # staff are pointed at where they work


def test_non_clients_cannot_post_a_session_either(client, world):
    client.force_login(world.trainer_a.user)
    before = Session.objects.count()
    response = client.post(reverse("portal:log"), session_post(world.program_a))
    assert response.status_code == 403
    assert Session.objects.count() == before


def test_a_plain_member_and_a_superuser_get_403(client, member, superuser):
    for user in (member, superuser):
        client.force_login(user)
        assert client.get(reverse("portal:history")).status_code == 403


def test_the_home_page_of_a_trainer_is_still_the_catalogue(client, world):
    client.force_login(world.trainer_a.user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:list")


def test_another_clients_safety_page_is_404(alice, world):
    theirs = log_session(world.client_b, symptoms=["saddle_numbness"])
    check_in = log_check_in(world.client_b, symptoms=["fever"])
    assert alice.get(reverse("portal:session_safety", args=[theirs.pk])).status_code == 404
    assert alice.get(reverse("portal:check_in_safety", args=[check_in.pk])).status_code == 404


# --- navigation, sign-in and sign-out ---------------------------------------------------------


def test_the_client_navigation_links_every_page_and_signs_out(alice):
    html = page(alice.get(reverse("portal:home")))
    nav = html[html.index('aria-label="Main"') : html.index("</nav>")]
    for name in ("portal:home", "portal:log", "portal:check_in", "portal:history"):
        assert f'href="{reverse(name)}"' in nav
    assert f'href="{reverse("catalogue:list")}"' in nav
    assert 'aria-current="page">Today' in nav
    assert f'action="{reverse("portal:logout")}"' in html
    # the catalogue pages show the same navigation to a client
    catalogue = page(alice.get(reverse("catalogue:list")))
    assert f'href="{reverse("portal:history")}"' in catalogue

    response = alice.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert alice.get(reverse("portal:home")).status_code == 302


def test_the_sign_in_page_links_sign_in_and_password_reset(client, world):
    html = page(client.get(reverse("portal:login")))
    assert f'href="{reverse("portal:login")}"' in html
    assert f'href="{reverse("portal:password_reset")}"' in html
    assert 'aria-label="Main"' not in html  # no portal navigation before signing in


def test_a_trainer_sees_no_client_links(client, world):
    client.force_login(world.trainer_a.user)
    html = page(client.get(reverse("catalogue:list")))
    assert f'href="{reverse("portal:log")}"' not in html
    assert f'href="{reverse("admin:index")}"' in html


# --- Today --------------------------------------------------------------------------------------


def test_today_shows_the_program_doses_notes_cues_and_the_two_buttons(alice, world):
    prescription = world.program_a.prescriptions.get()
    prescription.notes = "Squeeze your glutes at the top."
    prescription.save(update_fields=["notes"])

    response = alice.get(reverse("portal:home"))
    html = page(response)
    assert response.status_code == 200
    for text in (
        world.program_a.name,
        "Glute bridge",
        reverse("catalogue:detail", args=["glute-bridge"]),
        "3 × 8–12",
        "Squeeze your glutes at the top.",
        "Lie face down.",
        "Lift a little.",
        "Log today's session",
        "Morning check-in",
        PAIN_ZONES[0][3],
    ):
        assert text in html, text


def test_today_without_a_program_is_a_friendly_empty_state(client, world):
    lonely = ClientFactory(user__username="lonely", trainer=world.trainer_a)
    client.force_login(lonely.user)
    html = page(client.get(reverse("portal:home")))
    assert "No program yet" in html
    assert f'href="{reverse("portal:check_in")}"' in html
    html = page(client.get(reverse("portal:log")))
    assert "No program yet" in html


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


# --- history --------------------------------------------------------------------------------------


def _chart_data(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def test_history_charts_pain_check_ins_and_volume(client, world):
    bird_dog = ExerciseFactory(slug="bird-dog", name="Bird-dog")
    someone = ClientFactory(user__username="sam", trainer=world.trainer_a)
    program = ProgramFactory(client=someone, exercises=[world.exercise, bird_dog])
    client.force_login(someone.user)
    first = session_post(program, pain=1, performed_at="2025-03-01T09:00")
    first["entries-1-pain_during"] = 4  # "during" is the highest of the session's exercises
    second = session_post(program, pain=2, performed_at="2025-03-03T09:00")
    second |= {"entries-1-skipped": "on", "entries-0-sets-0-reps": 8}
    for data in (first, second):
        assert client.post(reverse("portal:log"), data).status_code == 302
    log_check_in(someone, pain=3, stiffness=5)

    response = client.get(reverse("portal:history"))
    html = page(response)
    charts = _chart_data(html)

    assert response.status_code == 200
    assert charts["pain"]["labels"] == ["1 Mar", "3 Mar"]
    assert [d["label"] for d in charts["pain"]["datasets"]] == [
        "Before",
        "During (highest)",
        "After",
    ]
    assert [d["data"] for d in charts["pain"]["datasets"]] == [[1, 2], [4, 2], [1, 2]]
    assert [d["data"] for d in charts["morning"]["datasets"]] == [[3], [5]]
    volume = {d["label"]: d["data"] for d in charts["volume"]["datasets"]}
    assert volume == {"Glute bridge": [36, 32], "Bird-dog": [36, None]}
    for text in ('id="chart-pain"', 'role="img"', "aria-label=", "Show the numbers"):
        assert text in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    # the recent records in detail
    assert "12, 12, 12 reps" in html
    assert "Felt fine." in html
    assert "Pain <strong>3</strong> · stiffness <strong>5</strong>" in html


def test_history_marks_red_flag_records(alice, world):
    log_session(world.client_a, symptoms=["both_legs"])
    html = page(alice.get(reverse("portal:history")))
    assert "Red-flag symptom" in html
    assert Symptom.BOTH_LEGS.label in html


def test_history_shows_only_the_clients_own_records(alice, world):
    log_session(world.client_b, notes="Bob's secret")
    log_check_in(world.client_b)
    html = page(alice.get(reverse("portal:history")))
    assert "Bob&#x27;s secret" not in html
    assert "Nothing logged yet" in html


def test_history_is_a_constant_number_of_queries(alice, world, django_assert_max_num_queries):
    def count(n: int) -> int:
        sessions(world.client_a).delete()
        check_ins(world.client_a).delete()
        now = timezone.now()
        for i in range(n):
            log_session(world.client_a, performed_at=now - timedelta(days=i), pain=i % 8)
            log_check_in(world.client_a, day=timezone.localdate() - timedelta(days=i))
        with CaptureQueriesContext(connection) as queries:
            response = alice.get(reverse("portal:history"))
        assert response.status_code == 200
        assert len(_chart_data(page(response))["pain"]["labels"]) == n
        return len(queries)

    few, many = count(2), count(20)
    assert few == many
    with django_assert_max_num_queries(few):
        alice.get(reverse("portal:history"))
