"""The printable program: the PDF's text (read back with pypdf) holds everything the issue names
— practice, client, trainer, start, schedule, each exercise's dose, cues and stop signals, the
pain zones, the red-flag advice, the log grid's dates — on A4 or Letter, and in large print on
more pages; who may download it (the portal, the API, the admin), and bad options refused."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from coaching.journal.vocabulary import EMERGENCY_MESSAGE
from coaching.models import HandoutLink, Program, User
from coaching.programs import handout_views, schedule
from coaching.programs.handout import (
    Options,
    handout_email,
    handout_pdf,
    handout_revoke,
    handout_share,
)
from coaching.programs.selectors import active_program
from coaching.shared.tokens import digest
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


def _images(reader: PdfReader) -> list[Any]:
    return [image for page in reader.pages for image in page.images]


def test_each_exercise_has_its_picture_an_upload_before_the_drawing(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from exercises.models import ExerciseMedia

    program = planned(world)
    reader, text = read(handout_pdf(program))
    # the drawing of the start and end positions, drawn as vectors with its labels
    assert "StartEnd" in text.replace(" ", "")
    assert _images(reader) == []

    settings.MEDIA_ROOT = tmp_path
    png = io.BytesIO()
    Image.new("RGB", (60, 40), (90, 90, 90)).save(png, format="PNG")
    media = ExerciseMedia(
        exercise=world.exercise,
        file=SimpleUploadedFile("photo.png", png.getvalue()),
        title="Side view",
        alt_text="Lying face down, legs lifted",
        author="Sam Physio",
        licence=ExerciseMedia.Licence.OWN,
    )
    media.full_clean()
    media.save()
    program = active_program(world.client_a, with_cues=True, with_trainer=True)
    reader, text = read(handout_pdf(program))
    sizes = {(i.image.width, i.image.height) for i in _images(reader)}
    assert sizes == {(60, 40)}
    assert "“Side view” by Sam Physio — Made by the practice (all rights)" in text
    assert "StartEnd" not in text.replace(" ", "")


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


# --- sharing: a link that needs no sign-in, and the email ---------------------------------------


def test_a_shared_link_opens_the_handout_without_sign_in_until_withdrawn(client, world):
    link, url = handout_share(actor=world.trainer_a.user, program=world.program_a, days=7)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in link.token_digest  # only the digest is stored
    assert HandoutLink.objects.filter(token_digest=digest(token)).exists()

    opened = client.get(f"/handout/{token}/")  # nobody signed in
    assert (opened.status_code, opened["Content-Type"]) == (200, "application/pdf")
    assert opened.content.startswith(b"%PDF")
    assert HandoutLink.objects.get(pk=link.pk).downloads == 1

    handout_revoke(actor=world.admin.user, link=link)
    gone = client.get(f"/handout/{token}/")
    assert gone.status_code == 410
    assert "withdrawn" in gone.content.decode()
    assert client.get("/handout/not-a-token/").status_code == 404


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired"),
        ({"program_ended": True}, "program has ended"),
    ],
)
def test_an_expired_link_or_an_ended_program_says_so(client, world, change, words):
    link, url = handout_share(actor=world.trainer_a.user, program=world.program_a)
    if change.pop("program_ended", False):
        Program.objects.filter(pk=world.program_a.pk).update(status=Program.Status.ENDED)
    HandoutLink.objects.filter(pk=link.pk).update(**change)
    response = client.get(url.split("127.0.0.1:8000")[-1])
    assert response.status_code == 410
    assert words in response.content.decode()


def test_a_link_opened_too_often_in_an_hour_is_refused(client, world, monkeypatch):
    monkeypatch.setattr(handout_views, "LINK_DOWNLOADS_PER_HOUR", 1)
    monkeypatch.setattr(handout_views, "pdf_response", lambda *a: HttpResponse(b"%PDF-stub"))
    _, url = handout_share(actor=world.trainer_a.user, program=world.program_a)
    path = url.split("127.0.0.1:8000")[-1]
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 429


@pytest.mark.parametrize(
    ("actor", "days", "refusal"),
    [
        ("trainer_a", 0, ValidationError),
        ("trainer_a", 91, ValidationError),
        ("trainer_c", 7, PermissionDenied),  # another practice
        ("trainer_b", 7, PermissionDenied),  # a colleague's client
        ("client_a", 7, PermissionDenied),  # the care team shares, not the client
    ],
)
def test_who_may_share_and_for_how_long(world, actor, days, refusal):
    with pytest.raises(refusal):
        handout_share(actor=getattr(world, actor).user, program=world.program_a, days=days)
    assert not HandoutLink.objects.exists()


def test_the_handout_is_emailed_as_an_attachment(world):
    sent_to = handout_email(actor=world.trainer_a.user, program=world.program_a)
    (email,) = mail.outbox
    assert email.to == [sent_to] == [world.client_a.user.email]
    ((name, content, kind),) = email.attachments
    assert (kind, content[:4]) == ("application/pdf", b"%PDF")
    assert name.endswith(".pdf")

    User.objects.filter(pk=world.client_a.user.pk).update(email="")
    world.program_a.client.user.refresh_from_db()
    with pytest.raises(ValidationError):
        handout_email(
            actor=world.trainer_a.user, program=Program.objects.get(pk=world.program_a.pk)
        )
    assert len(mail.outbox) == 1


def test_the_admin_share_page(client, world):
    url = reverse("admin:coaching_client_handout_share", args=[world.client_a.pk])
    client.force_login(world.trainer_c.user)
    assert client.get(url).status_code == 404
    client.force_login(world.trainer_a.user)
    assert "Make a link" in client.get(url).content.decode()
    assert client.post(url, {"do": "share", "days": "5"}).status_code == 302
    (link,) = HandoutLink.objects.all()
    assert (link.expires_at - link.created_at).days == 5
    assert "works" in client.get(url).content.decode()
    client.post(url, {"do": "revoke", "link": link.pk})
    assert HandoutLink.objects.get().revoked_at is not None
    refused = client.post(url, {"do": "share", "days": "500"})
    assert refused.status_code == 200
    assert HandoutLink.objects.count() == 1


def test_the_api_shares_lists_withdraws_and_emails(client, world):
    desk = api(world.trainer_a.user)
    links = f"/api/v1/programs/{world.program_a.pk}/handout/links/"
    made = desk.post(links, {"days": 3}, format="json")
    assert made.status_code == 201
    url = made.json()["url"]
    assert "/handout/" in url
    (listed,) = desk.get(links).json()
    assert listed["url"] is None  # shown once only
    assert client.get(url.split("127.0.0.1:8000")[-1]).status_code == 200
    assert (
        api(world.trainer_c.user).delete(f"/api/v1/handout-links/{listed['id']}/").status_code
        == 404
    )
    assert desk.delete(f"/api/v1/handout-links/{listed['id']}/").status_code == 204
    assert client.get(url.split("127.0.0.1:8000")[-1]).status_code == 410

    bad = desk.post(links, {"days": 0}, format="json")
    assert (bad.status_code, bad.json()["errors"][0]["attr"]) == (400, "days")
    assert api(world.trainer_c.user).post(links, {}, format="json").status_code == 404
    assert api(world.client_a.user).get(links).status_code == 404

    emailed = desk.post(f"/api/v1/programs/{world.program_a.pk}/handout/email/")
    assert emailed.json() == {"sent_to": world.client_a.user.email}
    assert len(mail.outbox) == 1
