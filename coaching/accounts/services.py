"""Writes of people: onboarding a trainer, creating and updating clients, and inviting them to
choose their own password. Keyword-only, typed, atomic; a refusal is a ``ValidationError`` with
field messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coaching.accounts.roles import PRACTICE_ADMINS_GROUP, TRAINERS_GROUP
from coaching.accounts.selectors import Profile, clients_for, profile_of, trainers_for
from coaching.models import (
    Client,
    Invitation,
    Practice,
    Trainer,
    User,
)
from coaching.shared.selectors import Actor
from coaching.shared.tokens import digest, new_token


def acting_trainer(actor: Actor) -> Trainer | None:
    """The actor's trainer profile; None for a superuser (who may act in any practice)."""
    if actor.is_authenticated and actor.is_superuser:
        return None
    trainer = profile_of(actor).trainer
    if trainer is None:
        raise PermissionDenied("Only trainers can do this.")
    return trainer


def _add_to_group(user: User, name: str) -> None:
    user.groups.add(Group.objects.get(name=name))


def _set_password(user: User, password: str | None) -> None:
    """The password chosen for the person, checked by ``AUTH_PASSWORD_VALIDATORS``; none (an
    unusable one) when they will choose it themselves through an invitation."""
    if password is None:
        user.set_unusable_password()
        return
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)


@transaction.atomic
def trainer_create(
    *,
    practice: Practice,
    username: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_practice_admin: bool = False,
) -> Trainer:
    """Onboard a trainer (or the practice's admin): staff access to the admin, their group.
    Without a password they choose their own through an invitation (``invitation_send``)."""
    UserModel = get_user_model()
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with that username already exists."})
    user = UserModel(
        username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True
    )
    _set_password(user, password)
    user.save()
    _add_to_group(user, TRAINERS_GROUP)
    if is_practice_admin:
        _add_to_group(user, PRACTICE_ADMINS_GROUP)
    return Trainer.objects.create(user=user, practice=practice, is_practice_admin=is_practice_admin)


@transaction.atomic
def trainer_add(
    *,
    actor: Actor,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    is_practice_admin: bool = False,
    practice: Practice | None = None,
) -> Trainer:
    """A practice admin adds a trainer to their practice (a superuser: to ``practice``), with no
    password: the trainer chooses it through an invitation (``invitation_send``)."""
    if actor.is_authenticated and actor.is_superuser:
        if practice is None:
            raise ValidationError({"practice": "Say which practice the trainer joins."})
    else:
        own = profile_of(actor).trainer
        if own is None or not own.is_practice_admin:
            raise PermissionDenied("Only the practice admin adds trainers.")
        if practice is not None and practice.pk != own.practice_id:
            raise ValidationError({"practice": "You add trainers to your own practice only."})
        practice = own.practice
    if not email:
        raise ValidationError({"email": "Give an email address to send the invitation to."})
    return trainer_create(
        practice=practice,
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_practice_admin=is_practice_admin,
    )


@transaction.atomic
def client_create(
    *,
    actor: Actor,
    username: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    trainer: Trainer | None = None,
    notes: str = "",
) -> Client:
    """A new client of the acting trainer (a practice admin may name another trainer of the
    practice). Without a password the client chooses their own through an invitation
    (``invitation_send``; the API and the admin send it at once)."""
    acting = acting_trainer(actor)
    if trainer is None:
        if acting is None:
            raise ValidationError({"trainer": "Say which trainer the client belongs to."})
        trainer = acting
    elif not trainers_for(actor).filter(pk=trainer.pk).exists():
        raise ValidationError({"trainer": "You cannot give clients to that trainer."})
    UserModel = get_user_model()
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with that username already exists."})
    user = UserModel(username=username, email=email, first_name=first_name, last_name=last_name)
    _set_password(user, password)
    user.save()
    return Client.objects.create(user=user, practice=trainer.practice, trainer=trainer, notes=notes)


@transaction.atomic
def client_update(
    *,
    actor: Actor,
    client: Client,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    notes: str | None = None,
    trainer: Trainer | None = None,
) -> Client:
    """Change a client's details. Only a practice admin (or a superuser) reassigns a client, and
    only to a trainer of the same practice."""
    if not clients_for(actor).filter(pk=client.pk).exists():
        raise PermissionDenied("Not your client.")
    user_changes = {
        name: value
        for name, value in (("first_name", first_name), ("last_name", last_name), ("email", email))
        if value is not None
    }
    for name, value in user_changes.items():
        setattr(client.user, name, value)
    if user_changes:
        client.user.save(update_fields=list(user_changes))
    client_fields = []
    if notes is not None:
        client.notes = notes
        client_fields.append("notes")
    if trainer is not None and trainer.pk != client.trainer_id:
        may_reassign = (actor.is_authenticated and actor.is_superuser) or profile_of(
            actor
        ).is_practice_admin
        if not may_reassign:
            raise ValidationError({"trainer": "Only the practice admin can reassign a client."})
        if (
            trainer.practice_id != client.practice_id
            or not trainers_for(actor).filter(pk=trainer.pk).exists()
        ):
            raise ValidationError({"trainer": "That trainer is not in the client's practice."})
        client.trainer = trainer
        client_fields.append("trainer")
    if client_fields or user_changes:  # the apps sync clients by updated_at (?since=)
        client.save(update_fields=[*client_fields, "updated_at"])
    return client


# --- invitations ------------------------------------------------------------------------------

log = logging.getLogger(__name__)


def invitation_url(token: str) -> str:
    """The link of an invitation: the site's address (``SITE_URL``) and the token."""
    return str(settings.SITE_URL).rstrip("/") + reverse("portal:invitation", args=[token])


@dataclass(frozen=True)
class Sent:
    """An invitation just made: the row, its link (shown once: only its digest is stored), and
    whether the email went out (if the mail server refused, the link still works: give it to
    the person another way, or resend)."""

    invitation: Invitation
    url: str
    emailed: bool


def _may_invite(actor: Actor, user: User) -> bool:
    """A client: whoever sees the client (their trainer, the practice admin, a superuser). A
    trainer: the practice admin of their practice, or a superuser (``trainers_for``)."""
    profile = profile_of(user)
    if profile.client is not None:
        return clients_for(actor).filter(pk=profile.client.pk).exists()
    if profile.trainer is not None and (
        (actor.is_authenticated and actor.is_superuser) or profile_of(actor).is_practice_admin
    ):
        return trainers_for(actor).filter(pk=profile.trainer.pk).exists()
    return False


def _locked(user: User) -> User:
    """The person's row, locked: two invitations for one person are made one after the other."""
    return get_user_model()._default_manager.select_for_update().get(pk=user.pk)


def _revoke_pending(user: User, now: datetime) -> int:
    return Invitation.objects.filter(
        user=user, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)


def invitation_send(*, actor: Actor, user: User) -> Sent:
    """Invite a client or a trainer to choose their password: a single-use link that expires
    after ``INVITATION_DAYS`` days, emailed to their address. A pending invitation is revoked
    first (a resend: only the newest link works). Refused for someone the actor may not invite
    (``PermissionDenied``), without an email address, deactivated, or who already has a
    password of their own."""
    with transaction.atomic():
        if not _may_invite(actor, user):
            raise PermissionDenied("You cannot invite this person.")
        profile = profile_of(user)  # (read by ``_may_invite``: no query)
        user = _locked(user)
        if not user.email:
            raise ValidationError({"email": "Add an email address to send the invitation to."})
        if not user.is_active:
            raise ValidationError("This account is deactivated.")
        if user.has_usable_password():
            raise ValidationError(
                "This person has chosen a password already: they sign in with it, or reset it "
                "from the sign-in page."
            )
        now = timezone.now()
        _revoke_pending(user, now)
        token, token_digest = new_token()
        invitation = Invitation.objects.create(
            user=user,
            token_digest=token_digest,
            sent_to=user.email,
            invited_by=actor if isinstance(actor, User) else None,
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        )
    url = invitation_url(token)
    return Sent(invitation, url, _email_invitation(invitation, url, profile))


def _email_invitation(invitation: Invitation, url: str, profile: Profile) -> bool:
    """Send the invitation's email (after its row is committed); False if the server refused."""
    user = invitation.user
    person = profile.trainer or profile.client
    context = {
        "user": user,
        "inviter": invitation.invited_by,
        "practice": person.practice if person else None,
        "is_trainer": profile.trainer is not None,
        "url": url,
        "expires_at": invitation.expires_at,
    }
    try:
        send_mail(
            render_to_string("portal/email/invitation_subject.txt", context).strip(),
            render_to_string("portal/email/invitation.txt", context),
            None,
            [invitation.sent_to],
        )
    except Exception:  # the invitation stands; the trainer sees that the email failed
        log.warning("invitation %s not emailed", invitation.pk, exc_info=True)
        return False
    return True


@transaction.atomic
def invitation_revoke(*, actor: Actor, user: User) -> int:
    """Revoke the person's pending invitation (its link stops working); how many were."""
    if not _may_invite(actor, user):
        raise PermissionDenied("You cannot invite this person.")
    return _revoke_pending(_locked(user), timezone.now())


class InvitationRefused(ValidationError):
    """A link that does not work, with the reason in the person's words (``status``: unknown,
    expired, accepted, revoked, or deactivated)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message, code=status)
        self.status = status


def invitation_check(token: str, *, now: datetime | None = None, lock: bool = False) -> Invitation:
    """The pending invitation of this link (``lock``: its row locked, inside a transaction), or
    ``InvitationRefused`` saying why not."""
    rows = Invitation.objects.select_related("user")
    if lock:
        rows = rows.select_for_update()
    invitation = rows.filter(token_digest=digest(token)).first() if token else None
    if invitation is None:
        raise InvitationRefused(
            "unknown",
            "This invitation link is not valid. Check that it was copied whole, or ask for a "
            "new invitation.",
        )
    status = invitation.status_at(now)
    if status == Invitation.Status.ACCEPTED:
        raise InvitationRefused(
            "accepted",
            "This invitation has been used already: sign in with the password you chose.",
        )
    if status == Invitation.Status.REVOKED:
        raise InvitationRefused(
            "revoked",
            "This invitation was withdrawn (a newer one may have been sent: use the latest "
            "email), or ask for a new one.",
        )
    if status == Invitation.Status.EXPIRED:
        raise InvitationRefused(
            "expired",
            f"This invitation expired on {timezone.localtime(invitation.expires_at):%-d %B %Y}. "
            "Ask for a new one.",
        )
    if not invitation.user.is_active:
        raise InvitationRefused("deactivated", "This account is deactivated.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """The person of a pending invitation chooses their password (``AUTH_PASSWORD_VALIDATORS``);
    the invitation is used up. A refused password leaves the invitation pending."""
    invitation = invitation_check(token, lock=True)  # a link is used once, even by two tabs
    user = _locked(invitation.user)
    _set_password(user, password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user
