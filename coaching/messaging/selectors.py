"""Reads of the conversations: whose thread someone may read or write to (the one rule: the client
themself, and whoever sees the client — ``accounts.selectors.client_scope``), the messages of a
thread, and how many are unread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from coaching.accounts.selectors import client_scope, prepared, profile_of
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
    """How many messages of each of these threads the actor has not read (``with_unread``'s
    rule), one query whatever the number of threads."""
    return dict(_UNREAD.rows(actor, list(client_ids)))


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _unread_of(actor: Actor, ids: list[int]) -> QuerySet[Any]:
    clients: QuerySet[Any] = with_unread(Client.objects.filter(pk__in=ids), actor)
    return clients.values_list("pk", "_unread")


_UNREAD = prepared(_unread_of, constants=(EPOCH,))  # (no read mark: everything is unread)


def with_unread(clients: QuerySet[Client], actor: Actor) -> QuerySet[Client]:
    """Clients with ``_unread``: how many messages of their thread the actor has not read —
    those the other side wrote (the care team for a client, the client for the team) after the
    actor's read mark — in the same query (the admin's client list, Today)."""
    from_client = profile_of(actor).client is None  # the team reads what the client wrote
    mark = ThreadRead.objects.filter(client_id=OuterRef(OuterRef("pk")), user_id=actor.pk or 0)
    unread = (
        Message.objects.filter(
            client_id=OuterRef("pk"),
            from_client=from_client,
            created_at__gt=Coalesce(Subquery(mark.values("read_until")[:1]), Value(EPOCH)),
        )
        .order_by()
        .values("client_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return clients.annotate(_unread=Coalesce(Subquery(unread), 0))
