"""What every selector of the coaching packages shares: who may ask (``Actor``) and the one way a
detail read turns "not yours or not there" into a 404 (``one_or_404``)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from coaching.models import (
    User,
)

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
