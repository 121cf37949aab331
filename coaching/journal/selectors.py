"""Reads of what clients logged, for the person asking: a client their own records, a trainer
their clients' records; and the prescriptions a client may log against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from coaching.accounts.selectors import client_scope, listing, prepared, profile_of
from coaching.models import (
    CheckIn,
    Entry,
    Prescription,
    Session,
    Set,
)
from coaching.shared.admin import M
from coaching.shared.selectors import Actor, one_or_404, row_or_404
from config.prepared import Family, Prepared, prefetched


def client_records(actor: Actor, qs: QuerySet[M]) -> QuerySet[M]:
    """A client's own records; a trainer's clients' (a practice admin: the practice's)."""
    if actor.is_authenticated and actor.is_superuser:
        return qs
    profile = profile_of(actor)
    if profile.client:
        return qs.filter(client=profile.client)
    if profile.trainer:
        return qs.filter(client_scope(actor, "client__"))
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


def latest_sessions(actor: Actor, count: int) -> list[Session]:
    """``sessions_for(actor)[:count]`` in three prepared queries (sessions, entries with their
    prescriptions' exercises, sets), each session's ``entries`` and each entry's ``sets`` given
    as ``prefetch_related`` leaves them."""
    sessions: list[Session] = _LATEST[count].rows(actor)
    entries: list[Entry] = _ENTRIES_OF.rows([s.pk for s in sessions]) if sessions else []
    sets = defaultdict(list)
    for found in _SETS_OF.rows([e.pk for e in entries]) if entries else []:
        sets[found.entry_id].append(found)
    by_session = defaultdict(list)
    for entry in entries:
        prefetched(entry, "sets", sets[entry.pk])
        by_session[entry.session_id].append(entry)
    for session in sessions:
        prefetched(session, "entries", by_session[session.pk])
    return sessions


_LATEST = Family(lambda count: prepared(lambda a: client_records(a, Session.objects.all())[:count]))
# (as ``sessions_for`` orders them: by their own columns)
_ENTRIES_OF = Prepared(
    lambda ids: (
        Entry.objects.filter(session_id__in=ids)
        .select_related("prescription__exercise")
        .order_by("order", "id")
    )
)
_SETS_OF = Prepared(lambda ids: Set.objects.filter(entry_id__in=ids).order_by("number"))


def session_get(actor: Actor, pk: object) -> Session:
    return one_or_404(sessions_for(actor), pk, "session")


# --- the API's reads, as plain rows (``config.api.rows``: the serializers' own fields) ----------

SESSION_COLUMNS = (
    "id", "client_id", "program_id", "performed_at", "pain_before", "pain_after", "symptoms",
    "notes", "review_state", "idempotency_key", "created_at", "updated_at",
)  # fmt: skip
ENTRY_COLUMNS = ("id", "prescription_id", "pain_during", "pain_location", "pain_quality")
SET_COLUMNS = ("number", "reps", "load_kg", "rpe")


def session_rows(actor: Actor) -> QuerySet[Any]:
    """The sessions the actor may see (the one rule: ``client_records``) as plain rows, newest
    first; ``with_entries`` adds their entries and sets to a page of them."""
    rows: QuerySet[Any] = client_records(actor, Session.objects.all()).values(*SESSION_COLUMNS)
    return rows


def with_entries(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """These session rows with their entries (in order, each with its exercise) and the
    entries' sets (by number): one query whatever their number (the entries joined with their
    sets, an entry without sets on one row of its own)."""
    by_session: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = _ENTRIES_WITH_SETS.rows([s["id"] for s in sessions])
    width = len(ENTRY_COLUMNS)
    entry: dict[str, Any] = {"id": None}
    for session_id, *values in rows:
        if values[0] != entry["id"]:
            entry = dict(zip(ENTRY_COLUMNS, values[:width], strict=True))
            slug, name = values[width], values[width + 1]
            entry["prescription"] = {"exercise": {"slug": slug, "name": name}}
            entry["sets"] = []
            by_session[session_id].append(entry)
        found = values[width + 2 :]
        if found[0] is not None:  # (the number of a set that exists)
            entry["sets"].append(dict(zip(SET_COLUMNS, found, strict=True)))
    for session in sessions:
        session["entries"] = by_session[session["id"]]
    return sessions


_ENTRIES_WITH_SETS = Prepared(
    lambda ids: Entry.objects.filter(session_id__in=ids)
    .order_by("order", "id", "sets__number")
    .values_list("session_id", *ENTRY_COLUMNS, "prescription__exercise__slug",
                 "prescription__exercise__name", *(f"sets__{c}" for c in SET_COLUMNS))
)  # fmt: skip
_SESSION_ROW = prepared(lambda actor, pk: session_rows(actor).filter(pk=pk))
# the API's lists, prepared (``config.api.pagination.Listed``)
SESSION_LIST = listing(session_rows)
CLIENT_SESSIONS = listing(lambda actor, client_id: session_rows(actor).filter(client_id=client_id))


def session_row_of(
    session: Session, parts: Sequence[tuple[Entry, Sequence[Set]]]
) -> dict[str, Any]:
    """The row ``session_row_get`` reads, made from a session just stored with these entries
    (in order, their prescriptions' exercises loaded) and their sets: no query."""
    row = {name: getattr(session, name) for name in SESSION_COLUMNS}
    row["entries"] = [
        {
            **{name: getattr(entry, name) for name in ENTRY_COLUMNS},
            "prescription": {
                "exercise": {
                    "slug": entry.prescription.exercise.slug,
                    "name": entry.prescription.exercise.name,
                }
            },
            "sets": [{name: getattr(s, name) for name in SET_COLUMNS} for s in sets],
        }
        for entry, sets in parts
    ]
    return row


def session_row_get(actor: Actor, pk: object) -> dict[str, Any]:
    """One session the actor may see, as a plain row with its entries and sets, or 404."""
    return with_entries([row_or_404(_SESSION_ROW, actor, pk, "session")])[0]


def check_in_rows(actor: Actor) -> QuerySet[Any]:
    return client_records(actor, CheckIn.objects.all()).values(
        "id", "client_id", "date", "pain", "stiffness", "symptoms", "review_state",
        "idempotency_key", "created_at", "updated_at",
    )  # fmt: skip


def check_ins_for(actor: Actor) -> QuerySet[CheckIn]:
    return client_records(actor, CheckIn.objects.all())


def latest_check_ins(actor: Actor, count: int) -> list[CheckIn]:
    """``check_ins_for(actor)[:count]``, one prepared query."""
    found: list[CheckIn] = _LATEST_CHECK_INS[count].rows(actor)
    return found


_LATEST_CHECK_INS = Family(
    lambda count: prepared(lambda a: client_records(a, CheckIn.objects.all())[:count])
)


def check_in_get(actor: Actor, pk: object) -> CheckIn:
    return one_or_404(check_ins_for(actor), pk, "check-in")


def loggable_prescriptions(actor: Actor) -> QuerySet[Prescription]:
    """The prescriptions a client may name in a session: their own (the service then refuses
    one of an ended program, or one replaced before the session, with the reason)."""
    client = profile_of(actor).client
    if client is None:
        return Prescription.objects.none()
    # looked up by id: unordered (the model's default order would join the programs to sort)
    return (
        Prescription.objects.select_related("program", "exercise")
        .filter(program__client=client)
        .order_by()
    )


_LOGGABLE = prepared(lambda actor, ids: loggable_prescriptions(actor).filter(pk__in=ids))


def loggable_by_id(actor: Actor, ids: Sequence[int]) -> dict[int, Prescription]:
    """The actor's ``loggable_prescriptions`` among these ids, by id (their program and
    exercise read with them): one prepared query."""
    return {rx.pk: rx for rx in _LOGGABLE.rows(actor, list(ids))}


CHECK_IN_LIST = listing(check_in_rows)
