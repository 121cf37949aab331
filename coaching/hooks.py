"""Where the apps above coaching plug into it. Coaching imports none of them (import-linter
checks it in ``make test``); they register here from their ``AppConfig.ready()``, as
``settings.EXERCISE_IN_USE_CHECKS`` lets coaching plug into the catalogue.

- **log saved**: called inside the transaction that stored a session or a check-in pending
  review (triage asks for a review once it commits).
- **client data**: what another app keeps about a client, for the data export and the erase
  report (triage's flags, which the client's row cascades to).
- **client columns**: columns another app adds to the trainers' client list in the admin
  (triage's open flags), with what they annotate on the list's queryset.
- **client filters**: list filters another app adds to that list (triage's ``?caseload=…``, the
  clients behind each number of the trainers' dashboard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LogSaved = Callable[[int], None]


@dataclass(frozen=True)
class ClientData:
    """One kind of record another app keeps about a client: ``key`` names it in the export and
    the erase report; ``export`` lists the client's records as plain dicts; ``count`` counts
    them."""

    key: str
    export: Callable[[Any], list[dict[str, Any]]]
    count: Callable[[Any], int]


@dataclass(frozen=True)
class ClientColumn:
    """A column of the admin's client list: ``annotate`` adds what it shows to the list's
    queryset (so a page costs the same queries however long it is); ``display`` shows one
    client's value (a function decorated with ``admin.display``, as in ``list_display``)."""

    annotate: Callable[[Any], Any]
    display: Callable[[Any], str]


_log_saved: list[LogSaved] = []
_client_data: dict[str, ClientData] = {}
_client_columns: list[ClientColumn] = []
_client_filters: list[type] = []


def on_log_saved(hook: LogSaved) -> None:
    """Register ``hook(client_id)``; registering the same hook twice keeps one."""
    if hook not in _log_saved:
        _log_saved.append(hook)


def log_saved(*, client_id: int) -> None:
    """Announce a stored log of the client (in the saving transaction)."""
    for hook in _log_saved:
        hook(client_id)


def register_client_data(provider: ClientData) -> None:
    _client_data[provider.key] = provider


def client_data() -> tuple[ClientData, ...]:
    return tuple(_client_data.values())


def add_client_column(column: ClientColumn) -> None:
    """Register a column of the client list; registering the same column twice keeps one."""
    if column not in _client_columns:
        _client_columns.append(column)


def client_columns() -> tuple[ClientColumn, ...]:
    return tuple(_client_columns)


def add_client_filter(list_filter: type) -> None:
    """Register a list filter (a ``SimpleListFilter`` class) of the client list; registering the
    same one twice keeps one."""
    if list_filter not in _client_filters:
        _client_filters.append(list_filter)


def client_filters() -> tuple[type, ...]:
    return tuple(_client_filters)
