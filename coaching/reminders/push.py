"""Web Push: the server's VAPID key (from the environment), the devices' subscriptions, and one
notification sent to every device of a client.

A subscription is what the browser's ``PushManager.subscribe`` returns (``endpoint`` and the keys
``p256dh`` and ``auth``); it is checked before it is stored: an https endpoint (plain http only on
this machine, for a local push service) and keys that decode to a P-256 point and a 16-byte
secret. A push service that answers 404 or 410 has forgotten the device: its subscription is
deleted. ``pywebpush`` encrypts the message (RFC 8291, aes128gcm) and signs the VAPID claim."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from coaching.models import Client, PushSubscription

log = logging.getLogger(__name__)

GONE = (404, 410)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TIMEOUT_SECONDS = 10
TTL_SECONDS = 12 * 3600  # a reminder is worth nothing the next day


# --- the server's key ---------------------------------------------------------------------------


def configured() -> bool:
    """Whether Web Push can be sent: a VAPID private key is set (``VAPID_PRIVATE_KEY``)."""
    return bool(settings.VAPID_PRIVATE_KEY)


@cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key)


def public_key() -> str:
    """The browsers' ``applicationServerKey``: the VAPID public key as an uncompressed P-256
    point, base64url without padding (empty when Web Push is not configured)."""
    if not configured():
        return ""
    point = _vapid(settings.VAPID_PRIVATE_KEY).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(point)


def generate_private_key() -> str:
    """A new VAPID private key, as ``VAPID_PRIVATE_KEY`` takes it (32 bytes, base64url)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64(key.private_numbers().private_value.to_bytes(32, "big"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the devices --------------------------------------------------------------------------------


def check_subscription(endpoint: str, p256dh: str, auth: str) -> None:
    """Refuse, naming the field, what no push service could deliver to."""
    errors: dict[str, str] = {}
    parts = urlsplit(endpoint)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not parts.hostname or not (parts.scheme == "https" or local):
        errors["endpoint"] = "A push service's https address (the subscription's endpoint)."
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(p256dh))
    except (ValueError, binascii.Error):
        errors["keys.p256dh"] = "The device's P-256 public key, base64url (65 bytes decoded)."
    try:
        secret = _unb64(auth)
    except (ValueError, binascii.Error):
        secret = b""
    if len(secret) != 16:
        errors["keys.auth"] = "The device's auth secret, base64url (16 bytes decoded)."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def subscribe(
    *, client: Client, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Store a device's subscription (and whether it is new) (the same endpoint again: its keys are updated, and it
    moves to this client — a shared browser belongs to whoever turned notifications on last)."""
    check_subscription(endpoint, p256dh, auth)
    return PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"client": client, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )


def unsubscribe(*, client: Client, pk: int) -> bool:
    """Forget one of the client's devices; whether there was one."""
    deleted, _ = PushSubscription.objects.filter(client=client, pk=pk).delete()
    return bool(deleted)


def devices_of(client: Client) -> list[PushSubscription]:
    return list(PushSubscription.objects.filter(client=client))


# --- sending ------------------------------------------------------------------------------------


@dataclass
class Delivery:
    sent: int = 0
    gone: int = 0
    errors: list[str] = field(default_factory=list)


def push_send(devices: list[PushSubscription], message: dict[str, Any]) -> Delivery:
    """Send ``message`` (a title, a body and the portal page it opens) to each device. Devices
    the push service no longer knows are deleted; other refusals are reported, not raised."""
    result = Delivery()
    if not configured() or not devices:
        return result
    data = json.dumps(message)
    vapid = _vapid(settings.VAPID_PRIVATE_KEY)
    delivered, gone = [], []
    for device in devices:
        try:
            webpush(
                {
                    "endpoint": device.endpoint,
                    "keys": {"p256dh": device.p256dh, "auth": device.auth},
                },
                data=data,
                vapid_private_key=vapid,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=TTL_SECONDS,
                timeout=TIMEOUT_SECONDS,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in GONE:
                gone.append(device.pk)
                continue
            result.errors.append(f"push {status or 'error'}: {exc.message}"[:200])
        except requests.RequestException as exc:
            result.errors.append(f"push: {type(exc).__name__}"[:200])
        else:
            delivered.append(device.pk)
    if delivered:
        PushSubscription.objects.filter(pk__in=delivered).update(last_sent_at=timezone.now())
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
        log.info("dropped %d push subscriptions the push service no longer knows", len(gone))
    result.sent, result.gone = len(delivered), len(gone)
    return result


def check_vapid_key(**kwargs: Any) -> list[CheckMessage]:
    """A system check (``manage.py check``, and every start): a VAPID key that is set must be
    one, or every push would fail at send time."""
    if not configured():
        return []
    try:
        public_key()
    except (ValueError, binascii.Error, TypeError) as exc:
        return [
            Error(
                f"VAPID_PRIVATE_KEY is not a P-256 private key ({type(exc).__name__}).",
                hint="Make one with `manage.py push_key`, or leave it empty for no Web Push.",
                id="coaching.E001",
            )
        ]
    return []
