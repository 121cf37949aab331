"""What every selector of the coaching packages shares: who may ask (``Actor``) and the one way a
detail read turns "not yours or not there" into a 404 (``one_or_404``)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from coaching.models import (
    User,
)
from config.prepared import Prepared

Actor = User | AnonymousUser


M = TypeVar("M", bound=Model)


def one_or_404(rows: QuerySet[M], pk: object, what: str) -> M:
    """The row of ``rows`` with this primary key, or a 404 "No such {what}." — also for a
    malformed key, and for a row that exists but is not among ``rows`` (never a 403: we do not
    say that it exists). Every ``*_get``/``*_detail`` selector answers through this."""
    try:
        return rows.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No such {what}.") from exc


def row_or_404(read: Prepared, actor: Actor, pk: object, what: str) -> Any:
    """``one_or_404`` for a prepared ``(actor, pk)`` read (``config.prepared``): its one row, or
    the same 404 — also for a malformed or out-of-range key, as the ORM answers them."""
    try:
        key = int(pk)  # type: ignore[call-overload]  # (as the ORM's integer lookup takes it)
    except (ValueError, TypeError) as exc:
        raise Http404(f"No such {what}.") from exc
    rows = read.rows(actor, key) if -(2**63) <= key < 2**63 else []
    if len(rows) != 1:
        raise Http404(f"No such {what}.")
    return rows[0]
