"""Reads of what clients logged, for the person asking: a client their own records, a trainer
their clients' records; and the prescriptions a client may log against."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from coaching.accounts.selectors import clients_for, profile_of
from coaching.models import (
    CheckIn,
    Entry,
    Prescription,
    Session,
    Set,
)
from coaching.shared.admin import M
from coaching.shared.selectors import Actor, one_or_404


def client_records(actor: Actor, qs: QuerySet[M]) -> QuerySet[M]:
    """A client's own records; a trainer's clients' (a practice admin: the practice's)."""
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.client:
        return qs.filter(client=profile.client)
    if profile.trainer:
        return qs.filter(client__in=clients_for(actor).values("pk"))
    return qs.none()


def sessions_for(actor: Actor) -> QuerySet[Session]:
    """Sessions the actor may see, each with its entries, their sets and exercises: a constant
    number of queries (sessions, entries with prescriptions and exercises, sets)."""
    # ordered by their own columns: the models' default orderings would join the parent rows
    entries = (
        Entry.objects.select_related("prescription__exercise")
        .prefetch_related(Prefetch("sets", queryset=Set.objects.order_by("number")))
        .order_by("order", "id")
    )
    return client_records(
        actor, Session.objects.prefetch_related(Prefetch("entries", queryset=entries))
    )


def session_get(actor: Actor, pk: object) -> Session:
    return one_or_404(sessions_for(actor), pk, "session")


def check_ins_for(actor: Actor) -> QuerySet[CheckIn]:
    return client_records(actor, CheckIn.objects.all())


def check_in_get(actor: Actor, pk: object) -> CheckIn:
    return one_or_404(check_ins_for(actor), pk, "check-in")


def loggable_prescriptions(actor: Actor) -> QuerySet[Prescription]:
    """The prescriptions a client may name in a session: their own (the service then refuses
    one of an ended program, or one replaced before the session, with the reason)."""
    client = profile_of(actor).client
    if client is None:
        return Prescription.objects.none()
    return Prescription.objects.select_related("program", "exercise").filter(program__client=client)
