"""Data rights: a client downloads everything recorded about them (portal, API, and their
trainer for them); a practice admin erases or anonymises a client, and exactly what that removes
is checked table by table."""

from __future__ import annotations

import json
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from coaching.models import CheckIn, Client, Entry, Prescription, Program, Session, Set, User
from coaching.privacy.services import client_erase, client_export
from coaching.tests.factories import log_session
from coaching.tests.helpers import api
from triage.models import Flag, FlagEvent


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db


def test_a_client_downloads_everything_recorded_about_them(world):
    log_session(world.client_a, notes="Knee clicked on the third set.", symptoms=["fever"])
    AuthToken.objects.create(world.client_a.user)

    response = api(world.client_a.user).get("/api/v1/me/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-coaching-data-')
    data = response.json()
    assert data["person"]["username"] == world.client_a.user.username
    assert data["trainer"] == str(world.trainer_a.user)
    assert [p["id"] for p in data["programs"]] == [world.program_a.pk]
    assert data["programs"][0]["prescriptions"][0]["exercise"] == "glute-bridge"
    assert len(data["sessions"]) == 2
    assert data["sessions"][1]["notes"] == "Knee clicked on the third set."
    assert data["sessions"][0]["entries"][0]["sets"][0]["reps"] == 12
    assert [c["id"] for c in data["check_ins"]] == [world.check_in_a.pk]
    assert [f["id"] for f in data["flags"]] == [world.flag_a.pk]
    assert len(data["devices"]) == 1


def test_the_export_has_nothing_of_anyone_else(world):
    text = json.dumps(api(world.client_a.user).get("/api/v1/me/export/").json())

    for other in (world.client_b, world.client_c):
        assert other.user.username not in text
    assert str(world.session_b.pk) not in {str(s["id"]) for s in json.loads(text)["sessions"]}


@pytest.mark.parametrize(
    ("actor", "status"),
    [("trainer_a", 200), ("admin", 200), ("trainer_b", 404), ("trainer_c", 404), ("client_b", 404)],
)
def test_trainers_download_their_clients_data(world, actor, status):
    response = api(getattr(world, actor).user).get(f"/api/v1/clients/{world.client_a.pk}/export/")

    assert response.status_code == status


def test_the_admin_offers_the_download_and_to_the_practice_admin_erasure(client, world):
    client.force_login(world.trainer_a.user)
    page = client.get(reverse("admin:coaching_client_change", args=[world.client_a.pk]))
    html = page.content.decode()
    assert reverse("admin:coaching_client_export", args=[world.client_a.pk]) in html
    assert reverse("admin:coaching_client_erase", args=[world.client_a.pk]) not in html
    download = client.get(reverse("admin:coaching_client_export", args=[world.client_a.pk]))
    assert json.loads(download.content)["person"]["username"] == world.client_a.user.username
    assert (
        client.get(reverse("admin:coaching_client_erase", args=[world.client_a.pk])).status_code
        == 403
    )

    client.force_login(world.admin.user)
    html = client.get(reverse("admin:coaching_client_change", args=[world.client_a.pk])).content
    assert reverse("admin:coaching_client_erase", args=[world.client_a.pk]) in html.decode()


# --- erase and anonymise -------------------------------------------------------------------------


def _footprint(client: Client) -> dict[str, int]:
    user = client.user
    return {
        "users": User.objects.filter(pk=user.pk).count(),
        "clients": Client.objects.filter(pk=client.pk).count(),
        "programs": Program.objects.filter(client_id=client.pk).count(),
        "prescriptions": Prescription.objects.filter(program__client_id=client.pk).count(),
        "sessions": Session.objects.filter(client_id=client.pk).count(),
        "entries": Entry.objects.filter(session__client_id=client.pk).count(),
        "sets": Set.objects.filter(entry__session__client_id=client.pk).count(),
        "check_ins": CheckIn.objects.filter(client_id=client.pk).count(),
        "flags": Flag.objects.filter(client_id=client.pk).count(),
        "flag_events": FlagEvent.objects.filter(flag__client_id=client.pk).count(),
        "tokens": AuthToken.objects.filter(user_id=user.pk).count(),
        "login_records": AccessAttempt.objects.filter(username=user.username).count(),
    }


@pytest.fixture
def recorded(world: Any) -> Client:
    """Client A with a bit of everything: a session with notes, a flag with its audit trail, a
    device, a failed login, an admin history line."""
    client = world.client_a
    log_session(client, notes="Private note.")
    FlagEvent.objects.create(flag=world.flag_a, at=timezone.now(), action="opened")
    AuthToken.objects.create(client.user)
    AccessAttempt.objects.create(
        username=client.user.username, ip_address="10.0.0.1", user_agent="x",
        failures_since_start=2,
    )  # fmt: skip
    LogEntry.objects.create(
        user=world.trainer_a.user,
        content_type=ContentType.objects.get_for_model(Client),
        object_id=str(client.pk),
        object_repr=str(client.user),
        action_flag=CHANGE,
    )
    return client


def test_erasing_removes_the_person_and_every_record_and_nothing_else(world, recorded):
    others_before = {c.pk: _footprint(c) for c in (world.client_b, world.client_c)}
    before = _footprint(recorded)
    assert all(before.values()), before

    removed = client_erase(actor=world.admin.user, client=recorded, mode="erase")

    assert set(_footprint(recorded).values()) == {0}
    assert removed["sessions"] == before["sessions"]
    assert removed["check_ins"] == before["check_ins"]
    assert (removed["devices"], removed["login_records"], removed["people"]) == (1, 1, 1)
    assert not LogEntry.objects.filter(object_id=str(recorded.pk), content_type__model="client")
    assert {c.pk: _footprint(c) for c in (world.client_b, world.client_c)} == others_before


def test_anonymising_keeps_the_clinical_records_without_the_person(world, recorded):
    name, username = recorded.user.get_full_name(), recorded.user.username
    before = _footprint(recorded)

    client_erase(actor=world.admin.user, client=recorded, mode="anonymise")

    after = _footprint(recorded)
    recorded.refresh_from_db()
    user = recorded.user
    assert (user.first_name, user.last_name, user.email, user.is_active) == ("", "", "", False)
    assert user.username.startswith("anonymised-")
    assert not user.has_usable_password()
    assert user.last_login is None
    assert recorded.notes == ""
    assert not Session.objects.filter(client=recorded).exclude(notes="").exists()
    assert (after["tokens"], after["login_records"]) == (0, 0)
    for kept in ("sessions", "entries", "sets", "check_ins", "flags", "programs"):
        assert after[kept] == before[kept], kept
    entry = LogEntry.objects.get(object_id=str(recorded.pk), content_type__model="client")
    assert name not in entry.object_repr
    assert username not in json.dumps(
        client_export(actor=world.admin.user, client=recorded), default=str
    )


@pytest.mark.parametrize("actor", ["trainer_a", "trainer_b", "trainer_c", "client_a"])
def test_only_the_practice_admin_erases(world, actor):
    before = _footprint(world.client_a)

    with pytest.raises(PermissionDenied):
        client_erase(actor=getattr(world, actor).user, client=world.client_a, mode="erase")

    assert _footprint(world.client_a) == before


@pytest.mark.parametrize(
    ("actor", "status"), [("admin", 200), ("trainer_a", 403), ("trainer_c", 404)]
)
def test_erasing_through_the_api(world, actor, status):
    response = api(getattr(world, actor).user).post(
        f"/api/v1/clients/{world.client_a.pk}/erase/", {"mode": "anonymise"}, format="json"
    )

    assert response.status_code == status
    assert User.objects.get(pk=world.client_a.user.pk).is_active is (status != 200)


def test_an_unknown_mode_is_a_400(world):
    response = api(world.admin.user).post(
        f"/api/v1/clients/{world.client_a.pk}/erase/", {"mode": "shred"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "mode"


def test_the_admin_erases_after_the_username_is_typed(client, world):
    client.force_login(world.admin.user)
    url = reverse("admin:coaching_client_erase", args=[world.client_a.pk])

    wrong = client.post(url, {"mode": "erase", "confirm": "someone"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["confirm"]
    assert Client.objects.filter(pk=world.client_a.pk).exists()

    done = client.post(url, {"mode": "erase", "confirm": world.client_a.user.username})
    assert done.status_code == 302
    assert not Client.objects.filter(pk=world.client_a.pk).exists()


def test_the_portal_offers_the_download(client, world):
    client.force_login(world.client_a.user)

    today = client.get("/").content.decode()
    response = client.get(reverse("portal:my_data"))

    assert reverse("portal:my_data") in today
    assert response["Content-Disposition"].startswith('attachment; filename="my-coaching-data-')
    assert json.loads(response.content)["person"]["username"] == world.client_a.user.username
