"""Invitations: a trainer invites a client (API, admin), a practice admin invites a trainer; the
person opens the link, chooses a password and is signed in. Links that no longer work say why;
bad input is refused with nothing written; only the people who see a client may invite them."""

from __future__ import annotations

import re
from datetime import timedelta
from smtplib import SMTPException
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coaching.accounts import services
from coaching.accounts.services import InvitationRefused, invitation_send
from coaching.models import Client, Invitation, Trainer, User
from coaching.privacy.services import client_erase, client_export
from coaching.tests.admin_support import CLIENTS, errors_of, messages_of, sign_in, snapshot
from coaching.tests.factories import ClientFactory
from coaching.tests.helpers import CLIENTS as API_CLIENTS
from coaching.tests.helpers import NEW_PASSWORD, api, attrs, new_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


LINK = re.compile(r"https?://\S+/invitation/(?P<token>[\w-]+)/")


def invited(w: Any, *, actor: str = "trainer_a", **client: Any) -> tuple[Client, str]:
    """A new client of trainer A without a password, invited by ``actor``; the link's token."""
    person = ClientFactory(trainer=w.trainer_a, user__password="!", **client)
    sent = invitation_send(actor=getattr(w, actor).user, user=person.user)
    return person, LINK.search(sent.url)["token"]  # type: ignore[index]


def link(token: str) -> str:
    return reverse("portal:invitation", args=[token])


def choose(browser: Any, token: str, one: str = NEW_PASSWORD, two: str | None = None) -> Any:
    return browser.post(link(token), {"new_password1": one, "new_password2": two or one})


# --- the link ------------------------------------------------------------------------------------


def test_the_email_carries_a_link_that_lets_the_client_choose_a_password_and_signs_them_in(
    client, w
):
    person, token = invited(w)

    (email,) = mail.outbox
    assert email.to == [person.user.email]
    assert LINK.search(email.body)["token"] == token  # type: ignore[index]
    assert person.user.username in email.body
    assert "Riverside Physio" in email.subject
    stored = Invitation.objects.get(user=person.user)
    assert token not in stored.token_digest  # only a digest is kept
    assert stored.expires_at - stored.created_at == timedelta(days=7)

    page = client.get(link(token))
    assert page.status_code == 200
    assert person.user.username in page.content.decode()

    response = choose(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert int(client.session[SESSION_KEY]) == person.user.pk
    user = User.objects.get(pk=person.user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(user=user).status_at() == Invitation.Status.ACCEPTED
    assert client.get(reverse("portal:home")).status_code == 200  # Today, signed in

    again = client.get(link(token))  # a link is used once
    assert again.status_code == 410
    assert "used already" in again.content.decode()


@pytest.mark.parametrize(
    ("one", "two", "message"),
    [
        ("short", None, "too short"),
        ("password123", None, "too common"),
        ("48151623421337", None, "entirely numeric"),
        (NEW_PASSWORD, "Something-Else-2031", "didn’t match"),
    ],
)
def test_a_refused_password_shows_why_and_leaves_the_invitation_pending(
    client, w, one, two, message
):
    person, token = invited(w)

    response = choose(client, token, one, two)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert SESSION_KEY not in client.session
    assert not User.objects.get(pk=person.user.pk).has_usable_password()
    assert Invitation.objects.get(user=person.user).status_at() == Invitation.Status.PENDING


def test_links_that_do_not_work_say_why(client, w):
    person, first = invited(w)
    _, second = invited(w)
    resent = invitation_send(actor=w.trainer_a.user, user=person.user)  # a resend
    newest = LINK.search(resent.url)["token"]  # type: ignore[index]
    Invitation.objects.filter(user__client__isnull=False).exclude(user=person.user).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    cases = {
        first: (410, "withdrawn"),  # the resend revoked it
        second: (410, "expired on"),
        "forged-token": (404, "not valid"),
    }
    for token, (status, words) in cases.items():
        page = client.get(link(token))
        assert page.status_code == status, token
        assert words in page.content.decode()
        assert choose(client, token).status_code == status  # posting does nothing either
    assert SESSION_KEY not in client.session
    assert Invitation.objects.filter(user=person.user, revoked_at__isnull=True).count() == 1
    assert client.get(link(newest)).status_code == 200  # only the newest link works


def test_a_deactivated_person_cannot_use_their_link(client, w):
    person, token = invited(w)
    User.objects.filter(pk=person.user.pk).update(is_active=False)

    assert client.get(link(token)).status_code == 410
    assert choose(client, token).status_code == 410
    assert not User.objects.get(pk=person.user.pk).has_usable_password()


def test_two_tabs_use_one_link_once(w):
    person, token = invited(w)
    services.invitation_accept(token=token, password=NEW_PASSWORD)

    with pytest.raises(InvitationRefused) as refused:
        services.invitation_accept(token=token, password="Another-Password-2031")
    assert refused.value.status == "accepted"
    assert User.objects.get(pk=person.user.pk).check_password(NEW_PASSWORD)


# --- who may invite whom, and what is refused -------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("trainer_a", "client_a", True),  # their client
        ("admin", "client_b", True),  # the practice's client
        ("trainer_b", "client_a", False),  # a colleague's client
        ("trainer_c", "client_a", False),  # another practice
        ("admin", "trainer_b", True),  # the practice admin invites trainers
        ("trainer_a", "trainer_b", False),  # a trainer does not
        ("admin", "trainer_c", False),  # nor anyone another practice's
    ],
)
def test_only_those_who_see_a_person_may_invite_them(w, actor, target, allowed):
    person = getattr(w, target).user
    User.objects.filter(pk=person.pk).update(password="!")
    person.refresh_from_db()
    if allowed:
        assert invitation_send(actor=getattr(w, actor).user, user=person).emailed
    else:
        with pytest.raises(services.PermissionDenied):
            invitation_send(actor=getattr(w, actor).user, user=person)
        with pytest.raises(services.PermissionDenied):
            services.invitation_revoke(actor=getattr(w, actor).user, user=person)
        assert not Invitation.objects.exists()
        assert not mail.outbox


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"email": ""}, "Add an email address"),
        ({"is_active": False}, "deactivated"),
        ({"password": None}, "chosen a password already"),  # the factory's usable password
    ],
)
def test_refused_invitations_write_nothing(w, change, words):
    person = w.client_a.user
    values = {"password": "!", **change}
    if values["password"] is None:
        values.pop("password")
    User.objects.filter(pk=person.pk).update(**values)
    person.refresh_from_db()

    with pytest.raises(services.ValidationError, match=words):
        invitation_send(actor=w.trainer_a.user, user=person)
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_mail_server_that_refuses_loses_no_invitation(w, monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise SMTPException("554 no")

    monkeypatch.setattr(services, "send_mail", refuse)
    person = ClientFactory(trainer=w.trainer_a, user__password="!")

    sent = invitation_send(actor=w.trainer_a.user, user=person.user)

    assert sent.emailed is False
    assert Invitation.objects.get(user=person.user).status_at() == Invitation.Status.PENDING
    assert services.invitation_check(LINK.search(sent.url)["token"])  # type: ignore[index]


# --- the API -----------------------------------------------------------------------------------


def test_a_client_created_through_the_api_without_a_password_is_invited(w):
    trainer = api(w.trainer_a.user)
    body = new_client()
    body.pop("password")

    created = trainer.post(API_CLIENTS, body, format="json")

    assert created.status_code == 201, created.json()
    user = User.objects.get(username="new_client")
    assert not user.has_usable_password()
    (email,) = mail.outbox
    assert email.to == ["new@example.com"]
    invite = f"{API_CLIENTS}{created.json()['id']}/invite/"
    status = trainer.get(invite)
    assert status.status_code == 200
    assert status.json()["status"] == "pending"
    assert status.json()["sent_to"] == "new@example.com"

    again = trainer.post(invite)
    assert again.status_code == 201
    assert again.json()["emailed"] is True
    assert LINK.search(again.json()["url"])
    assert len(mail.outbox) == 2
    assert Invitation.objects.filter(user=user, revoked_at__isnull=False).count() == 1

    assert trainer.delete(invite).status_code == 204
    assert trainer.get(invite).json()["status"] == "revoked"
    assert trainer.delete(invite).status_code == 404  # none pending


def test_a_client_created_with_a_password_is_not_invited(w):
    created = api(w.trainer_a.user).post(API_CLIENTS, new_client(), format="json")

    assert created.status_code == 201
    assert User.objects.get(username="new_client").check_password(NEW_PASSWORD)
    assert not mail.outbox
    invite = f"{API_CLIENTS}{created.json()['id']}/invite/"
    assert api(w.trainer_a.user).get(invite).status_code == 404  # never invited
    refused = api(w.trainer_a.user).post(invite)
    assert refused.status_code == 400
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("actor", "status"),
    [("trainer_b", 404), ("trainer_c", 404), ("client_a", 404), (None, 401)],
)
def test_the_invite_endpoint_is_the_clients_trainers_only(w, actor, status):
    user = getattr(w, actor).user if actor else None
    invite = f"{API_CLIENTS}{w.client_a.pk}/invite/"
    for method in ("get", "post", "delete"):
        assert getattr(api(user), method)(invite).status_code == status, method
    assert not Invitation.objects.exists()


def test_an_invitation_without_an_email_address_names_the_field(w):
    User.objects.filter(pk=w.client_a.user.pk).update(email="", password="!")

    response = api(w.trainer_a.user).post(f"{API_CLIENTS}{w.client_a.pk}/invite/")

    assert response.status_code == 400
    assert attrs(response) == {"email"}


# --- the admin ---------------------------------------------------------------------------------

CLIENT_ADD = reverse("admin:coaching_client_add")
TRAINER_ADD = reverse("admin:coaching_trainer_add")


def _client_add(**fields: Any) -> dict[str, Any]:
    return {
        "username": "newbie", "first_name": "Nia", "last_name": "Newman",
        "email": "nia@example.com", "password": "", "password_again": "", "notes": "", **fields,
    }  # fmt: skip


def test_a_trainer_adds_a_client_without_a_password_and_the_client_is_invited(client, w):
    sign_in(client, w, "trainer_a")

    response = client.post(CLIENT_ADD, _client_add(), follow=True)

    assert response.status_code == 200
    user = User.objects.get(username="newbie")
    assert not user.has_usable_password()
    assert Invitation.objects.get(user=user).sent_to == "nia@example.com"
    assert any("Invitation emailed to nia@example.com" in m for m in messages_of(response))
    assert len(mail.outbox) == 1
    listing = client.get(CLIENTS).content.decode()
    assert "invited" in listing


def test_a_client_without_password_nor_email_is_refused_with_nothing_written(client, w):
    sign_in(client, w, "trainer_a")
    before = snapshot()

    response = client.post(CLIENT_ADD, _client_add(email=""))

    assert "Give an email address to invite them" in errors_of(response)
    assert snapshot() == before
    assert not Invitation.objects.exists()


def test_the_invitation_page_sends_resends_and_withdraws(client, w):
    User.objects.filter(pk=w.client_a.user.pk).update(password="!")
    sign_in(client, w, "trainer_a")
    page = reverse("admin:coaching_client_invitation", args=[w.client_a.pk])
    change = client.get(reverse("admin:coaching_client_change", args=[w.client_a.pk]))
    assert page in change.content.decode()

    assert "Send an invitation" in client.get(page).content.decode()
    sent = client.post(page, {"send": "1"}, follow=True)
    assert any("Invitation emailed" in m for m in messages_of(sent))
    assert "Withdraw the pending invitation" in sent.content.decode()
    withdrawn = client.post(page, {"withdraw": "1"}, follow=True)
    assert any("was withdrawn" in m for m in messages_of(withdrawn))
    assert Invitation.objects.get(user=w.client_a.user).status_at() == Invitation.Status.REVOKED
    # another trainer's client: the admin's "does not exist" answer, nothing sent
    other = reverse("admin:coaching_client_invitation", args=[w.client_c.pk])
    assert client.post(other, {"send": "1"}).status_code == 302
    assert not Invitation.objects.filter(user=w.client_c.user).exists()


def test_the_list_action_invites_the_selected_clients(client, w):
    User.objects.filter(pk=w.client_a.user.pk).update(password="!")
    sign_in(client, w, "admin")
    response = client.post(
        CLIENTS,
        {"action": "send_invitations", "_selected_action": [w.client_a.pk, w.client_b.pk]},
        follow=True,
    )
    text = " ".join(messages_of(response))
    assert "Invitation emailed" in text  # client A has no password of their own yet
    assert "chosen a password already" in text  # client B has one
    assert Invitation.objects.filter(user=w.client_a.user).count() == 1
    assert not Invitation.objects.filter(user=w.client_b.user).exists()


def test_a_practice_admin_adds_a_trainer_who_accepts_and_reaches_the_admin(client, w):
    sign_in(client, w, "admin")

    response = client.post(
        TRAINER_ADD,
        {"username": "tina", "first_name": "Tina", "last_name": "Ng", "email": "tina@example.com"},
        follow=True,
    )

    assert response.status_code == 200
    trainer = Trainer.objects.get(user__username="tina")
    assert (trainer.practice, trainer.is_practice_admin) == (w.practice_a, False)
    (email,) = mail.outbox
    token = LINK.search(email.body)["token"]  # type: ignore[index]
    client.logout()
    accepted = choose(client, token)
    assert accepted["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(CLIENTS).status_code == 200  # a trainer's admin


@pytest.mark.parametrize("actor", ["trainer_a", "trainer_c"])
def test_a_trainer_does_not_add_trainers(client, w, actor):
    sign_in(client, w, actor)
    before = Trainer.objects.count()
    assert client.get(TRAINER_ADD).status_code == 403
    client.post(
        TRAINER_ADD, {"username": "x", "first_name": "X", "last_name": "Y", "email": "x@e.com"}
    )
    assert Trainer.objects.count() == before


# --- data rights ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["erase", "anonymise"])
def test_invitations_are_in_the_export_and_go_with_erasure(w, mode):
    person, _ = invited(w)
    document = client_export(actor=w.trainer_a.user, client=person)
    assert [i["sent_to"] for i in document["invitations"]] == [person.user.email]

    removed = client_erase(actor=w.admin.user, client=person, mode=mode)

    assert removed["invitations"] == 1
    assert not Invitation.objects.exists()
