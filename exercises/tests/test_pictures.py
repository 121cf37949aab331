"""Exercise pictures as people get them: the drawings' addresses (public for published
exercises), editors' uploads with their licence data (checked for what the file really is), the
admin's live preview, the API's ``illustration`` and the portal's pages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from coaching.tests.factories import UserFactory
from exercises.models import CatalogueRevision, Exercise, ExerciseMedia
from exercises.tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(out, format=fmt)
    return out.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 64


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def still(slug: str) -> str:
    return reverse("catalogue:illustration", args=[slug])


def animation(slug: str) -> str:
    return reverse("catalogue:animation", args=[slug])


# --- the drawings' addresses ---------------------------------------------------------------------


def test_a_published_exercise_drawing_is_served_to_anyone_and_cached(client):
    exercise = ExerciseFactory(name="Reverse leg lift")
    response = client.get(still(exercise.slug))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"<title>Reverse leg lift</title>" in response.content
    assert b">Start</text>" in response.content
    assert b">End</text>" in response.content
    again = client.get(still(exercise.slug), headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304
    moving = client.get(animation(exercise.slug))
    assert moving.status_code == 200
    assert b"<animate " in moving.content
    assert moving["ETag"] != response["ETag"]


def test_a_draft_drawing_is_for_catalogue_editors_only(client, editor):
    draft = ExerciseFactory(status=Exercise.Status.DRAFT)
    assert client.get(still(draft.slug)).status_code == 404
    client.force_login(UserFactory())  # a signed-in member is no editor
    assert client.get(animation(draft.slug)).status_code == 404
    client.force_login(editor)
    response = client.get(still(draft.slug))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_no_drawing_or_no_exercise_is_a_404(client):
    bare = ExerciseFactory(illustration={})
    assert client.get(still(bare.slug)).status_code == 404
    assert client.get(still("no-such-exercise")).status_code == 404


def test_a_changed_pose_changes_the_drawing_and_its_etag(client):
    exercise = ExerciseFactory()
    first = client.get(still(exercise.slug))
    exercise.illustration["end"]["hip"] = -30
    exercise.save()
    second = client.get(still(exercise.slug), headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200
    assert second.content != first.content


# --- uploads through the admin -------------------------------------------------------------------


def change_url(exercise: Exercise) -> str:
    return reverse("admin:exercises_exercise_change", args=[exercise.pk])


def form_with_upload(client, exercise: Exercise, upload: SimpleUploadedFile | None, **fields):
    from exercises.tests.test_admin import _change_form_data

    data = _change_form_data(client, change_url(exercise))
    data.update(
        {
            "media-TOTAL_FORMS": "1",
            "media-INITIAL_FORMS": "0",
            "media-0-order": "0",
            "media-0-title": "Reverse leg lift, side view",
            "media-0-alt_text": "A woman lying face down lifts both legs a hand's width.",
            "media-0-author": "Sam Physio",
            "media-0-source_url": "https://example.org/photos/42",
            "media-0-licence": ExerciseMedia.Licence.CC_BY,
        }
    )
    data.update({f"media-0-{k}": v for k, v in fields.items()})
    if upload is not None:
        data["media-0-file"] = upload
    return client.post(change_url(exercise), data)


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "body", "fields", "kind"),
    [
        ("side.png", image_bytes("PNG"), {}, "image"),
        ("side.JPG", image_bytes("JPEG"), {}, "image"),
        ("side.webp", image_bytes("WEBP"), {}, "image"),
        ("lift.mp4", MP4, {}, "video"),
        ("lift.webm", WEBM, {}, "video"),
        ("own.png", image_bytes("PNG"), {"licence": "own", "source_url": ""}, "image"),
    ],
    ids=["png", "jpeg", "webp", "mp4", "webm", "own-work-needs-no-source"],
)
def test_an_editor_uploads_a_picture_or_video_with_its_licence(
    editor_client, media_root, name, body, fields, kind
):
    exercise = ExerciseFactory()
    before = CatalogueRevision.objects.get(pk=1).number
    response = form_with_upload(editor_client, exercise, SimpleUploadedFile(name, body), **fields)
    assert response.status_code == 302, response.context["inline_admin_formsets"][2].formset.errors
    media = ExerciseMedia.objects.get(exercise=exercise)
    assert media.kind == kind
    assert media.file.name.startswith(f"exercise-media/{exercise.pk}/")
    assert media.file.read() == body
    assert CatalogueRevision.objects.get(pk=1).number > before  # cached API answers renew


@pytest.mark.parametrize(
    ("name", "body", "fields", "field", "message"),
    [
        ("notes.txt", b"hello", {}, "file", "“.txt” files are not accepted"),
        ("drawing.svg", b"<svg/>", {}, "file", "“.svg” files are not accepted"),
        ("fake.png", b"this is not a picture", {}, "file", "This file is not a picture"),
        ("photo.png", image_bytes("JPEG"), {}, "file", "This file is a JPEG picture, not a .png"),
        ("clip.mp4", image_bytes("PNG"), {}, "file", "This file is not a MP4 video."),
        ("clip.webm", MP4, {}, "file", "This file is not a WEBM video."),
        ("side.png", image_bytes("PNG"), {"licence": ""}, "licence", "This field is required."),
        ("side.png", image_bytes("PNG"), {"title": ""}, "title", "This field is required."),
        ("side.png", image_bytes("PNG"), {"author": ""}, "author", "This field is required."),
        ("side.png", image_bytes("PNG"), {"source_url": ""}, "source_url", "Say where it comes"),
    ],
    ids=[
        "text", "svg", "not-an-image", "jpeg-named-png", "png-named-mp4", "mp4-named-webm",
        "no-licence", "no-title", "no-author", "cc-by-without-source",
    ],
)  # fmt: skip
def test_a_bad_upload_is_a_form_error_and_nothing_is_kept(
    editor_client, media_root, name, body, fields, field, message
):
    exercise = ExerciseFactory()
    response = form_with_upload(editor_client, exercise, SimpleUploadedFile(name, body), **fields)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][2].formset.errors[0]
    assert any(message in e for e in errors[field]), errors
    assert not ExerciseMedia.objects.exists()
    assert written_files(media_root) == []


def test_too_large_a_file_is_refused(editor_client, media_root, settings):
    settings.EXERCISE_IMAGE_MAX_MB = 0
    exercise = ExerciseFactory()
    response = form_with_upload(
        editor_client, exercise, SimpleUploadedFile("big.png", image_bytes("PNG", (400, 400)))
    )
    errors = response.context["inline_admin_formsets"][2].formset.errors[0]
    assert "the limit is 0 MB for a image" in errors["file"][0] or "limit is 0 MB" in str(errors)
    assert not ExerciseMedia.objects.exists()


# --- what apps and the portal get ----------------------------------------------------------------


def upload(exercise: Exercise, media_root: Path, **fields) -> ExerciseMedia:
    defaults = {
        "title": "Side view",
        "alt_text": "A man on hands and knees reaches one arm forward.",
        "author": "Sam Physio",
        "source_url": "https://example.org/42",
        "licence": ExerciseMedia.Licence.CC_BY,
        "file": SimpleUploadedFile("side.png", image_bytes()),
    }
    media = ExerciseMedia(exercise=exercise, **(defaults | fields))
    media.full_clean()
    media.save()
    return media


def test_the_api_gives_the_drawing_until_an_upload_takes_precedence(member_api, media_root):
    exercise = ExerciseFactory(slug="bird-dog-test")
    url = f"/api/v1/exercises/{exercise.slug}/"
    drawn = member_api.get(url).json()["illustration"]
    assert drawn == {
        "primary": {"kind": "drawing", "url": "/exercises/bird-dog-test/animation.svg"},
        "still": "/exercises/bird-dog-test/illustration.svg",
        "animation": "/exercises/bird-dog-test/animation.svg",
        "media": [],
    }
    media = upload(exercise, media_root)
    shown = member_api.get(url).json()["illustration"]
    media_url = f"/exercises/bird-dog-test/media/{media.pk}"
    assert shown["primary"] == {"kind": "image", "url": media_url}
    assert shown["still"] == drawn["still"]  # the drawing stays available
    assert shown["media"] == [
        {
            "kind": "image",
            "url": media_url,
            "title": "Side view",
            "description": "A man on hands and knees reaches one arm forward.",
            "author": "Sam Physio",
            "source": "https://example.org/42",
            "licence": "CC-BY-4.0",
            "credit": "“Side view” by Sam Physio — CC BY 4.0",
        }
    ]
    listed = member_api.get("/api/v1/exercises/").json()["results"]
    assert [e["illustration"] for e in listed if e["slug"] == exercise.slug] == [shown]


def test_an_upload_is_served_from_a_stable_address_and_hidden_with_a_draft(client, media_root):
    exercise = ExerciseFactory()
    media = upload(exercise, media_root)
    url = reverse("catalogue:media", args=[exercise.slug, media.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert reverse("catalogue:media", args=["other", media.pk]) != url
    assert client.get(reverse("catalogue:media", args=["other", media.pk])).status_code == 404
    Exercise.objects.filter(pk=exercise.pk).update(status=Exercise.Status.DRAFT)
    assert client.get(url).status_code == 404


def test_in_a_bucket_the_stable_address_redirects_to_a_signed_link(client, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "practice-media",
                "endpoint_url": "https://s3.example.net",
                "region_name": "eu-west-1",
                "querystring_auth": True,
            },
        },
    }
    exercise = ExerciseFactory()
    media = ExerciseMedia.objects.create(
        exercise=exercise, file="exercise-media/1/x.png", kind="image", title="t",
        alt_text="a", author="b", licence="own",
    )  # fmt: skip
    response = client.get(reverse("catalogue:media", args=[exercise.slug, media.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(
        "https://s3.example.net/practice-media/exercise-media/1/x.png?"
    )
    assert "Signature=" in response["Location"]


def test_the_bucket_is_chosen_from_the_environment():
    probe = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "MEDIA_S3_BUCKET": "practice-media",
        "MEDIA_S3_ENDPOINT_URL": "https://s3.example.net",
    }
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    storage = json.loads(out.stdout.strip().splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "practice-media"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.net"
    assert django_settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_the_portal_shows_the_drawing_moving_or_held_and_an_upload_with_its_credit(
    client, media_root
):
    exercise = ExerciseFactory(name="Bird dog test")
    client.force_login(UserFactory())
    page = client.get(exercise.get_absolute_url()).content.decode()
    assert (
        f'<source media="(prefers-reduced-motion: reduce)" srcset="{still(exercise.slug)}">' in page
    )
    assert f'<img src="{animation(exercise.slug)}" alt="Bird dog test: a figure moving' in page
    media = upload(exercise, media_root)
    page = client.get(exercise.get_absolute_url()).content.decode()
    assert f'<img src="/exercises/{exercise.slug}/media/{media.pk}" alt="A man on hands' in page
    assert "“Side view” by Sam Physio — CC BY 4.0" in page
    assert animation(exercise.slug) not in page


# --- the admin's editor and preview --------------------------------------------------------------

PREVIEW = "/admin/exercises/exercise/illustration-preview/"


def test_the_preview_draws_what_the_editor_types(editor_client):
    good = {"start": {"trunk": 180}, "end": {"trunk": 180, "hip": 80}}
    response = editor_client.post(PREVIEW, good, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["still"].startswith("<svg")
    assert "<animate " in body["animation"]
    bad = {"start": {"trunk": 180, "knee": 200}, "end": {"trunk": 180, "elbows": 3}}
    response = editor_client.post(PREVIEW, bad, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["problems"] == [
        "start.knee: 200 is outside 0 to 160 degrees",
        "end.elbows: unknown field (known: trunk, neck, hip, knee, ankle, shoulder, elbow, at)",
    ]
    response = editor_client.post(PREVIEW, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert editor_client.get(PREVIEW).status_code == 405


def test_only_catalogue_editors_reach_the_preview(client):
    good = {"start": {"trunk": 180}, "end": {"trunk": 180, "hip": 80}}
    assert client.post(PREVIEW, good, content_type="application/json").status_code == 302
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.post(PREVIEW, good, content_type="application/json")
    assert response.status_code == 403


def test_the_change_form_checks_the_pose_data_and_stores_it_checked(editor_client):
    from exercises.tests.test_admin import _change_form_data

    exercise = ExerciseFactory()
    data = _change_form_data(editor_client, change_url(exercise))
    assert 'class="illustration-editor"' in editor_client.get(change_url(exercise)).content.decode()
    data["illustration"] = json.dumps({"start": {"trunk": 0, "hip": 170}, "end": {"trunk": 0}})
    response = editor_client.post(change_url(exercise), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["illustration"]
    assert errors == ["start.hip: 170 is outside -45 to 160 degrees"]
    exercise.refresh_from_db()
    assert (
        "hip" not in exercise.illustration["start"] or exercise.illustration["start"]["hip"] != 170
    )

    data["illustration"] = json.dumps({"start": {"trunk": 0}, "end": {"trunk": 0, "hip": -20}})
    assert editor_client.post(change_url(exercise), data).status_code == 302
    exercise.refresh_from_db()
    assert exercise.illustration["end"]["hip"] == -20  # as the loader stores it
    assert exercise.illustration["fixed"] == "pelvis"


def test_publishing_needs_a_picture(editor_client):
    draft = ExerciseFactory(status=Exercise.Status.DRAFT, illustration={})
    response = editor_client.post(
        reverse("admin:exercises_exercise_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "needs a picture (a drawing or an uploaded image) before" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Exercise.Status.DRAFT


def test_a_program_shows_each_exercise_with_the_picture_to_show(media_root):
    from rest_framework.test import APIClient

    from coaching.tests.factories import ClientFactory, ProgramFactory

    drawn, photographed = ExerciseFactory(slug="drawn"), ExerciseFactory(slug="photographed")
    client = ClientFactory()
    program = ProgramFactory(client=client, exercises=[drawn, photographed])
    first = upload(photographed, media_root, title="First")
    upload(photographed, media_root, title="Second", order=1)
    api = APIClient()
    for user, url in (
        (client.user, "/api/v1/me/program/"),
        (client.trainer.user, f"/api/v1/programs/{program.pk}/"),
    ):
        api.force_authenticate(user)
        body = api.get(url).json()
        pictures = {
            p["exercise"]["slug"]: p["exercise"]["illustration"] for p in body["prescriptions"]
        }
        assert pictures["drawn"]["primary"] == {
            "kind": "drawing",
            "url": "/exercises/drawn/animation.svg",
        }
        shown = pictures["photographed"]
        assert shown["primary"]["url"] == f"/exercises/photographed/media/{first.pk}"
        assert [m["title"] for m in shown["media"]] == ["First"]  # the one shown
        assert shown["still"] == "/exercises/photographed/illustration.svg"


@pytest.mark.django_db(transaction=True)
def test_a_removed_upload_takes_its_file_with_it(media_root):
    exercise = ExerciseFactory()
    media = upload(exercise, media_root)
    assert written_files(media_root)
    media.delete()
    assert written_files(media_root) == []
