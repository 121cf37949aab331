"""The printable program: the PDF's text (read back with pypdf) holds everything the issue names
— practice, client, trainer, start, schedule, each exercise's dose, cues and stop signals, the
pain zones, the red-flag advice, the log grid's dates — on A4 or Letter, and in large print on
more pages; who may download it (the portal, the API, the admin), and bad options refused."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from coaching.journal.vocabulary import EMERGENCY_MESSAGE
from coaching.models import Program
from coaching.programs import schedule
from coaching.programs.handout import Options, handout_pdf
from coaching.programs.selectors import active_program
from coaching.tests.helpers import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


def planned(world: Any) -> Program:
    Program.objects.filter(pk=world.program_a.pk).update(weekdays=schedule.to_bits(["mon", "thu"]))
    program = active_program(world.client_a, with_cues=True, with_trainer=True)
    assert program is not None
    return program


def test_the_handout_holds_the_program_and_the_advice(world):
    program = planned(world)
    world.exercise.cues.create(phase="setup", text="Lie on your back, knees bent.")
    program = active_program(world.client_a, with_cues=True, with_trainer=True)
    rx = program.current[0]

    reader, text = read(handout_pdf(program))

    for expected in (
        world.practice_a.name,
        world.client_a.user.get_full_name(),
        world.trainer_a.user.get_full_name(),
        program.name,
        f"{program.starts_on:%-d %B %Y}",
        "Mon, Thu",
        world.exercise.name,
        rx.dose(),
        "Setup:",
        "Lie on your back, knees bent.",
        f"Stop this set if: {world.exercise.stop_signals[0]}",
        "Stop and seek emergency care now",
        " ".join(EMERGENCY_MESSAGE.split()[:8]),
        "3–5: acceptable",
        "Your log",
    ):
        assert expected in text, expected
    assert "Mon " in text.split("Your log")[1]  # the grid's planned dates
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4, in points


def test_letter_and_large_print(world):
    program = planned(world)
    normal, _ = read(handout_pdf(program))
    large, text = read(handout_pdf(program, Options(paper="letter", large=True)))
    width, height = (float(v) for v in large.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (612, 792)  # Letter
    assert len(large.pages) > len(normal.pages)
    assert world.exercise.name in text


def test_who_downloads_it(client, world):
    url = f"/api/v1/programs/{world.program_a.pk}/handout.pdf"
    response = api(world.trainer_a.user).get(url, {"paper": "letter"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert api(world.trainer_c.user).get(url).status_code == 404
    assert api(world.client_a.user).get(url).status_code == 404  # clients: the portal
    assert api(None).get(url).status_code == 401
    bad = api(world.trainer_a.user).get(url, {"paper": "a3"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "paper"

    client.force_login(world.client_a.user)
    mine = client.get(reverse("portal:handout"), {"large": "1"})
    assert (mine.status_code, mine["Content-Type"]) == (200, "application/pdf")
    assert client.get(reverse("portal:handout"), {"large": "maybe"}).status_code == 400

    client.force_login(world.trainer_c.user)
    admin_url = reverse("admin:coaching_client_handout", args=[world.client_a.pk])
    assert client.get(admin_url).status_code == 404
    client.force_login(world.trainer_a.user)
    assert client.get(admin_url).content.startswith(b"%PDF")


def test_no_active_program_no_handout(client, world):
    Program.objects.filter(client=world.client_a).update(status=Program.Status.ENDED)
    client.force_login(world.client_a.user)
    assert client.get(reverse("portal:handout")).status_code == 404
