"""Reads of the triage app: the clients' histories the rules evaluate (a constant number of
queries for any number of clients), the current thresholds, and the flags a person may see."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from coaching.accounts.selectors import client_scope, name_columns, pop_name, prepared
from coaching.models import (
    CheckIn,
    Client,
    Entry,
    Prescription,
    Program,
    QuestionnaireResponse,
    Session,
    Set,
)
from coaching.programs import schedule
from coaching.shared.selectors import Actor, one_or_404, row_or_404
from config.prepared import Array, Prepared
from exercises.models import Exercise, Muscle, ProgressionEdge
from triage.models import Flag, RuleSettings
from triage.rules import (
    CheckInLog,
    EntryLog,
    ExerciseInfo,
    History,
    OutcomeLog,
    PrescriptionInfo,
    SessionLog,
    SetLog,
    Thresholds,
)

THRESHOLDS_CACHE_KEY = "triage:thresholds"
# the logs' symptom lists as their JSON text: few distinct values, each parsed once
_AS_TEXT = Cast("symptoms", TextField())
HOLDING = (Flag.Status.OPEN, Flag.Status.RESOLVED)
DISMISSED = Flag.Status.DISMISSED


def thresholds_current() -> Thresholds:
    """The thresholds in force: the admin's rule settings over TRIAGE_RULES.md's defaults
    (cached; ``triage.services.thresholds_update`` clears the cache)."""
    values = cache.get(THRESHOLDS_CACHE_KEY)
    if values is None:
        row = RuleSettings.objects.filter(pk=1).first()
        values = row.values if row else {}
        cache.set(THRESHOLDS_CACHE_KEY, values, 60)
    return Thresholds.from_dict(values)


def among(ids: list[int]) -> Any:
    """``ids`` for an ``__in`` lookup. On PostgreSQL one array parameter, unnested: the planner
    then looks each id up in the index (a few thousand probes) where a list of thousands, or a
    join on the clients, made it hash the whole table for every batch of the nightly review
    (its cost grew with the number of clients squared)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


# the queries of ``client_histories``, prepared (``config.prepared``): the ids, the times and
# the arrays of ids are their values
_H_PROGRAMS = Prepared(
    lambda ids: Program.objects.filter(client_id__in=ids, status=Program.Status.ACTIVE).values(
        "id", "client_id", "sessions_per_week", "weekdays", "starts_on"
    )
)
_H_SESSIONS = Prepared(
    lambda ids, start: (
        Session.objects.filter(client_id__in=ids, performed_at__gt=start)
        .order_by("performed_at", "id")
        .annotate(symptoms_text=_AS_TEXT)
        .values_list(
            "id", "client_id", "performed_at", "pain_before", "pain_after", "symptoms_text"
        )
    )
)
_H_ENTRIES = Prepared(
    lambda sessions: Entry.objects.filter(session_id__in=among(sessions))
    .order_by("session_id", "order", "id")
    .values_list("id", "session_id", "prescription_id", "prescription__exercise_id",
                 "pain_during", "pain_location", "pain_quality")
)  # fmt: skip
_H_SETS = Prepared(
    lambda sessions: (
        Set.objects.filter(entry__session_id__in=among(sessions))
        .order_by("entry_id", "number")
        .values_list("entry_id", "reps", "load_kg", "rpe")
    )
)
_H_CHECK_INS = Prepared(
    lambda ids, start_day: (
        CheckIn.objects.filter(client_id__in=ids, date__gt=start_day)
        .order_by("date", "id")
        .annotate(symptoms_text=_AS_TEXT)
        .values_list("id", "client_id", "date", "pain", "stiffness", "symptoms_text")
    )
)
_H_PRESCRIPTIONS = Prepared(
    lambda programs, answered: Prescription.objects.filter(
        Q(program_id__in=among(programs), ended_at__isnull=True) | Q(pk__in=among(answered))
    ).values("id", "program__client_id", "exercise_id", "sets", "reps_min", "reps_max",
             "load_kg", "hold_seconds", "ended_at", "program__status")
)  # fmt: skip
_H_EDGES = Prepared(
    lambda exercises: (
        ProgressionEdge.objects.filter(
            Q(easier_id__in=among(exercises)) | Q(harder_id__in=among(exercises)),
            easier__status=Exercise.Status.PUBLISHED,
            harder__status=Exercise.Status.PUBLISHED,
        )
        .order_by("easier__name", "harder__name")
        .values_list("easier_id", "harder_id")
    )
)
_H_EXERCISES = Prepared(
    lambda exercises: (
        Exercise.objects.filter(pk__in=among(exercises))
        .annotate(
            for_lower_back=Exists(
                Muscle.objects.filter(primary_for=OuterRef("pk"), region=Muscle.Region.LOWER_BACK)
            )
        )
        .values_list("id", "name", "for_lower_back")
    )
)
_H_FLAGS = Prepared(
    lambda ids, hold_start, start: Flag.objects.filter(
        Q(kind=Flag.Kind.REFERRAL, status__in=HOLDING, cleared_at__isnull=True)
        | (Q(kind=Flag.Kind.REGRESSION, created_at__gt=hold_start) & ~Q(status=DISMISSED))
        | (~Q(status=Flag.Status.OPEN) & Q(updated_at__gt=start)),
        client_id__in=ids,
    )
    .order_by()
    .values_list("client_id", "kind", "status", "cleared_at", "rule", "exercise_key",
                 "created_at", "log_keys")
)  # fmt: skip


def client_histories(
    client_ids: Sequence[int], *, now: datetime, thresholds: Thresholds
) -> dict[int, History]:
    """The history of each client as the rules need it: sessions (with entries and sets) and
    check-ins of the last ``history_days``, the active program's prescriptions and those the
    sessions answered, the exercises with their easier and harder published variations, and the
    referral holds, recent regressions, the logs closed flags decided on, and the questionnaire
    answers of the active program. Ten queries, whatever the number of clients."""
    ids = list(client_ids)
    tz = ZoneInfo(timezone.get_current_timezone_name())
    start = now - timedelta(days=thresholds.history_days)
    start_day = timezone.localtime(start).date()

    programs = {row["client_id"]: row for row in _H_PROGRAMS.rows(ids)}
    sessions = _H_SESSIONS.rows(ids, start)
    session_ids = Array([row[0] for row in sessions])
    entries = _H_ENTRIES.rows(session_ids)
    # a history holds hundreds of thousands of sets but few distinct ones: each distinct set
    # (and symptom list) is built once and shared (they are frozen)
    sets_by_entry: dict[int, list[SetLog]] = defaultdict(list)
    distinct_sets: dict[tuple[int, Decimal | None, int | None], SetLog] = {}
    for entry_id, reps, load_kg, rpe in _H_SETS.rows(session_ids):
        key = (reps, load_kg, rpe)
        one = distinct_sets.get(key)
        if one is None:
            one = distinct_sets[key] = SetLog(reps=reps, load_kg=load_kg, rpe=rpe)
        sets_by_entry[entry_id].append(one)
    check_ins = _H_CHECK_INS.rows(ids, start_day)
    symptom_sets: dict[str, frozenset[str]] = {}

    def symptoms_of(text: str) -> frozenset[str]:
        codes = symptom_sets.get(text)
        if codes is None:
            codes = symptom_sets[text] = frozenset(json.loads(text))
        return codes

    answered = {e[2] for e in entries}
    prescriptions = _H_PRESCRIPTIONS.rows(
        Array([p["id"] for p in programs.values()]), Array(sorted(answered))
    )
    exercise_ids = {p["exercise_id"] for p in prescriptions}
    edges = _H_EDGES.rows(Array(sorted(exercise_ids)))
    for easier_id, harder_id in edges:
        exercise_ids |= {easier_id, harder_id}
    exercises_rows = _H_EXERCISES.rows(Array(sorted(exercise_ids)))
    # what people decided: referrals not yet cleared hold every progression; regressions
    # flagged (and not dismissed) within the hold; closed flags cover the logs they decided on
    hold_start = now - timedelta(days=thresholds.regression_hold_days)
    holds: set[int] = set()
    regressions: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    closed: dict[int, dict[tuple[str, int], list[frozenset[str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for client_id, kind, status, cleared, rule, exercise_key, created, log_keys in _H_FLAGS.rows(
        ids, hold_start, start
    ):
        if kind == Flag.Kind.REFERRAL and status in HOLDING and cleared is None:
            holds.add(client_id)
        if kind == Flag.Kind.REGRESSION and created > hold_start and status != DISMISSED:
            regressions[client_id].append((exercise_key, created))
        if status != Flag.Status.OPEN:
            closed[client_id][(rule, exercise_key)].append(frozenset(log_keys))

    harder: dict[int, list[int]] = defaultdict(list)
    easier: dict[int, list[int]] = defaultdict(list)
    for easier_id, harder_id in edges:
        harder[easier_id].append(harder_id)
        easier[harder_id].append(easier_id)
    exercises = {
        pk: ExerciseInfo(
            id=pk,
            name=name,
            targets_lower_back=bool(back),
            harder=tuple(harder[pk]),
            easier=tuple(easier[pk]),
        )
        for pk, name, back in exercises_rows
    }

    entries_by_session: dict[int, list[EntryLog]] = defaultdict(list)
    for pk, session_id, rx_id, exercise_id, pain, location, quality in entries:
        entries_by_session[session_id].append(
            EntryLog(
                id=pk,
                prescription_id=rx_id,
                exercise_id=exercise_id,
                pain_during=pain,
                pain_location=location,
                pain_quality=quality,
                sets=tuple(sets_by_entry[pk]),
            )
        )
    sessions_by_client: dict[int, list[SessionLog]] = defaultdict(list)
    for pk, client_id, performed_at, before, after, symptoms in sessions:
        sessions_by_client[client_id].append(
            SessionLog(
                id=pk,
                performed_at=performed_at,
                pain_before=before,
                pain_after=after,
                symptoms=symptoms_of(symptoms),
                entries=tuple(entries_by_session[pk]),
            )
        )
    check_ins_by_client: dict[int, list[CheckInLog]] = defaultdict(list)
    for pk, client_id, day, pain, stiffness, symptoms in check_ins:
        check_ins_by_client[client_id].append(
            CheckInLog(
                id=pk, date=day, pain=pain, stiffness=stiffness, symptoms=symptoms_of(symptoms)
            )
        )
    prescriptions_by_client: dict[int, dict[int, PrescriptionInfo]] = defaultdict(dict)
    for p in prescriptions:
        prescriptions_by_client[p["program__client_id"]][p["id"]] = PrescriptionInfo(
            id=p["id"],
            exercise_id=p["exercise_id"],
            sets=p["sets"],
            reps_min=p["reps_min"],
            reps_max=p["reps_max"],
            load_kg=p["load_kg"],
            hold_seconds=p["hold_seconds"],
            current=p["ended_at"] is None and p["program__status"] == Program.Status.ACTIVE,
        )

    # questionnaire answers since each active program started (the first is the baseline)
    outcomes: dict[int, list[OutcomeLog]] = defaultdict(list)
    starts = Q()
    for active in programs.values():
        starts |= Q(client_id=active["client_id"], answered_at__date__gte=active["starts_on"])
    if programs:
        for pk, client_id, answered_at, score, band, definition in (
            QuestionnaireResponse.objects.filter(starts)
            .order_by("answered_at", "id")
            .values_list(
                "id", "client_id", "answered_at", "score", "band", "instrument__definition"
            )
        ):
            risk = next(
                (b["risk"] for b in definition.get("risk_bands", []) if b["name"] == band), ""
            )
            outcomes[client_id].append(
                OutcomeLog(
                    id=pk,
                    instrument=definition["slug"],
                    name=definition.get("short_name") or definition["name"],
                    answered_at=answered_at,
                    score=score,
                    better=definition["better"],
                    meaningful_change=definition["meaningful_change"],
                    risk=risk,
                    band=band,
                )
            )

    histories = {}
    for client_id in ids:
        program = programs.get(client_id)
        histories[client_id] = History(
            client_id=client_id,
            tz=tz,
            sessions=tuple(sessions_by_client[client_id]),
            check_ins=tuple(check_ins_by_client[client_id]),
            prescriptions=prescriptions_by_client[client_id],
            exercises=exercises,
            sessions_per_week=program["sessions_per_week"] if program else None,
            planned_weekdays=schedule.days(program["weekdays"]) if program else (),
            program_started_on=program["starts_on"] if program else None,
            referral_hold=client_id in holds,
            recent_regressions=tuple(regressions[client_id]),
            closed={key: tuple(logs) for key, logs in closed[client_id].items()},
            outcomes=tuple(outcomes[client_id]),
        )
    return histories


# --- what triage keeps about a client, for coaching's data rights (``coaching.hooks``) ---------

FLAG_PERMISSIONS: frozenset[str] = frozenset(
    {
        "triage.view_flag",  # trainers see their clients' flags …
        "triage.change_flag",  # … and act on them (apply, dismiss, resolve)
    }
)
FLAG_EXPORT_FIELDS = (
    "id", "rule", "kind", "urgency", "reason", "evidence", "status", "created_at", "decided_at",
    "dismiss_reason", "referred_to", "clearance", "cleared_at", "not_firing_since",
    "withdraw_reason",
)  # fmt: skip


def client_flags_export(client: Client) -> list[dict[str, Any]]:
    """The client's flags for their data export, oldest first."""
    return list(
        Flag.objects.filter(client=client).order_by("created_at").values(*FLAG_EXPORT_FIELDS)
    )


def client_flag_count(client: Client) -> int:
    return Flag.objects.filter(client=client).count()


# --- flags, for trainers ----------------------------------------------------------------------


def flags_for(actor: Actor) -> QuerySet[Flag]:
    """Flags of the clients the actor may see (a trainer: their own; a practice admin: the
    practice's), in queue order: emergency, urgent, routine, then newest."""
    return Flag.objects.filter(client_scope(actor, "client__")).select_related(
        "client__user", "exercise", "suggested_exercise"
    )


def flag_get(actor: Actor, pk: object) -> Flag:
    return one_or_404(flags_for(actor), pk, "flag")


# --- flags as plain rows, for the API (``config.api.rows``: the serializer's own fields) --------

FLAG_COLUMNS = (
    "id", "client_id", "kind", "urgency", "rule", "reason", "evidence", "suggestion",
    "prescription_id", "status", "not_firing_since", "withdraw_reason", "referred_to",
    "clearance", "cleared_at", "dismiss_reason", "decided_at", "thresholds", "times_fired",
    "created_at", "updated_at",
)  # fmt: skip
_FLAG_RELATED = (
    *name_columns("client__user"),
    "exercise__slug", "exercise__name", "suggested_exercise__slug", "suggested_exercise__name",
)  # fmt: skip


def flag_rows(actor: Actor) -> QuerySet[Any]:
    """The flags the actor may see (``flags_for``'s rule) as flat rows; ``as_flag_rows`` shapes
    a page of them as the serializer reads them."""
    rows: QuerySet[Any] = Flag.objects.filter(client_scope(actor, "client__")).values(
        *FLAG_COLUMNS, *_FLAG_RELATED
    )
    return rows


def as_flag_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows → the serializer's shape: the client's name, the exercises as ``slug``/``name``
    (or null), and the model's ``firing`` and ``holds_progression``."""
    for row in rows:
        row["client"] = {"user": pop_name(row, "client__user")}
        for name in ("exercise", "suggested_exercise"):
            slug, title = row.pop(f"{name}__slug"), row.pop(f"{name}__name")
            row[name] = None if slug is None else {"slug": slug, "name": title}
        row["firing"] = row["not_firing_since"] is None
        row["holds_progression"] = Flag.holds(row["kind"], row["status"], row["cleared_at"])
    return rows


_FLAG_ROW = prepared(lambda actor, pk: flag_rows(actor).filter(pk=pk))


def flag_row_get(actor: Actor, pk: object) -> dict[str, Any]:
    return as_flag_rows([row_or_404(_FLAG_ROW, actor, pk, "flag")])[0]
