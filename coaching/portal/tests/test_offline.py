"""The installable portal's server side: the manifest and its icons, the service worker's script
(what it precaches, each with a revision that follows the file), the offline page (nothing
personal: it is kept on shared devices), the pages' hooks for the offline scripts, and the
symptom boxes that carry their safety level so the page answers without the network. The
browser side (offline logging, the outbox, the safety answer) is in
``coaching/tests/test_offline_browser.py``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from coaching.journal.vocabulary import EMERGENCY_SYMPTOMS, URGENT_SYMPTOMS, Symptom
from coaching.portal import offline

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_and_its_icons(client):
    response = client.get(reverse("portal:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/",
        "/",
        "standalone",
    )
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:  # each icon is a real PNG of its size
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        head = Path(found).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_precaches_the_shell_with_revisions(
    client, settings, tmp_path, monkeypatch
):
    response = client.get(reverse("portal:service_worker"))
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    precache = json.loads(re.search(r"self.__PRECACHE = (.*);", script).group(1))
    urls = {entry["url"] for entry in precache}
    assert urls == {*(f"/static/{p}" for p in offline.PRECACHED_STATIC), "/offline/"}
    assert all(re.fullmatch(r"[0-9a-f]{16}", entry["revision"]) for entry in precache)
    imported = re.search(r'importScripts\("([^"?]+)\?v=', script).group(1)
    assert finders.find(imported.removeprefix("/static/")), "make builds static/dist/sw.js"

    # a changed file gets a new revision (here: a copy of the stylesheet that differs)
    changed = tmp_path / "css"
    changed.mkdir()
    (changed / "portal.css").write_text("body { color: red; }")
    settings.STATICFILES_DIRS = [tmp_path, *settings.STATICFILES_DIRS]
    monkeypatch.setattr(offline, "_revision", offline._revision_of)  # as in development
    finders.get_finder.cache_clear()
    try:
        again = client.get(reverse("portal:service_worker")).content.decode()
    finally:
        finders.get_finder.cache_clear()
    revisions = {e["url"]: e["revision"] for e in json.loads(re.search(r"= (.*);", again).group(1))}
    before = {e["url"]: e["revision"] for e in precache}
    assert revisions["/static/css/portal.css"] != before["/static/css/portal.css"]
    assert revisions["/static/js/portal.js"] == before["/static/js/portal.js"]


def test_the_offline_page_gives_the_emergency_advice_and_nothing_personal(client, world):
    client.force_login(world.client_a.user)
    page = client.get(reverse("portal:offline")).content.decode()
    assert "seek emergency care now" in page
    assert world.client_a.user.username not in page
    assert "csrfmiddlewaretoken" not in page
    assert "Set-Cookie" not in str(client.get(reverse("portal:offline")).headers)


def test_a_clients_pages_carry_the_offline_hooks(client, world):
    client.force_login(world.client_a.user)
    page = client.get(reverse("portal:check_in")).content.decode()
    assert f'data-owner="{world.client_a.user.pk}"' in page
    assert 'data-service-worker="/sw.js"' in page
    assert 'rel="manifest"' in page
    assert 'data-offline="Check-in"' in page
    assert 'id="outbox"' in page
    assert 'id="saved-offline"' in page
    assert 'data-fresh="today"' in page
    assert 'data-offline="Session"' in client.get(reverse("portal:log")).content.decode()


def test_a_trainers_pages_have_no_outbox(client, world):
    client.force_login(world.trainer_a.user)
    page = client.get(reverse("catalogue:list")).content.decode()
    assert "data-owner" not in page
    assert 'id="outbox"' not in page


def test_every_red_flag_box_carries_its_level_and_the_answers_are_in_the_page(client, world):
    client.force_login(world.client_a.user)
    page = client.get(reverse("portal:check_in")).content.decode()
    for symptom in Symptom:
        box = re.search(rf'<input[^>]*value="{symptom.value}"[^>]*>', page).group(0)
        level = re.search(r'data-level="(\w+)"', box)
        expected = (
            "emergency"
            if symptom in EMERGENCY_SYMPTOMS
            else "urgent"
            if symptom in URGENT_SYMPTOMS
            else None
        )
        assert (level.group(1) if level else None) == expected, symptom
    assert 'data-answer="emergency"' in page
    assert 'data-answer="urgent"' in page
    assert "Seek emergency care now" in page


def test_the_reminders_page_offers_notifications_when_the_server_has_a_key(client, world, settings):
    client.force_login(world.client_a.user)
    settings.VAPID_PRIVATE_KEY = ""
    assert (
        "Notifications are not set up on this server"
        in client.get("/settings/reminders/").content.decode()
    )
    from coaching.reminders import push

    settings.VAPID_PRIVATE_KEY = push.generate_private_key()
    page = client.get("/settings/reminders/").content.decode()
    assert f'data-push-key="{push.public_key()}"' in page
    assert "Turn on for this device" in page
