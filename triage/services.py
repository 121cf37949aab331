"""Writes of the triage app: keyword-only, typed, atomic.

Coaching announces new logs through its "log saved" hook, which ``triage.handover`` answers.

``review_clients`` is the review itself: it locks the clients' rows (two workers never review
one client at once), claims their pending logs with a conditional update, evaluates the pure
rules on their histories, and upserts flags on their dedupe key, all in one transaction. A
review delivered twice finds nothing pending and changes nothing; a worker killed in the middle
rolls the transaction back and the redelivered task does the whole review once."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from coaching.accounts.selectors import client_scope
from coaching.messaging.models import BODY_MAX as MESSAGE_MAX
from coaching.messaging.services import message_post
from coaching.models import (
    CheckIn,
    Client,
    Prescription,
    Program,
    QuestionnaireResponse,
    ReviewState,
    Session,
    User,
)
from coaching.programs.services import prescription_replace
from coaching.shared.bulk import bulk_change, bulk_insert
from coaching.shared.selectors import Actor
from exercises.models import Exercise
from triage import reconcile
from triage.models import Flag, FlagEvent, RuleSettings, WorkerHeartbeat
from triage.reconcile import OpenFlag
from triage.rules import Finding, History, Thresholds, evaluate, withdrawal_reason
from triage.selectors import THRESHOLDS_CACHE_KEY, client_histories, thresholds_current

log = logging.getLogger(__name__)


@transaction.atomic
def heartbeat_record(*, name: str = "worker", hostname: str = "") -> WorkerHeartbeat:
    now = timezone.now()
    beat, created = WorkerHeartbeat.objects.get_or_create(
        name=name, defaults={"last_seen": now, "hostname": hostname, "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=beat.pk).update(
            last_seen=now, hostname=hostname, beats=F("beats") + 1
        )
        beat.refresh_from_db()
    return beat


# --- the review -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewResult:
    clients: int  # reviewed
    claimed: int  # pending logs marked reviewed
    opened: list[int]  # ids of new flags
    refreshed: int  # open flags whose evidence was refreshed
    withdrawn: list[int] = field(default_factory=list)  # progressions and adherence flags
    stopped: int = 0  # open referrals and regressions whose rule stopped firing


# what a client logs, each row pending review until a review claims it
LOGS = (Session, CheckIn, QuestionnaireResponse)


def _claim(client_ids: Sequence[int], now: datetime) -> int:
    done = {"reviewed_at": now, "updated_at": now, "review_state": ReviewState.REVIEWED}
    pending = {"client_id__in": client_ids, "review_state": ReviewState.PENDING}
    return sum(model.objects.filter(**pending).update(**done) for model in LOGS)


def _pending(model: type[Session | CheckIn | QuestionnaireResponse], **where: Any) -> Any:
    """A model's pending logs, unordered (SQLite allows no ORDER BY inside a UNION)."""
    return model.objects.filter(review_state=ReviewState.PENDING, **where).order_by()


@transaction.atomic
def review_clients(
    *,
    client_ids: Sequence[int],
    now: datetime | None = None,
    only_pending: bool = True,
    thresholds: Thresholds | None = None,
) -> ReviewResult:
    """Review clients: the on-commit review of one client's new logs (``only_pending``: a
    client with nothing pending is skipped, so a second delivery does nothing), or the nightly
    review of a batch for the time-based rules (``only_pending=False``). Either way each
    client's open flags are reconciled with the rules on their whole current history."""
    now = now or timezone.now()
    th = thresholds or thresholds_current()
    ids = sorted(set(client_ids))
    # one reviewer per client at a time; in id order, so two batches never deadlock
    ids = list(
        Client.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", flat=True)
    )
    if only_pending:
        first, *others = (
            _pending(model, client_id__in=ids).values_list("client_id", flat=True) for model in LOGS
        )
        pending = set(first.union(*others))
        ids = [pk for pk in ids if pk in pending]
    if not ids:
        return ReviewResult(0, 0, [], 0)
    claimed = _claim(ids, now)
    histories = client_histories(ids, now=now, thresholds=th)
    findings = {pk: evaluate(histories[pk], th, now) for pk in ids}
    done = _reconcile(findings, histories, th, now)
    urgent = [
        pk
        for pk, urgency in done.opened
        if urgency in (Flag.Urgency.EMERGENCY, Flag.Urgency.URGENT)
    ]
    if urgent:
        transaction.on_commit(partial(_enqueue_notifications, urgent), robust=True)
    return ReviewResult(
        clients=len(ids),
        claimed=claimed,
        opened=[pk for pk, _ in done.opened],
        refreshed=done.refreshed,
        withdrawn=done.withdrawn,
        stopped=done.stopped,
    )


@dataclass(frozen=True)
class _Written:
    opened: list[tuple[int, str]]  # (id, urgency) of the new flags
    refreshed: int
    withdrawn: list[int]
    stopped: int


def _suggestion_fields(f: Finding) -> dict[str, Any]:
    return {
        "suggestion": f.suggestion.as_dict() if f.suggestion else {},
        "suggested_exercise_id": f.suggestion.exercise_id if f.suggestion else None,
    }


def _why_withdrawn(
    history: History, th: Thresholds, now: datetime, findings: list[Finding], flag: OpenFlag
) -> str:
    """``reconcile.plan``'s ``explain`` for one client: why an open flag no longer holds."""
    return withdrawal_reason(history, th, now, flag.rule, flag.exercise_key or None, findings)


_OPEN_FLAG_COLUMNS = (
    "id", "client_id", "rule", "exercise_key", "kind", "log_keys", "evidence",
    "not_firing_since", "times_fired",
)  # fmt: skip


def _reconcile(
    findings: dict[int, list[Finding]],
    histories: dict[int, History],
    th: Thresholds,
    now: datetime,
) -> _Written:
    """Make each client's open flags what ``findings`` say (``triage.reconcile.plan``), in a
    constant number of queries whatever the number of clients and flags: one read, at most
    two bulk changes and one update, and two bulk inserts (``bulk_change`` and
    ``bulk_insert``: COPY on PostgreSQL). The flags are read and written as plain rows."""
    open_flags: dict[int, list[OpenFlag]] = defaultdict(list)
    times_fired: dict[int, int] = {}
    for row in (
        Flag.objects.filter(status=Flag.Status.OPEN, client_id__in=list(findings))
        .order_by()
        .values_list(*_OPEN_FLAG_COLUMNS)
    ):
        pk, client_id, rule, exercise_key, kind, log_keys, evidence, not_firing, fired = row
        times_fired[pk] = fired
        open_flags[client_id].append(
            OpenFlag(
                id=pk,
                rule=rule,
                exercise_key=exercise_key,
                kind=kind,
                log_keys=frozenset(log_keys),
                evidence=evidence,
                not_firing_since=not_firing,
            )
        )

    thresholds = th.as_dict()
    new: list[dict[str, Any]] = []
    refreshed: list[dict[str, Any]] = []
    withdrawn: list[dict[str, Any]] = []
    stopped: list[int] = []
    events: list[dict[str, Any]] = []

    def event(flag_id: int, action: str, note: str = "") -> None:
        events.append({"flag_id": flag_id, "at": now, "action": action, "note": note})

    for client_id, client_findings in findings.items():
        history = histories[client_id]
        todo = reconcile.plan(
            client_findings,
            open_flags[client_id],
            history.closed,
            explain=partial(_why_withdrawn, history, th, now, client_findings),
        )
        for state, f in todo.refreshed:
            refreshed.append(
                {
                    "pk": state.id,
                    "evidence": f.evidence,
                    "reason": f.reason,
                    "log_keys": sorted(f.log_keys | state.log_keys),
                    "thresholds": thresholds,
                    "times_fired": times_fired[state.id] + 1,
                    "last_fired_at": now,
                    "updated_at": now,
                    "not_firing_since": None,
                    **_suggestion_fields(f),
                }
            )
            event(
                state.id,
                FlagEvent.Action.REFRESHED,
                "firing again" if state.not_firing_since else "",
            )
        for state, why in todo.withdrawn:
            withdrawn.append(
                {
                    "pk": state.id,
                    "status": Flag.Status.WITHDRAWN,
                    "withdraw_reason": why,
                    "decided_at": now,
                    "updated_at": now,
                }
            )
            event(state.id, FlagEvent.Action.WITHDRAWN, why)
        for state in todo.stopped:
            stopped.append(state.id)
            event(
                state.id,
                FlagEvent.Action.STOPPED,
                "Its rule no longer fires on the client's current history; it stays open for a "
                "person to resolve or dismiss.",
            )
        new += [
            {
                "client_id": client_id,
                "rule": f.rule,
                "kind": f.kind,
                "urgency": f.urgency,
                "urgency_rank": Flag.URGENCY_RANK[f.urgency],
                "exercise_id": f.exercise_id,
                "exercise_key": f.exercise_id or 0,
                "prescription_id": f.prescription_id,
                "reason": f.reason,
                "evidence": f.evidence,
                "log_keys": sorted(f.log_keys),
                "thresholds": thresholds,
                "last_fired_at": now,
                "created_at": now,
                "updated_at": now,
                **_suggestion_fields(f),
            }
            for f in todo.opened
        ]
    bulk_change(Flag, refreshed, REFRESHED_FIELDS)
    bulk_change(Flag, withdrawn, ["status", "withdraw_reason", "decided_at", "updated_at"])
    if stopped:
        Flag.objects.filter(pk__in=stopped).update(not_firing_since=now, updated_at=now)
    created = bulk_insert(Flag, new)
    for pk in created:
        event(pk, FlagEvent.Action.OPENED)
    bulk_insert(FlagEvent, events)
    return _Written(
        [(pk, row["urgency"]) for pk, row in zip(created, new, strict=True)],
        len(refreshed),
        [row["pk"] for row in withdrawn],
        len(stopped),
    )


REFRESHED_FIELDS = [
    "evidence", "reason", "log_keys", "suggestion", "suggested_exercise_id", "thresholds",
    "times_fired", "last_fired_at", "updated_at", "not_firing_since",
]  # fmt: skip


def has_pending_logs(client_id: int) -> bool:
    """Whether this client has a log waiting for a review (one query)."""
    first, *others = (_pending(model, client_id=client_id).values_list("pk") for model in LOGS)
    return bool(first.union(*others, all=True).exists())


def pending_client_ids(
    *,
    older_than: timedelta,
    now: datetime | None = None,
    limit: int | None = None,
    exclude: int = 0,
) -> list[int]:
    """Clients with a log still pending after ``older_than`` (the sweeper: all of them; a
    review task: up to ``limit`` others, ``exclude`` being its own, the longest waiting
    first). In id order."""
    cutoff = (now or timezone.now()) - older_than
    if limit is None:
        return sorted(
            {
                pk
                for model in LOGS
                for pk in _pending(model, created_at__lt=cutoff).values_list("client_id", flat=True)
            }
        )
    if limit <= 0:
        return []
    first, *others = (
        _pending(model, created_at__lt=cutoff)
        .exclude(client_id=exclude)
        .values_list("client_id", "created_at")
        for model in LOGS
    )
    rows = first.union(
        *others, all=True
    ).order_by(
        "created_at"
    )[
        : limit
        * 4  # (a client may have several pending logs)
    ]
    chosen: list[int] = []
    for client_id, _ in rows:
        if client_id not in chosen:
            chosen.append(client_id)
    return sorted(chosen[:limit])


def active_client_ids() -> list[int]:
    """Clients with an active program: the nightly review's population."""
    return list(
        Program.objects.filter(status=Program.Status.ACTIVE)
        .order_by("client_id")
        .values_list("client_id", flat=True)
    )


# --- what trainers do with flags --------------------------------------------------------------


def _flag_for_update(actor: Actor, flag: Flag) -> Flag:
    """The flag, locked, if the actor may act on it (their client's); 404-like otherwise. The
    client's row is locked first, as the review and logging lock it: a decision waits for a
    review or a log of the same client in flight, and sees what it wrote."""
    Client.objects.select_for_update().filter(pk=flag.client_id).values_list("pk").first()
    locked = (
        Flag.objects.select_for_update().filter(client_scope(actor, "client__"), pk=flag.pk).first()
    )
    if locked is None:
        raise PermissionDenied("Not your client's flag.")
    return locked


def _decider(actor: Actor) -> User:
    """The user deciding on a flag: one that ``_flag_for_update`` let through, so never an
    anonymous one (who sees no client)."""
    if not actor.is_authenticated:
        raise PermissionDenied("Not your client's flag.")
    return actor


def _decide(
    flag: Flag, actor: Actor, status: str, action: str, note: str = "", **fields: object
) -> Flag:
    decider = _decider(actor)
    now = timezone.now()
    values = {
        "status": status,
        "decided_by": decider,
        "decided_at": now,
        "updated_at": now,
        **fields,
    }
    for name, value in values.items():
        setattr(flag, name, value)
    flag.save(update_fields=list(values))
    FlagEvent.objects.create(flag=flag, at=now, actor=decider, action=action, note=note)
    return flag


def _target_prescription(flag: Flag) -> Prescription:
    """The prescription the flag is about, if still current; else the current prescription of
    the same exercise in the client's active program."""
    current = Prescription.objects.select_related("program", "exercise").filter(
        program__client_id=flag.client_id,
        program__status=Program.Status.ACTIVE,
        ended_at__isnull=True,
    )
    rx = None
    if flag.prescription_id is not None:
        rx = current.filter(pk=flag.prescription_id).first()
    if rx is None and flag.exercise_id is not None:
        rx = current.filter(exercise_id=flag.exercise_id).first()
    if rx is None:
        raise ValidationError(
            "This exercise is no longer in the client's active program; dismiss the flag."
        )
    return rx


def flag_apply(*, actor: Actor, flag: Flag, note: str = "") -> Flag:
    """Apply a progression or regression: the prescription changes to the suggested exercise
    (or dose); the old one ends and stays in the history, as every change of a prescription.

    A progression is first re-checked on the client's current history, in the same
    transaction (the client's row locked, so a log in flight is waited for and seen): the
    review runs and reconciles the client's flags. If the progression no longer holds, the
    review has withdrawn it; that is committed, and the apply is refused saying why.

    ``note``: a message to the client in the same step (their conversation, linked to the
    flag), written with the decision or not at all."""
    _check_note(note)
    outcome = _apply(actor=actor, flag=flag, note=note)
    if isinstance(outcome, str):
        raise ValidationError(outcome)
    return outcome


@transaction.atomic
def _apply(*, actor: Actor, flag: Flag, note: str) -> Flag | str:
    flag = _flag_for_update(actor, flag)
    if flag.kind not in (Flag.Kind.PROGRESSION, Flag.Kind.REGRESSION):
        raise ValidationError("Only a progression or a regression can be applied.")
    if flag.status != Flag.Status.OPEN:
        raise ValidationError(f"This flag is already {flag.get_status_display().lower()}.")
    if flag.kind == Flag.Kind.PROGRESSION:
        review_clients(client_ids=[flag.client_id], only_pending=False)
        flag.refresh_from_db()
        if flag.status == Flag.Status.WITHDRAWN:
            return (
                "The client's current history no longer supports this progression, so it was "
                f"withdrawn: {flag.withdraw_reason}."
            )
        if any(
            f.holds_progression
            for f in Flag.objects.filter(client_id=flag.client_id, kind=Flag.Kind.REFERRAL)
        ):  # the review withdraws such a progression; this stays as the last guard
            raise ValidationError(
                "A referral holds every progression of this client until its clearance is recorded."
            )
    rx = _target_prescription(flag)
    suggestion = flag.suggestion or {}
    exercise = None
    if suggestion.get("exercise_id"):
        exercise = Exercise.objects.published().filter(pk=suggestion["exercise_id"]).first()
        if exercise is None:
            raise ValidationError("The suggested exercise is no longer published.")
    changes: dict[str, object] = {}
    for name in ("sets", "reps_min", "reps_max", "hold_seconds"):
        if name in suggestion:
            changes[name] = int(suggestion[name])
    if "load_kg" in suggestion:
        changes["load_kg"] = Decimal(str(suggestion["load_kg"]))
    if exercise is None and not changes:
        raise ValidationError(
            "This suggestion is not a change the platform can make (for example a smaller "
            "range of motion): change the program by hand, then dismiss the flag."
        )
    new = prescription_replace(actor=actor, prescription=rx, exercise=exercise, **changes)
    decided = _decide(
        flag, actor, Flag.Status.APPLIED, FlagEvent.Action.APPLIED,
        note=f"{rx.exercise} {rx.dose()} → {new.exercise} {new.dose()}",
        applied_prescription=new,
    )  # fmt: skip
    _tell_client(actor, decided, note)
    return decided


@transaction.atomic
def flag_dismiss(*, actor: Actor, flag: Flag, reason: str, note: str = "") -> Flag:
    """Dismiss an open flag, saying why (required); ``note``: as ``flag_apply``'s."""
    _check_note(note)
    flag = _flag_for_update(actor, flag)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the flag is dismissed."})
    if flag.status != Flag.Status.OPEN:
        raise ValidationError(f"This flag is already {flag.get_status_display().lower()}.")
    decided = _decide(
        flag, actor, Flag.Status.DISMISSED, FlagEvent.Action.DISMISSED,
        note=reason.strip(), dismiss_reason=reason.strip(),
    )  # fmt: skip
    _tell_client(actor, decided, note)
    return decided


@transaction.atomic
def flag_resolve(
    *, actor: Actor, flag: Flag, referred_to: str = "", clearance: str = "", note: str = ""
) -> Flag:
    """A referral: record whom the client was referred to (the flag is resolved; progression
    stays on hold), and later the clearance that lifts the hold. Both may come at once.
    ``note``: as ``flag_apply``'s."""
    _check_note(note)
    flag = _flag_for_update(actor, flag)
    if flag.kind != Flag.Kind.REFERRAL:
        raise ValidationError("Only a referral is resolved; apply or dismiss the others.")
    referred_to, clearance = referred_to.strip(), clearance.strip()
    if flag.status == Flag.Status.OPEN:
        if not referred_to:
            raise ValidationError(
                {"referred_to": "Say whom the client was referred to (e.g. their GP, a physio)."}
            )
        flag = _decide(
            flag, actor, Flag.Status.RESOLVED, FlagEvent.Action.RESOLVED,
            note=referred_to, referred_to=referred_to,
        )  # fmt: skip
    elif flag.status != Flag.Status.RESOLVED:
        raise ValidationError(f"This flag is {flag.get_status_display().lower()}.")
    elif not clearance:
        raise ValidationError({"clearance": "Record the clearance (who cleared the client)."})
    if clearance:
        if flag.cleared_at is not None:
            raise ValidationError({"clearance": "The clearance is already recorded."})
        now = timezone.now()
        flag.clearance, flag.cleared_at, flag.updated_at = clearance, now, now
        flag.save(update_fields=["clearance", "cleared_at", "updated_at"])
        FlagEvent.objects.create(
            flag=flag,
            at=now,
            actor=_decider(actor),
            action=FlagEvent.Action.CLEARED,
            note=clearance,
        )
    _tell_client(actor, flag, note)
    return flag


def _check_note(note: str) -> None:
    if len(note.strip()) > MESSAGE_MAX:
        raise ValidationError({"note": f"At most {MESSAGE_MAX} characters ({len(note)} written)."})


def _tell_client(actor: Actor, flag: Flag, note: str) -> None:
    """The trainer's note to the client about this decision, in their conversation."""
    if note.strip():
        message_post(actor=actor, client=flag.client, body=note, flag_id=flag.pk)


# --- thresholds -------------------------------------------------------------------------------


@transaction.atomic
def thresholds_update(*, actor: Actor, values: dict[str, int]) -> Thresholds:
    """Change the rules' thresholds (superusers, in the admin). Unknown names are refused."""
    if not (actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied("Only an operator changes the rules' thresholds.")
    unknown = set(values) - set(Thresholds.__dataclass_fields__)
    if unknown:
        raise ValidationError(f"Unknown thresholds: {', '.join(sorted(unknown))}.")
    bad = sorted(name for name, value in values.items() if int(value) < 0)
    if bad:
        raise ValidationError(dict.fromkeys(bad, "Must be zero or more."))
    row, _ = RuleSettings.objects.select_for_update().get_or_create(pk=1)
    row.values = {**row.values, **{k: int(v) for k, v in values.items()}}
    row.updated_by = actor
    row.save()
    cache.delete(THRESHOLDS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(THRESHOLDS_CACHE_KEY))  # and after a race
    return row.thresholds()


# --- notifications ------------------------------------------------------------------------------


def _enqueue_notifications(flag_ids: list[int]) -> None:
    from triage.tasks import notify_flag

    for flag_id in flag_ids:
        try:
            notify_flag.delay(flag_id)
        except Exception:  # the digest still carries it
            log.warning("notification of flag %s not enqueued", flag_id, exc_info=True)
