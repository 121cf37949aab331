"""Messages between a client and their care team: who may read and write a conversation (the
one scoping rule, as a table), comments on a session, notes on a flag decision, unread counts,
the email that tells the other side (never the message itself), the portal page, the admin page,
bad input refused with nothing written, and the data export and erasure."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from coaching.messaging import selectors, services
from coaching.models import Message, ReminderPreferences
from coaching.privacy.services import client_erase, client_export
from coaching.tests.helpers import api
from triage.models import Flag

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/messages/"


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


def theirs(world: Any, name: str = "client_a") -> str:
    return f"/api/v1/clients/{getattr(world, name).pk}/messages/"


def user(world: Any, actor: str) -> Any:
    who = getattr(world, actor)
    return who if actor == "editor" else who.user


# who may write in client A's conversation (the service), and the API's answer to
# GET and POST /api/v1/clients/{A}/messages/ (clients use /me/messages/ instead)
SCOPE = {
    #             service  API
    "client_a":   (True,  404),
    "client_b":   (False, 404),
    "trainer_a":  (True,  201),
    "trainer_b":  (False, 404),  # a colleague: not client A's trainer
    "admin":      (True,  201),  # the practice admin sees the practice's clients
    "trainer_c":  (False, 404),
    "editor":     (False, 404),
}  # fmt: skip


@pytest.mark.parametrize("actor", SCOPE)
def test_who_writes_in_client_as_conversation(world, actor):
    may, status = SCOPE[actor]
    if may:
        message = services.message_post(actor=user(world, actor), client=world.client_a, body="Hi")
        assert message.from_client == (actor == "client_a")
    else:
        with pytest.raises(PermissionDenied):
            services.message_post(actor=user(world, actor), client=world.client_a, body="Hi")
    response = api(user(world, actor)).post(theirs(world), {"body": "Hello"}, format="json")
    assert response.status_code == status
    listed = api(user(world, actor)).get(theirs(world))
    assert listed.status_code == (200 if status == 201 else 404)
    assert Message.objects.count() == int(may) + int(status == 201)


def test_a_conversation_both_ways_with_unread_counts_and_emails(
    world, django_capture_on_commit_callbacks
):
    phone, desk = api(world.client_a.user), api(world.trainer_a.user)
    with django_capture_on_commit_callbacks() as sent:
        asked = phone.post(
            MINE,
            {"body": "Knees hurt on the last set", "session": world.session_a.pk},
            format="json",
        )
    assert asked.status_code == 201
    assert asked.json()["session"] == world.session_a.pk
    assert asked.json()["from_client"] is True
    assert len(sent) == 1  # the email is a task, enqueued once the message is committed

    assert desk.get(f"{theirs(world)}read/").json() == {"unread": 1}
    (shown,) = desk.get(theirs(world)).json()["results"]
    assert (shown["body"], shown["author"]) == (
        "Knees hurt on the last set",
        str(world.client_a.user.get_full_name()),
    )
    assert desk.post(f"{theirs(world)}read/").status_code == 204
    assert desk.get(f"{theirs(world)}read/").json() == {"unread": 0}

    answered = desk.post(theirs(world), {"body": "Drop to bent-knee for now"}, format="json")
    assert answered.status_code == 201
    assert phone.get(f"{MINE}read/").json() == {"unread": 1}
    newest, oldest = (m["body"] for m in phone.get(MINE).json()["results"])
    assert (newest, oldest) == ("Drop to bent-knee for now", "Knees hurt on the last set")
    assert selectors.unread_counts(world.client_a.user, [world.client_a.pk]) == {
        world.client_a.pk: 1
    }

    # the emails say who wrote and where, never what
    assert services.notify(asked.json()["id"])
    assert services.notify(answered.json()["id"])
    to_trainer, to_client = mail.outbox
    assert to_trainer.to == [world.trainer_a.user.email]
    assert to_client.to == [world.client_a.user.email]
    assert "/messages/" in to_client.body
    assert "Knees" not in to_trainer.body + to_trainer.subject
    assert "bent-knee" not in to_client.body + to_client.subject


def test_a_client_who_turned_the_emails_off_gets_none(world):
    ReminderPreferences.objects.create(client=world.client_a, message_email=False)
    message = services.message_post(actor=world.trainer_a.user, client=world.client_a, body="Hi")
    assert services.notify(message.pk) is False
    assert not mail.outbox


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 2001}, "body"),
        ({}, "body"),
        ({"body": "About theirs", "session": "SESSION_B"}, "session"),
        ({"body": "About nothing", "session": 99999999}, "session"),
    ],
)
def test_bad_messages_are_a_400_naming_the_field_and_store_nothing(world, body, field):
    if body.get("session") == "SESSION_B":
        body = {**body, "session": world.session_b.pk}  # another client's session
    response = api(world.client_a.user).post(MINE, body, format="json")
    assert response.status_code == 400
    assert field in {e["attr"] for e in response.json()["errors"]}
    assert not Message.objects.exists()


def test_the_service_refuses_what_the_api_would(world):
    with pytest.raises(ValidationError) as refused:
        services.message_post(
            actor=world.trainer_a.user, client=world.client_a, body="x", session=world.session_b
        )
    assert "session" in refused.value.message_dict
    assert not Message.objects.exists()


# --- a note with a flag decision ------------------------------------------------------------------


def test_dismissing_with_a_note_tells_the_client_in_the_same_step(world):
    response = api(world.trainer_a.user).post(
        f"/api/v1/flags/{world.flag_a.pk}/dismiss/",
        {"reason": "Expected after a long walk", "note": "Keep going as you are."},
        format="json",
    )
    assert response.status_code == 200
    (note,) = Message.objects.filter(client=world.client_a)
    assert (note.flag_id, note.body, note.from_client) == (
        world.flag_a.pk,
        "Keep going as you are.",
        False,
    )


def test_a_note_too_long_refuses_the_decision_too(world):
    response = api(world.trainer_a.user).post(
        f"/api/v1/flags/{world.flag_a.pk}/dismiss/",
        {"reason": "Fine", "note": "x" * 2001},
        format="json",
    )
    assert response.status_code == 400
    assert "note" in {e["attr"] for e in response.json()["errors"]}
    assert Flag.objects.get(pk=world.flag_a.pk).status == "open"
    assert not Message.objects.exists()


# --- the portal and the admin -----------------------------------------------------------------


def test_the_portal_page_shows_the_conversation_and_sends(client, world):
    services.message_post(actor=world.trainer_a.user, client=world.client_a, body="How was today?")
    client.force_login(world.client_a.user)
    page = client.get(reverse("messaging:thread")).content.decode()
    assert "How was today?" in page
    assert "1 new message" in page
    assert "new message" not in client.get(reverse("messaging:thread")).content.decode()  # read

    sent = client.post(
        reverse("messaging:thread"), {"body": "Fine, thanks", "session": world.session_a.pk}
    )
    assert sent.status_code == 302
    assert Message.objects.filter(
        client=world.client_a, from_client=True, session=world.session_a
    ).exists()

    refused = client.post(reverse("messaging:thread"), {"body": "  "})
    assert refused.status_code == 200
    assert "Write a message first." in refused.content.decode()
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    ("actor", "status"),
    [("trainer_a", 200), ("admin", 200), ("trainer_b", 404), ("trainer_c", 404)],
)
def test_the_admin_page_is_the_care_teams(client, world, actor, status):
    client.force_login(user(world, actor))
    url = reverse("admin:coaching_client_messages", args=[world.client_a.pk])
    assert client.get(url).status_code == status
    posted = client.post(url, {"body": "See you Thursday"})
    assert posted.status_code == (302 if status == 200 else 404)
    assert Message.objects.filter(body="See you Thursday").count() == int(status == 200)


# --- data rights ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["erase", "anonymise"])
def test_messages_are_in_the_export_and_go_with_erasure(world, mode):
    services.message_post(actor=world.client_a.user, client=world.client_a, body="A question")
    document = client_export(actor=world.trainer_a.user, client=world.client_a)
    assert [m["body"] for m in document["messages"]] == ["A question"]
    removed = client_erase(actor=world.admin.user, client=world.client_a, mode=mode)
    assert removed["messages"] == 1
    assert not Message.objects.exists()


def test_the_admins_flag_page_sends_a_note_with_the_decision(client, world):
    client.force_login(world.trainer_a.user)
    page = client.get(reverse("admin:triage_flag_change", args=[world.flag_a.pk])).content.decode()
    assert reverse("admin:coaching_client_messages", args=[world.client_a.pk]) in page
    assert "Note to the client" in page
    client.post(
        reverse("admin:triage_flag_act", args=[world.flag_a.pk, "dismiss"]),
        {"dismiss-reason": "Seen in clinic", "dismiss-note": "All good: carry on as planned."},
    )
    assert Flag.objects.get(pk=world.flag_a.pk).status == "dismissed"
    (note,) = Message.objects.filter(client=world.client_a)
    assert (note.flag_id, note.body) == (world.flag_a.pk, "All good: carry on as planned.")


def test_the_admins_client_list_counts_each_ones_unread_messages(client, world):
    services.message_post(actor=world.client_a.user, client=world.client_a, body="One")
    services.message_post(actor=world.client_a.user, client=world.client_a, body="Two")
    services.message_post(actor=world.client_b.user, client=world.client_b, body="Other")
    client.force_login(world.trainer_a.user)
    page = client.get(reverse("admin:coaching_client_changelist")).content.decode()
    assert "2 new" in page
    assert "Other" not in page

    services.thread_read(actor=world.trainer_a.user, client=world.client_a)
    page = client.get(reverse("admin:coaching_client_changelist")).content.decode()
    assert "2 new" not in page
    # the practice admin has read nothing: both clients' messages are new to them
    client.force_login(world.admin.user)
    page = client.get(reverse("admin:coaching_client_changelist")).content.decode()
    assert "2 new" in page
    assert "1 new" in page


def test_today_points_the_client_to_new_messages(client, world):
    client.force_login(world.client_a.user)
    assert "new message" not in client.get(reverse("portal:home")).content.decode()
    services.message_post(actor=world.trainer_a.user, client=world.client_a, body="Hello")
    assert (
        "1 new message from your care team" in client.get(reverse("portal:home")).content.decode()
    )


def test_a_client_who_chose_notifications_gets_one_without_the_text(world, settings):
    from coaching.reminders import push
    from coaching.reminders.tests.test_push import Device, PushService

    service = PushService()
    try:
        settings.VAPID_PRIVATE_KEY = push.generate_private_key()
        device = Device(f"{service.url}/push/phone")
        subscription = device.subscription()
        push.subscribe(
            client=world.client_a,
            endpoint=subscription["endpoint"],
            p256dh=subscription["keys"]["p256dh"],
            auth=subscription["keys"]["auth"],
        )
        ReminderPreferences.objects.create(client=world.client_a, push=True, message_email=False)
        message = services.message_post(
            actor=world.trainer_a.user, client=world.client_a, body="Private details"
        )

        assert services.notify(message.pk) is True
        assert not mail.outbox  # emails off
        ((_, _, body),) = service.received
        shown = device.read(body)
        assert shown["url"] == "/messages/"
        assert "wrote to you" in shown["title"]
        assert "Private details" not in str(shown)
    finally:
        service.server.shutdown()
        service.server.server_close()
