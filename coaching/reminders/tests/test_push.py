"""Web Push, end to end on this machine: a device subscribes through the API, the reminders' pass
sends through pywebpush to a push service (a local HTTP server standing in for the browser
vendor's), the message decrypts with the device's keys to what the client should read, and a
push service that says the device is gone (404/410) gets its subscription deleted. Bad
subscriptions are a 400 naming the field, with nothing stored."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from django.core.exceptions import ValidationError

from coaching.models import PushSubscription, Reminder
from coaching.privacy.services import client_erase, client_export
from coaching.reminders import push
from coaching.reminders.services import preferences_update, reminders_send
from coaching.reminders.tests.test_reminders import MONDAY_EVENING, planned
from coaching.tests.helpers import api

pytestmark = pytest.mark.django_db
DEVICES = "/api/v1/me/devices/"


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


@pytest.fixture
def vapid(settings: Any) -> str:
    settings.VAPID_PRIVATE_KEY = push.generate_private_key()
    settings.VAPID_SUBJECT = "mailto:ops@example.com"
    return settings.VAPID_PRIVATE_KEY


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Device:
    """A browser's side of a subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def subscription(self) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(point), "auth": b64(self.auth)},
        }

    def read(self, body: bytes) -> dict[str, Any]:
        clear = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(clear)  # type: ignore[no-any-return]


class PushService:
    """A push service on 127.0.0.1: records each POST and answers ``status``."""

    def __init__(self) -> None:
        self.status = 201
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append(
                    (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(service.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.server.shutdown()
    service.server.server_close()


def subscribed(world: Any, push_service: PushService, name: str = "phone") -> Device:
    device = Device(f"{push_service.url}/push/{name}")
    response = api(world.client_a.user).post(DEVICES, device.subscription(), format="json")
    assert response.status_code == 201, response.content
    return device


def test_a_reminder_reaches_the_device_encrypted_and_signed(world, vapid, push_service):
    device = subscribed(world, push_service)
    planned(world, push=True)
    preferences_update(client=world.client_a, email=False)

    result = reminders_send(now=MONDAY_EVENING)

    assert (result.due, result.sent) == (1, 1)
    (path, headers, body) = push_service.received[0]
    assert len(push_service.received) == 1
    assert path == "/push/phone"
    assert device.read(body) == {
        "title": "Time for today's exercises",
        "body": "Log your session when you are done.",
        "url": "/log/",
        "tag": "reminder-session",
    }
    assert headers["content-encoding"] == "aes128gcm"
    assert f"k={push.public_key()}" in headers["authorization"]  # the VAPID claim's key
    assert int(headers["ttl"]) == push.TTL_SECONDS
    assert not mail.outbox
    row = Reminder.objects.get(client=world.client_a)
    assert (row.status, row.error) == ("sent", "")
    assert PushSubscription.objects.get(client=world.client_a).last_sent_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_dropped(world, vapid, push_service, status):
    subscribed(world, push_service)
    planned(world, push=True)  # email too: the reminder still reaches the client
    push_service.status = status

    result = reminders_send(now=MONDAY_EVENING)

    assert result.sent == 1
    assert len(mail.outbox) == 1
    assert not PushSubscription.objects.filter(client=world.client_a).exists()
    row = Reminder.objects.get(client=world.client_a)
    assert (row.status, row.error) == ("sent", "push: the devices have unsubscribed")


def test_a_refusing_push_service_fails_the_reminder_for_a_retry_and_keeps_the_device(
    world, vapid, push_service
):
    subscribed(world, push_service)
    planned(world, push=True)
    preferences_update(client=world.client_a, email=False)
    push_service.status = 503

    first = reminders_send(now=MONDAY_EVENING)
    row = Reminder.objects.get(client=world.client_a)
    assert (first.failed, row.status, row.attempts) == (1, "failed", 1)
    assert "push 503" in row.error
    assert PushSubscription.objects.filter(client=world.client_a).count() == 1

    push_service.status = 201
    again = reminders_send(now=MONDAY_EVENING + timedelta(minutes=5))
    assert again.sent == 1
    assert len(push_service.received) == 2


@pytest.mark.parametrize(
    ("configured", "devices", "why"),
    [
        (False, True, "Web Push is not configured"),
        (True, False, "no device"),
    ],
)
def test_push_only_with_nothing_to_push_to_is_skipped_and_says_why(
    world, settings, push_service, configured, devices, why
):
    settings.VAPID_PRIVATE_KEY = push.generate_private_key() if configured else ""
    if devices:
        PushSubscription.objects.create(
            client=world.client_a, endpoint=f"{push_service.url}/x", p256dh="x", auth="y"
        )
    planned(world, push=True)
    preferences_update(client=world.client_a, email=False)

    assert reminders_send(now=MONDAY_EVENING).skipped == 1
    assert why in Reminder.objects.get(client=world.client_a).error
    assert not push_service.received


def test_a_pass_reads_devices_in_one_query(world, vapid, push_service, django_assert_num_queries):
    subscribed(world, push_service)
    planned(world, push=True)
    preferences_update(client=world.client_a, email=False)
    # candidates (3) + existing rows + sendable rows + devices + whose program sends
    # questionnaires + per reminder: claim, devices' last_sent_at, outcome — and the rows
    # written (1)
    with django_assert_num_queries(11):
        assert reminders_send(now=MONDAY_EVENING).sent == 1


# --- the devices' API ------------------------------------------------------------------------------


def test_the_preferences_carry_the_key_to_subscribe_with(world, vapid):
    key = api(world.client_a.user).get("/api/v1/me/preferences/").json()["push_key"]
    assert key == push.public_key()
    assert len(base64.urlsafe_b64decode(key + "=")) == 65  # an uncompressed P-256 point


def test_a_device_subscribes_once_lists_and_unsubscribes(world, push_service):
    phone = api(world.client_a.user)
    phone.credentials(HTTP_USER_AGENT="Firefox on Android")
    device = Device(f"{push_service.url}/push/1")

    created = phone.post(DEVICES, device.subscription(), format="json")
    device.auth = os.urandom(16)  # the browser renewed its keys: the same endpoint again
    updated = phone.post(DEVICES, device.subscription(), format="json")

    assert (created.status_code, updated.status_code) == (201, 200)
    assert created.json()["id"] == updated.json()["id"]
    assert "keys" not in created.json()
    (listed,) = phone.get(DEVICES).json()
    assert (listed["endpoint"], listed["user_agent"]) == (device.endpoint, "Firefox on Android")
    assert PushSubscription.objects.get().auth == b64(device.auth)

    # another client cannot remove it; its owner can
    assert api(world.client_b.user).delete(f"{DEVICES}{listed['id']}/").status_code == 404
    assert phone.delete(f"{DEVICES}{listed['id']}/").status_code == 204
    assert not PushSubscription.objects.exists()


GOOD = Device("https://fcm.googleapis.com/fcm/send/abc").subscription()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),  # plain http, not local
        ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"keys": {"p256dh": b64(b"\x04" + b"\x01" * 64), "auth": GOOD["keys"]["auth"]}}, "keys.p256dh"),
        ({"keys": {"p256dh": "***", "auth": GOOD["keys"]["auth"]}}, "keys.p256dh"),
        ({"keys": {"p256dh": GOOD["keys"]["p256dh"], "auth": b64(b"short")}}, "keys.auth"),
        ({"keys": {"p256dh": GOOD["keys"]["p256dh"]}}, "keys.auth"),
        ({"keys": None}, "keys"),
    ],
)  # fmt: skip
def test_a_bad_subscription_is_a_400_naming_the_field_and_stores_nothing(world, change, field):
    response = api(world.client_a.user).post(DEVICES, {**GOOD, **change}, format="json")
    assert response.status_code == 400
    assert field in {e["attr"] for e in response.json()["errors"]}, response.json()
    assert not PushSubscription.objects.exists()


def test_the_service_refuses_a_bad_subscription_too(world):
    with pytest.raises(ValidationError) as refused:
        push.subscribe(
            client=world.client_a, endpoint="https://x.example/1", p256dh="AAAA", auth=""
        )
    assert set(refused.value.message_dict) == {"keys.p256dh", "keys.auth"}
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(("actor", "status"), [("trainer_a", 403), (None, 401)])
def test_devices_are_the_clients_own(world, actor, status):
    user = getattr(world, actor).user if actor else None
    assert api(user).get(DEVICES).status_code == status
    assert api(user).post(DEVICES, GOOD, format="json").status_code == status


@pytest.mark.parametrize("mode", ["erase", "anonymise"])
def test_devices_are_in_the_export_and_go_with_erasure(world, push_service, mode):
    device = subscribed(world, push_service)
    document = client_export(actor=world.trainer_a.user, client=world.client_a)
    assert [d["endpoint"] for d in document["push_devices"]] == [device.endpoint]

    removed = client_erase(actor=world.admin.user, client=world.client_a, mode=mode)

    assert removed["push_devices"] == 1
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("key", "errors"), [("", 0), ("not-a-key", 1), ("AAAA", 1), ("a new one", 0)]
)
def test_a_bad_vapid_key_fails_the_system_check(settings, key, errors):
    settings.VAPID_PRIVATE_KEY = push.generate_private_key() if key == "a new one" else key
    found = push.check_vapid_key()
    assert len(found) == errors
    if errors:
        assert found[0].id == "coaching.E001"
