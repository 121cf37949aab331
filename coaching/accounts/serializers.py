"""Serializers of people: the trainer's clients (create, update, read) and the row pickers that
limit a named trainer or client to the ones the viewer may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import QuerySet
from django.utils.functional import lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coaching.accounts.selectors import clients_for, trainers_for
from coaching.models import Client, Invitation, Trainer
from coaching.shared.selectors import Actor
from config.api.fields import DateTimeField
from config.api.rows import FromRows, writer


class VisibleRowField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up among the rows the requesting user may see."""

    def visible(self, actor: Actor) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        return self.visible(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class ClientField(VisibleRowField):
    def visible(self, actor: Actor) -> QuerySet[Client]:
        return clients_for(actor)


@extend_schema_field(OpenApiTypes.INT)
class TrainerField(VisibleRowField):
    def visible(self, actor: Actor) -> QuerySet[Trainer]:
        return trainers_for(actor)


def _password_min_length() -> password_validation.MinimumLengthValidator | None:
    """The ``MinimumLengthValidator`` of ``AUTH_PASSWORD_VALIDATORS``, which the service runs:
    the field declares its length, so that the schema says it too."""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            return validator
    return None


_PASSWORD_MIN = _password_min_length()


class ClientCreateInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        required=False,
        help_text="Leave it out (as the apps should): the client is emailed an invitation to "
        "choose their own password (`/clients/{id}/invite/`).",
        min_length=_PASSWORD_MIN.min_length if _PASSWORD_MIN else None,
        max_length=128,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        # the service's own words for a short password (the other checks stay the service's)
        error_messages={"min_length": lazy(_PASSWORD_MIN.get_error_message, str)()}
        if _PASSWORD_MIN
        else {},
    )
    trainer = TrainerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A practice admin may give the client to a trainer of the practice; "
        "by default the client is the creating trainer's.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class InvitationSerializer(serializers.Serializer):
    """A client's latest invitation to choose their password."""

    status = serializers.ChoiceField(choices=Invitation.Status.choices)
    sent_to = serializers.EmailField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class InvitationSentSerializer(InvitationSerializer):
    url = serializers.URLField(
        help_text="The link, shown only in this answer (the platform keeps only its digest): "
        "for a client who did not get the email, send it another way."
    )
    emailed = serializers.BooleanField(
        help_text="false when the mail server refused the email: the link still works."
    )


def invitation_data(invitation: Invitation) -> dict[str, Any]:
    return {
        "status": invitation.status_at(),
        "sent_to": invitation.sent_to,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
    }


class ClientUpdateInputSerializer(serializers.Serializer):
    """Every field optional; what is left out stays as it is."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    trainer = TrainerField(
        required=False,
        help_text="Reassign the client: practice admins only, to a trainer of the practice.",
    )


class ActiveProgramSerializer(FromRows):
    id = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()


class ClientSerializer(FromRows):
    """A client as their trainer sees them (from ``selectors.client_list``/``client_detail``)."""

    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(
        source="user.email",
        allow_blank=True,
        help_text="An email address, or empty: a client may have none (one added in the admin, "
        "or anonymised).",
    )
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    notes = serializers.CharField()
    trainer = serializers.IntegerField(source="trainer_id")
    trainer_name = serializers.CharField(source="trainer.user", read_only=True)
    practice = serializers.IntegerField(source="practice_id")
    active_program = serializers.SerializerMethodField()
    last_session_at = DateTimeField(
        allow_null=True, help_text="When the client's most recent session was performed."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(ActiveProgramSerializer(allow_null=True))
    def get_active_program(self, client: Client) -> dict[str, Any] | None:
        programs = client.active_programs  # type: ignore[attr-defined]  # prefetched by client_list
        if not programs:
            return None
        if isinstance(programs[0], Mapping):  # a plain row (``as_client_rows``)
            return writer(ActiveProgramSerializer)(programs[0])
        return ActiveProgramSerializer(programs[0]).data
