"""Writes of people: onboarding a trainer, creating and updating clients. Keyword-only, typed,
atomic; a refusal is a ``ValidationError`` with field messages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from coaching.accounts.roles import PRACTICE_ADMINS_GROUP, TRAINERS_GROUP
from coaching.accounts.selectors import clients_for, profile_of, trainers_for
from coaching.models import (
    Client,
    Practice,
    Trainer,
    User,
)
from coaching.shared.selectors import Actor


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


@transaction.atomic
def trainer_create(
    *,
    practice: Practice,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_practice_admin: bool = False,
) -> Trainer:
    """Onboard a trainer (or the practice's admin): staff access to the admin, their group."""
    UserModel = get_user_model()
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "A user with that username already exists."})
    user = UserModel(
        username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    _add_to_group(user, TRAINERS_GROUP)
    if is_practice_admin:
        _add_to_group(user, PRACTICE_ADMINS_GROUP)
    return Trainer.objects.create(user=user, practice=practice, is_practice_admin=is_practice_admin)


@transaction.atomic
def client_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    trainer: Trainer | None = None,
    notes: str = "",
) -> Client:
    """A new client of the acting trainer (a practice admin may name another trainer of the
    practice)."""
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
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
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
