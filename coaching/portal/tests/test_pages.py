"""The client portal: who may see what, navigation and sign-in, Today, and the history with its
charts. Logging (the session form, the safety answer, the check-in) is in ``test_portal_logging``."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.journal.vocabulary import PAIN_ZONES, Symptom
from coaching.models import Session
from coaching.portal.tests.support import (
    check_ins,
    page,
    session_post,
    sessions,
)
from coaching.tests.factories import (
    ClientFactory,
    ProgramFactory,
    log_check_in,
    log_session,
)
from exercises.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["portal:log", "portal:check_in", "portal:history"]


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


@pytest.mark.parametrize("exercises", [1, 8])
def test_today_is_six_queries_whatever_the_program(client, world, exercises):
    """The session, the person with their profile, the program with the client's trainer, the
    prescriptions with their exercises, the cues, the unread messages: the same for 1 exercise
    or 8."""
    someone = ClientFactory(user__username="sam", trainer=world.trainer_a)
    ProgramFactory(client=someone, exercises=[ExerciseFactory() for _ in range(exercises)])
    client.force_login(someone.user)
    with CaptureQueriesContext(connection) as queries:
        html = page(client.get(reverse("portal:home")))
    assert len(queries) == 6, [q["sql"][:90] for q in queries.captured_queries]
    assert f"Your trainer is {world.trainer_a}." in html


def test_today_without_a_program_is_a_friendly_empty_state(client, world):
    lonely = ClientFactory(user__username="lonely", trainer=world.trainer_a)
    client.force_login(lonely.user)
    html = page(client.get(reverse("portal:home")))
    assert "No program yet" in html
    assert f'href="{reverse("portal:check_in")}"' in html
    html = page(client.get(reverse("portal:log")))
    assert "No program yet" in html


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
