"""The portal's catalogue pages, sign-in and lockout."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from coaching.tests.factories import PASSWORD, UserFactory
from exercises.tests.factories import ExerciseFactory, ProgressionEdgeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


@pytest.mark.parametrize("name", ["catalogue:list", "portal:home"])
def test_pages_need_a_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_detail_needs_a_sign_in(client):
    ExerciseFactory(slug="dead-bug")
    response = client.get(reverse("catalogue:detail", args=["dead-bug"]))
    assert response.status_code == 302


def test_the_list_shows_published_exercises_and_searches(signed_in):
    ExerciseFactory(name="Glute bridge", aliases=["Hip lift"])
    ExerciseFactory(name="Dead bug")
    ExerciseFactory(name="Secret draft", status="draft")

    page = signed_in.get(reverse("catalogue:list")).content.decode()
    assert "Glute bridge" in page
    assert "Dead bug" in page
    assert "Secret draft" not in page

    found = signed_in.get(reverse("catalogue:list") + "?search=hip+lift").content.decode()
    assert "Glute bridge" in found
    assert "Dead bug" not in found
    assert "1 exercise" in found


def test_a_bad_filter_shows_a_message_not_an_error(signed_in):
    ExerciseFactory(name="Glute bridge")
    response = signed_in.get(reverse("catalogue:list") + "?difficulty=99&position=nowhere")
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_the_detail_page_has_cues_mistakes_stop_signals_and_variations(signed_in):
    easier = ExerciseFactory(slug="knee-tuck", name="Lying knee tuck")
    exercise = ExerciseFactory(
        slug="leg-raise", name="Lying leg raise", contraindications=["Acute lower back pain."]
    )
    ProgressionEdgeFactory(easier=easier, harder=exercise)

    page = signed_in.get(reverse("catalogue:detail", args=["leg-raise"])).content.decode()

    for text in (
        "Lying leg raise", "Stop the set if", "Sharp pain in the lower back.", "Lie face down.",
        "Lifting too high", "Acute lower back pain.", "Lying knee tuck", "3 × 8–12",
    ):  # fmt: skip
        assert text in page, text


def test_unknown_and_draft_exercises_are_404(signed_in):
    ExerciseFactory(slug="draft-one", status="draft")
    assert signed_in.get(reverse("catalogue:detail", args=["draft-one"])).status_code == 404
    assert signed_in.get(reverse("catalogue:detail", args=["nope"])).status_code == 404


def test_sign_in_and_out(client):
    UserFactory(username="carol")
    response = client.post(reverse("portal:login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("catalogue:list")).status_code == 200
    client.post(reverse("portal:logout"))
    assert client.get(reverse("catalogue:list")).status_code == 302


def test_a_wrong_password_is_a_form_error(client):
    UserFactory(username="carol")
    response = client.post(reverse("portal:login"), {"username": "carol", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_portal_login_locks_out(client, settings):
    UserFactory(username="carol")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("portal:login"), {"username": "carol", "password": "nope"})
    response = client.post(reverse("portal:login"), {"username": "carol", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_password_reset_sends_a_working_link(client):
    UserFactory(username="carol", email="carol@example.com")
    response = client.post(reverse("portal:password_reset"), {"email": "carol@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-Passw0rd", "new_password2": "a-brand-new-Passw0rd"},
    )
    assert done.status_code == 302
    signed_in = client.post(
        reverse("portal:login"), {"username": "carol", "password": "a-brand-new-Passw0rd"}
    )
    assert signed_in.status_code == 302


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
