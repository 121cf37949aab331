"""Data rights: a client's data as one document (export), and erasing or anonymising a client.
Flags and what else other apps keep about a client come through ``coaching.hooks``."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from coaching import hooks
from coaching.accounts.selectors import clients_for, profile_of
from coaching.models import (
    CheckIn,
    Client,
    Invitation,
    Message,
    PushSubscription,
    Reminder,
    ReminderPreferences,
    Session,
)
from coaching.outcomes.selectors import client_answers_export
from coaching.programs.models import DOSE_FIELDS
from coaching.reminders.services import PREFERENCE_FIELDS
from coaching.shared.selectors import Actor


def _may_manage_data(actor: Actor, client: Client) -> bool:
    """The practice's admin (or a superuser) erases or anonymises a client."""
    if actor.is_authenticated and actor.is_superuser:
        return True
    trainer = profile_of(actor).trainer
    return (
        trainer is not None
        and trainer.is_practice_admin
        and trainer.practice_id == client.practice_id
    )


def client_export(*, actor: Actor, client: Client) -> dict[str, Any]:
    """Everything recorded about a client, as JSON-ready data: who they are, their trainer's
    notes, every program and prescription (ended ones too), every session with its entries and
    sets, every check-in, every flag the review raised about them, and their signed-in devices.
    For the client themself, and for the trainers who may see them."""
    own = profile_of(actor).client
    if not (
        (own is not None and own.pk == client.pk)
        or clients_for(actor).filter(pk=client.pk).exists()
    ):
        raise PermissionDenied("Not your data.")
    from knox.models import AuthToken

    user = client.user
    programs = []
    for program in client.programs.order_by("starts_on", "pk").prefetch_related(
        "prescriptions__exercise"
    ):
        programs.append(
            {
                "id": program.pk,
                "name": program.name,
                "status": program.status,
                "starts_on": program.starts_on,
                "ended_on": program.ended_on,
                "sessions_per_week": program.sessions_per_week,
                "prescriptions": [
                    {
                        "id": rx.pk,
                        "exercise": rx.exercise.slug,
                        "dose": rx.dose(),
                        **{f: getattr(rx, f) for f in DOSE_FIELDS},
                        "started_at": rx.started_at,
                        "ended_at": rx.ended_at,
                        "replaces": rx.replaces_id,
                    }
                    for rx in program.prescriptions.all()
                ],
            }
        )
    sessions = []
    for session in (
        Session.objects.filter(client=client)
        .order_by("performed_at", "pk")
        .prefetch_related("entries__sets", "entries__prescription__exercise")
    ):
        sessions.append(
            {
                "id": session.pk,
                "performed_at": session.performed_at,
                "logged_at": session.created_at,
                "pain_before": session.pain_before,
                "pain_after": session.pain_after,
                "symptoms": session.symptoms,
                "notes": session.notes,
                "review_state": session.review_state,
                "entries": [
                    {
                        "prescription": entry.prescription_id,
                        "exercise": entry.prescription.exercise.slug,
                        "pain_during": entry.pain_during,
                        "pain_location": entry.pain_location,
                        "pain_quality": entry.pain_quality,
                        "sets": [
                            {"reps": s.reps, "load_kg": s.load_kg, "rpe": s.rpe}
                            for s in entry.sets.all()
                        ],
                    }
                    for entry in session.entries.all()
                ],
            }
        )
    return {
        "exported_at": timezone.now(),
        "person": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "joined": user.date_joined,
            "last_login": user.last_login,
        },
        "practice": client.practice.name,
        "trainer": str(client.trainer.user),
        "trainer_notes": client.notes,
        "programs": programs,
        "sessions": sessions,
        "check_ins": _rows(
            CheckIn.objects.filter(client=client),
            ("date", "pk"),
            "id",
            "date",
            "pain",
            "stiffness",
            "symptoms",
            "review_state",
            "created_at",
        ),
        "questionnaire_responses": client_answers_export(client),
        # what the apps above keep about the client (triage's flags), through their hooks
        **{data.key: data.export(client) for data in hooks.client_data()},
        "devices": _rows(AuthToken.objects.filter(user=user), ("created",), "created", "expiry"),
        "reminder_preferences": _rows(
            ReminderPreferences.objects.filter(client=client), (), *PREFERENCE_FIELDS
        ),
        "reminders": _rows(
            Reminder.objects.filter(client=client),
            ("day", "kind"),
            "day",
            "kind",
            "status",
            "sent_at",
        ),
        "messages": _rows(
            Message.objects.filter(client=client),
            ("created_at", "pk"),
            "created_at",
            "author_name",
            "from_client",
            "body",
            "session_id",
            "flag_id",
        ),
        "push_devices": _rows(
            PushSubscription.objects.filter(client=client),
            ("created_at", "pk"),
            "endpoint",
            "user_agent",
            "created_at",
            "last_sent_at",
        ),
        "invitations": _rows(
            Invitation.objects.filter(user=user),
            ("created_at", "pk"),
            "sent_to",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ),
    }


def _rows(rows: QuerySet[Any], order: tuple[str, ...], *fields: str) -> list[dict[str, Any]]:
    """An export's list: the rows' ``fields``, in ``order``."""
    return list(rows.order_by(*order).values(*fields))


ERASE, ANONYMISE = "erase", "anonymise"


@transaction.atomic
def client_erase(*, actor: Actor, client: Client, mode: str) -> dict[str, int]:
    """Remove a client for good (``erase``: the person and every record about them), or keep
    the clinical records without the person (``anonymise``: no name, email, username, password,
    notes, devices or login records; the logs and flags stay, for the practice's own records).
    Practice admins (and superusers) only. Returns what was removed, by kind."""
    from axes.models import AccessAttempt, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from knox.models import AuthToken

    if mode not in (ERASE, ANONYMISE):
        raise ValidationError({"mode": f"Either {ERASE!r} or {ANONYMISE!r}."})
    if not clients_for(actor).filter(pk=client.pk).exists() or not _may_manage_data(actor, client):
        raise PermissionDenied("Only the practice admin erases or anonymises a client.")
    user = client.user
    removed: dict[str, int] = {
        "devices": AuthToken.objects.filter(user=user).delete()[0],
        "invitations": Invitation.objects.filter(user=user).delete()[0],
        "push_devices": PushSubscription.objects.filter(client=client).delete()[0],
        # free text about the person, in both modes (the clinical records are the logs)
        "messages": Message.objects.filter(client=client).delete()[0],
        "login_records": AccessAttempt.objects.filter(username=user.username).delete()[0]
        + AccessLog.objects.filter(username=user.username).delete()[0],
    }
    history = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Client), object_id=str(client.pk)
    )
    if mode == ERASE:
        removed["admin_history"] = history.delete()[0]
        removed["sessions"] = Session.objects.filter(client=client).count()
        removed["check_ins"] = CheckIn.objects.filter(client=client).count()
        removed["questionnaire_responses"] = client.questionnaire_responses.count()
        removed["programs"] = client.programs.count()
        for data in hooks.client_data():  # triage's flags: the client's row cascades to them
            removed[data.key] = data.count(client)
        Session.objects.filter(client=client).delete()  # entries protect prescriptions: first
        user.delete()  # the client, programs, prescriptions, check-ins and flags cascade
        removed["people"] = 1
        return removed
    removed["admin_history"] = history.update(object_repr=f"anonymised client {client.pk}")
    removed["session_notes"] = (
        Session.objects.filter(client=client).exclude(notes="").update(notes="")
    )
    user.username = f"anonymised-{client.pk}-{uuid.uuid4().hex[:8]}"
    user.first_name = user.last_name = user.email = ""
    user.last_login = None
    user.is_active = False
    user.set_unusable_password()
    user.save()
    client.notes = ""
    client.save(update_fields=["notes", "updated_at"])
    removed["people"] = 0
    return removed
