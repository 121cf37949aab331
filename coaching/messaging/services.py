"""Writes of the conversations: a message (by the client, or by someone of their care team), a
read mark, and the email that tells the other side (never the message itself: it only says who
wrote and where to read it)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coaching.accounts.selectors import profile_of
from coaching.messaging import selectors
from coaching.messaging.models import BODY_MAX
from coaching.models import Client, Message, ReminderPreferences, Session, ThreadRead, User
from coaching.reminders import push
from coaching.shared.selectors import Actor


def _name(user: Actor) -> str:
    full = user.get_full_name() if isinstance(user, User) else ""
    return full or user.get_username()


@transaction.atomic
def message_post(
    *,
    actor: Actor,
    client: Client,
    body: str,
    session: Session | None = None,
    flag_id: int | None = None,
) -> Message:
    """Add a message to ``client``'s conversation. Refused, with nothing written: someone outside
    the client's care team (``PermissionDenied``), an empty or too long message, a session of
    another client (``ValidationError`` naming the field). The author's thread is read up to
    their message; the other side is told by email once the message is committed."""
    if not actor.is_authenticated or not selectors.in_care_team(actor, client):
        raise PermissionDenied("Only the client and their care team write in this conversation.")
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": "Write a message first."})
    if len(text) > BODY_MAX:
        raise ValidationError({"body": f"At most {BODY_MAX} characters ({len(text)} written)."})
    if session is not None and session.client_id != client.pk:
        raise ValidationError({"session": "Not one of this client's sessions."})
    from_client = profile_of(actor).client is not None
    message = Message.objects.create(
        client=client,
        author_id=actor.pk,
        author_name=_name(actor),
        from_client=from_client,
        body=text,
        session=session,
        flag_id=flag_id,
    )
    _mark(actor, client, message.created_at)
    from coaching.messaging.tasks import notify_message

    transaction.on_commit(lambda: notify_message.delay(message.pk))
    return message


def thread_read(*, actor: Actor, client: Client, until: datetime | None = None) -> None:
    """The actor has read ``client``'s conversation (up to now, or ``until``)."""
    if not actor.is_authenticated or not selectors.in_care_team(actor, client):
        raise PermissionDenied("Not a conversation of yours.")
    _mark(actor, client, until or timezone.now())


def _mark(actor: Actor, client: Client, until: datetime) -> None:
    ThreadRead.objects.update_or_create(
        client=client, user_id=actor.pk or 0, defaults={"read_until": until}
    )


def notify(message_id: int) -> bool:
    """Tell the other side of a message: their trainer by email, or the client by email (unless
    they turned such emails off) and on their devices (if they chose notifications). Says who
    wrote and where to read, never what. Whether anything was sent."""
    message = (
        Message.objects.select_related("client__user", "client__trainer__user")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return False
    site = str(settings.SITE_URL).rstrip("/")
    client = message.client
    subject = f"{message.author_name} wrote to you"
    if message.from_client:
        link = site + reverse("admin:coaching_client_messages", args=[client.pk])
        text = (
            f"{message.author_name}, your client, wrote in your conversation.\n\nRead it: {link}\n"
        )
        return _email(client.trainer.user.email, subject, text)
    prefs = ReminderPreferences.objects.filter(client=client).first()
    text = (
        f"Hello {client.user.first_name or client.user.username},\n\n"
        f"{message.author_name} wrote to you. Read and answer: {site}"
        f"{reverse('messaging:thread')}\n\n"
        f"You can turn these emails off in your settings: {site}"
        f"{reverse('reminders:settings')}\n"
    )
    emailed = (prefs is None or prefs.message_email) and _email(client.user.email, subject, text)
    pushed = False
    if prefs is not None and prefs.push and push.configured():
        note = {"title": subject, "body": "Open your messages to read it.", "url": "/messages/"}
        pushed = push.push_send(push.devices_of(client), {**note, "tag": "message"}).sent > 0
    return bool(emailed or pushed)


def _email(to: str, subject: str, text: str) -> bool:
    if not to:
        return False
    send_mail(subject=subject, message=text, from_email=None, recipient_list=[to])
    return True
