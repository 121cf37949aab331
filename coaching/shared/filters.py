"""What the API filter sets of accounts, programs and journal share: the ``since`` help text and
the client picker limited to the viewer's clients."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.request import Request

from coaching.accounts.selectors import clients_for
from coaching.models import Client

SINCE_HELP = "Only rows changed after this time (ISO 8601), for syncing."


def visible_clients(request: Request | None) -> QuerySet[Client]:
    return clients_for(request.user) if request is not None else Client.objects.none()
