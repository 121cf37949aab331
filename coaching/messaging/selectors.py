"""Reads of the conversations: whose thread someone may read or write to (the one rule: the client
themself, and whoever sees the client — ``accounts.selectors.client_scope``), the messages of a
thread, and how many are unread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from coaching.accounts.selectors import client_scope, profile_of
from coaching.models import Client, Message, ThreadRead
from coaching.shared.selectors import Actor


def thread_clients(actor: Actor) -> QuerySet[Client]:
    """The clients whose conversation ``actor`` takes part in: a client their own, a trainer
    their clients, a practice admin the practice's, a superuser every one."""
    profile = profile_of(actor) if actor.is_authenticated else None
    if profile is not None and profile.client is not None:
        return Client.objects.filter(pk=profile.client.pk)
    return Client.objects.filter(client_scope(actor))


def in_care_team(actor: Actor, client: Client) -> bool:
    return thread_clients(actor).filter(pk=client.pk).exists()


def thread(client: Client) -> QuerySet[Message]:
    """The client's conversation, oldest first."""
    return Message.objects.filter(client=client).select_related("session")


def unread_counts(actor: Actor, client_ids: Sequence[int]) -> dict[int, int]:
    """How many messages of each of these threads the actor has not read: those written by the
    other side (by the care team for a client, by the client for the team) after their read mark.
    One query, whatever the number of threads."""
    mine = profile_of(actor).client is not None
    mark = ThreadRead.objects.filter(client_id=OuterRef("client_id"), user_id=actor.pk or 0).values(
        "read_until"
    )
    rows = (
        Message.objects.filter(client_id__in=list(client_ids), from_client=not mine)
        .annotate(mark=Subquery(mark))
        .filter(Q(mark__isnull=True) | Q(created_at__gt=F("mark")))
        .values("client_id")
        .annotate(n=Count("pk"))
        .values_list("client_id", "n")
    )
    return dict(rows)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def with_unread(clients: QuerySet[Client], actor: Actor) -> QuerySet[Client]:
    """Clients with ``_unread``: how many of their messages the actor (of their care team) has
    not read — in the same query, for the admin's client list."""
    mark = ThreadRead.objects.filter(client_id=OuterRef(OuterRef("pk")), user_id=actor.pk or 0)
    unread = (
        Message.objects.filter(
            client_id=OuterRef("pk"),
            from_client=True,
            created_at__gt=Coalesce(Subquery(mark.values("read_until")[:1]), Value(EPOCH)),
        )
        .order_by()
        .values("client_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return clients.annotate(_unread=Coalesce(Subquery(unread), 0))
