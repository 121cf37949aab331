"""Reads of the caseload dashboard, the admin's home page for trainers (issue 15): open flags by
urgency, the clients who need attention today, adherence over 14 days, and the outcome of the
caseload (weekly pain and PSFS). Ten queries or fewer, whatever the number of clients.

Two steps: ``caseload_rows`` reads plain rows (the ORM, grouped and summed in the database where
it can), and ``assemble`` works the numbers out of them with the pure functions the triage and
the outcomes already have (``rules.planned_sessions``, ``rules.adherence_percent``,
``rules.meaningful_rise``, ``schedule.is_planned``, ``due.due_on``). The bench's bare view
(``bench/_endpoints_admin.py``) feeds ``assemble`` the same rows from hand-written SQL.

Who sees what is the one permission rule (``client_scope``): a trainer their clients, a practice
admin the practice's (optionally one trainer's), a superuser everyone's."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from coaching.accounts.selectors import (
    client_scope,
    name_columns,
    prepared,
    profile_of,
    trainers_for,
)
from coaching.models import (
    CheckIn,
    Client,
    OutcomeSchedule,
    Program,
    QuestionnaireResponse,
    Session,
    Trainer,
    User,
)
from coaching.outcomes import due
from coaching.outcomes.measures import meaningful_change
from coaching.programs import schedule
from coaching.shared.selectors import Actor
from config.prepared import Family, Prepared
from triage.models import Flag
from triage.rules import (
    History,
    Thresholds,
    adherence_percent,
    meaningful_rise,
    planned_sessions,
)

NO_LOG_PLANNED_DAYS = 2  # a client needs attention after this many planned days without a log
BASELINE_DAYS = 14  # weekly pain: the program's first two weeks …
RECENT_DAYS = 7  # … against the most recent week
PSFS = "psfs"  # the Patient-Specific Functional Scale: higher is better
PSFS_MEANINGFUL_RISE = 2.0
ATTENTION_ROWS = 50  # the dashboard lists this many; the client list behind the count has all
ADHERENCE_ROWS = 20  # the lowest adherence first
RED_FLAG_URGENCIES = (Flag.Urgency.EMERGENCY.value, Flag.Urgency.URGENT.value)


def shows_dashboard(actor: Actor) -> bool:
    """The dashboard is a trainer's home (practice admins included): superusers and catalogue
    editors without a trainer profile keep Django's index."""
    return actor.is_authenticated and profile_of(actor).trainer is not None


# --- what the dashboard shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """n of m clients."""

    n: int
    m: int

    @property
    def percent(self) -> int | None:
        return None if not self.m else round(self.n * 100 / self.m)


@dataclass(frozen=True)
class FlagCount:
    urgency: str
    label: str
    count: int


@dataclass(frozen=True)
class AttentionRow:
    client_id: int
    name: str
    trainer: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AdherenceRow:
    client_id: int
    name: str
    trainer: str
    done: int
    planned: int
    percent: float | None


# the client list's filter (``?caseload=…``): each set of clients a number of the dashboard counts
SETS: dict[str, str] = {
    "attention": "Needs attention today",
    "red-flag": "Open red flag",
    "no-log": f"No log for {NO_LOG_PLANNED_DAYS} planned days",
    "questionnaire-due": "Questionnaire due",
    "adherence-low": "Adherence below 50 % (14 days)",
    "pain-better": "Weekly pain fell meaningfully",
    "pain-measured": "Weekly pain measured",
    "psfs-better": "PSFS rose by 2 or more",
    "psfs-measured": "PSFS answered twice or more",
}


@dataclass(frozen=True)
class Caseload:
    clients: int  # in view
    with_program: int  # of them with an active program
    flags: tuple[FlagCount, ...]
    attention: tuple[AttentionRow, ...]  # the first ATTENTION_ROWS
    reasons: dict[str, int]  # "red-flag", "no-log", "questionnaire-due" → clients
    adherence: tuple[AdherenceRow, ...]  # the lowest ADHERENCE_ROWS
    adherence_bands: tuple[tuple[str, int], ...]  # "0–24 %" → clients
    pain: Share
    psfs: Share
    sets: dict[str, frozenset[int]] = field(repr=False)
    low_percent: int = 50

    @property
    def open_flags(self) -> int:
        return sum(f.count for f in self.flags)

    def count(self, key: str) -> int:
        return len(self.sets[key])


# --- the rows it is worked out from ----------------------------------------------------------


@dataclass(frozen=True)
class ProgramRow:
    client_id: int
    id: int
    status: str
    starts_on: date
    ended_on: date | None
    sessions_per_week: int
    weekdays: int


@dataclass(frozen=True)
class SessionStats:
    """A client's sessions since ``lookback``: how many in the adherence window, the last one,
    and the sum and number of their pain ratings in the recent week."""

    done: int
    last_at: datetime | None
    recent_sum: int
    recent_n: int


@dataclass(frozen=True)
class ScheduleRow:
    program_id: int
    instrument: str
    at_start: bool
    every_weeks: int | None
    at_end: bool


@dataclass(frozen=True)
class AnswerRow:
    client_id: int
    program_id: int  # the program whose start it counts from
    instrument: str
    answered_at: datetime
    score: float


# (client id → (client's name, trainer's name)) for the clients the page names
Names = Callable[[Sequence[int]], dict[int, tuple[str, str]]]


@dataclass
class CaseloadRows:
    clients: int
    programs: list[ProgramRow]  # active, or ended within due.AFTER_END_DAYS
    flags: list[tuple[int, str, str, int]]  # client id, kind, urgency, open flags
    sessions: dict[int, SessionStats]
    session_baseline: dict[int, tuple[int, int]]  # pain before: sum, count
    check_ins_recent: dict[int, tuple[int, int]]
    check_ins_baseline: dict[int, tuple[int, int]]
    schedules: list[ScheduleRow]
    answers: list[AnswerRow]  # oldest first
    names: Names


@dataclass(frozen=True)
class Window:
    """The days and moments the dashboard compares, from ``now`` (local days)."""

    now: datetime
    today: date
    adherence_start: datetime  # sessions after this count for adherence
    lookback: datetime  # sessions after this are read (the last one, for "no log")
    recent_first: date  # the recent week: recent_first … today
    ended_since: date  # a program ended on or after this may still have a questionnaire due

    @classmethod
    def of(cls, now: datetime, thresholds: Thresholds) -> Window:
        today = timezone.localtime(now).date()
        back = max(thresholds.adherence_window_days, 7 * NO_LOG_PLANNED_DAYS) + 1
        return cls(
            now=now,
            today=today,
            adherence_start=now - timedelta(days=thresholds.adherence_window_days),
            lookback=now - timedelta(days=back),
            recent_first=today - timedelta(days=RECENT_DAYS - 1),
            ended_since=today - timedelta(days=due.AFTER_END_DAYS),
        )


# --- reading ---------------------------------------------------------------------------------


def visible_trainers(actor: Actor) -> list[Trainer]:
    """The trainers a practice admin (or superuser) may filter the dashboard by; [] for a
    trainer (one query, none for a trainer)."""
    profile = profile_of(actor)
    if not (actor.is_authenticated and (actor.is_superuser or profile.is_practice_admin)):
        return []
    return list(trainers_for(actor))


def _scope(actor: Actor, trainer_id: int | None, via: str = "") -> Q:
    scope = client_scope(actor, via)
    if trainer_id is not None:
        scope &= Q(**{f"{via}trainer_id": trainer_id})
    return scope


def _names(actor: Actor, trainer_id: int | None) -> Names:
    def names(ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        rows = Client.objects.filter(_scope(actor, trainer_id), pk__in=list(ids)).values_list(
            "id", *name_columns("user"), *name_columns("trainer__user")
        )
        return {r[0]: (User.name_of(*r[1:4]), User.name_of(*r[4:7])) for r in rows}

    return names


def _pain_sums(rows: QuerySet[Any], field: str) -> QuerySet[Any]:
    """``(client id, sum of the pain ratings, how many)`` of these logs, per client."""
    sums: QuerySet[Any] = (
        rows.values("client_id")
        .annotate(total=Sum(field), n=Count("id"))
        .order_by()
        .values_list("client_id", "total", "n")
    )
    return sums


# (the last day included: ``<=`` compares a date with a date + interval alike on SQLite)
_BASELINE_LAST = timedelta(days=BASELINE_DAYS - 1)


def _prepared_for(key: tuple[Callable[..., QuerySet[Any]], bool]) -> Prepared:
    build, everyone = key  # (everyone: no trainer chosen, the query takes no trainer id)
    if everyone:
        return prepared(lambda a, *v: build(a, None, *v), constants=[_BASELINE_LAST])
    return prepared(build, constants=[_BASELINE_LAST])


_READS = Family(_prepared_for)


def _rows(build: Callable[..., QuerySet[Any]], actor: Actor, trainer_id: int | None,
          *values: Any, count: bool = False) -> Any:  # fmt: skip
    """``build(actor, trainer_id, *values)``'s rows (or their number) through a prepared read
    (``config.prepared``: the window's days and times are its values), one per query and
    whether a trainer is chosen."""
    read = _READS[(build, trainer_id is None)]
    args = (actor, *values) if trainer_id is None else (actor, trainer_id, *values)
    return read.count(*args) if count else read.rows(*args)


def _current(ended_since: date) -> Q:
    return Q(client__programs__status=Program.Status.ACTIVE) | Q(
        client__programs__status=Program.Status.ENDED,
        client__programs__ended_on__gte=ended_since,
    )


def _clients(actor: Actor, trainer_id: int | None) -> QuerySet[Any]:
    return Client.objects.filter(_scope(actor, trainer_id))


def _programs(actor: Actor, trainer_id: int | None, ended_since: date) -> QuerySet[Any]:
    return (
        Program.objects.filter(_scope(actor, trainer_id, "client__"))
        .filter(
            Q(status=Program.Status.ACTIVE)
            | Q(status=Program.Status.ENDED, ended_on__gte=ended_since)
        )
        .order_by("client_id", "status", "-ended_on", "-id")  # "active" before "ended"
        .values_list(
            "client_id", "id", "status", "starts_on", "ended_on", "sessions_per_week", "weekdays"
        )
    )


def _flags(actor: Actor, trainer_id: int | None) -> QuerySet[Any]:
    return (
        Flag.objects.filter(_scope(actor, trainer_id, "client__"), status=Flag.Status.OPEN)
        .values("client_id", "kind", "urgency")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("client_id", "kind", "urgency", "n")
    )


def _sessions(actor: Actor, trainer_id: int | None, lookback: datetime, now: datetime,
              adherence_start: datetime, recent_first: date) -> QuerySet[Any]:  # fmt: skip
    recent_pain = Q(performed_at__date__gte=recent_first)
    return (
        Session.objects.filter(
            _scope(actor, trainer_id, "client__"), performed_at__gt=lookback, performed_at__lte=now
        )
        .values("client_id")
        .annotate(
            done=Count("id", filter=Q(performed_at__gt=adherence_start)),
            last_at=Max("performed_at"),
            recent_sum=Sum("pain_before", filter=recent_pain, default=0),
            recent_n=Count("id", filter=recent_pain),
        )
        .order_by()
        .values_list("client_id", "done", "last_at", "recent_sum", "recent_n")
    )


def _baseline(model: Any, day: str, pain: str) -> Callable[..., QuerySet[Any]]:
    """The pain sums of ``model``'s logs in the first ``BASELINE_DAYS`` of each client's active
    program (``day``: the lookup of a log's day)."""

    def build(actor: Actor, trainer_id: int | None) -> QuerySet[Any]:
        start = F("client__programs__starts_on")
        return _pain_sums(
            model.objects.filter(
                _scope(actor, trainer_id, "client__"),
                client__programs__status=Program.Status.ACTIVE,
                **{f"{day}__gte": start, f"{day}__lte": start + _BASELINE_LAST},
            ),
            pain,
        )

    return build


_session_baseline = _baseline(Session, "performed_at__date", "pain_before")
_check_ins_baseline = _baseline(CheckIn, "date", "pain")


def _check_ins_recent(actor: Actor, trainer_id: int | None, recent_first: date,
                      today: date) -> QuerySet[Any]:  # fmt: skip
    return _pain_sums(
        CheckIn.objects.filter(
            _scope(actor, trainer_id, "client__"), date__gte=recent_first, date__lte=today
        ),
        "pain",
    )


def _schedules(actor: Actor, trainer_id: int | None, ended_since: date) -> QuerySet[Any]:
    return (
        OutcomeSchedule.objects.filter(
            _scope(actor, trainer_id, "program__client__"),
            Q(program__status=Program.Status.ACTIVE)
            | Q(program__status=Program.Status.ENDED, program__ended_on__gte=ended_since),
        )
        .order_by("program_id", "instrument_slug")
        .values_list("program_id", "instrument_slug", "at_start", "every_weeks", "at_end")
    )


def _answers(actor: Actor, trainer_id: int | None, ended_since: date,
             now: datetime) -> QuerySet[Any]:  # fmt: skip
    return (
        QuestionnaireResponse.objects.filter(
            _scope(actor, trainer_id, "client__"),
            _current(ended_since),
            answered_at__date__gte=F("client__programs__starts_on"),
            answered_at__lte=now,
        )
        .order_by("answered_at", "id")
        .values_list(
            "client_id", "client__programs__id", "instrument__slug", "answered_at", "score"
        )
    )


def caseload_rows(
    actor: Actor, *, trainer_id: int | None, window: Window, thresholds: Thresholds
) -> CaseloadRows:
    """The rows the dashboard is worked out from: nine prepared queries whatever the caseload
    (one more to name the clients it lists)."""
    w = window

    def sums(build: Callable[..., QuerySet[Any]], *v: Any) -> dict[int, Any]:
        return {c: (total, n) for c, total, n in _rows(build, actor, trainer_id, *v)}

    return CaseloadRows(
        clients=_rows(_clients, actor, trainer_id, count=True),
        programs=[ProgramRow(*r) for r in _rows(_programs, actor, trainer_id, w.ended_since)],
        flags=list(_rows(_flags, actor, trainer_id)),
        sessions={
            r[0]: SessionStats(*r[1:])
            for r in _rows(
                _sessions,
                actor,
                trainer_id,
                w.lookback,
                w.now,
                w.adherence_start,
                w.recent_first,
            )
        },
        session_baseline=sums(_session_baseline),
        check_ins_recent=sums(_check_ins_recent, w.recent_first, w.today),
        check_ins_baseline=sums(_check_ins_baseline),
        schedules=[ScheduleRow(*r) for r in _rows(_schedules, actor, trainer_id, w.ended_since)],
        answers=[AnswerRow(*r) for r in _rows(_answers, actor, trainer_id, w.ended_since, w.now)],
        names=_names(actor, trainer_id),
    )


# --- working it out (pure but for the names) --------------------------------------------------


def no_log_since(program: ProgramRow, today: date) -> date | None:
    """The first of the last ``NO_LOG_PLANNED_DAYS`` planned days before today (today is not
    over): a client who logged nothing since that day needs attention. With planned weekdays,
    those days; without, a planned day every 7 / sessions-per-week days. None while the program
    has not yet had that many planned days."""
    if program.weekdays:
        found: list[date] = []
        day = today - timedelta(days=1)
        while day >= program.starts_on and len(found) < NO_LOG_PLANNED_DAYS:
            if schedule.is_planned(program.weekdays, day, program.starts_on):
                found.append(day)
            day -= timedelta(days=1)
        return found[-1] if len(found) == NO_LOG_PLANNED_DAYS else None
    days = math.ceil(NO_LOG_PLANNED_DAYS * 7 / max(1, program.sessions_per_week))
    first = today - timedelta(days=days)
    return first if first >= program.starts_on else None


def _mean(*parts: tuple[int, int] | None) -> float | None:
    total = sum(p[0] for p in parts if p)
    n = sum(p[1] for p in parts if p)
    return total / n if n else None


def pain_fell(baseline: float, recent: float, thresholds: Thresholds) -> bool:
    """Weekly pain fell meaningfully: the rules' meaningful rise, read backwards."""
    return meaningful_rise(recent, baseline, thresholds)


def _bands(rows: Sequence[AdherenceRow]) -> tuple[tuple[str, int], ...]:
    bands = [("0–24 %", 0, 25), ("25–49 %", 25, 50), ("50–79 %", 50, 80), ("80–100 %", 80, 101)]
    return tuple(
        (label, sum(1 for r in rows if r.percent is not None and low <= r.percent < high))
        for label, low, high in bands
    )


def assemble(rows: CaseloadRows, *, window: Window, thresholds: Thresholds) -> Caseload:
    tz = ZoneInfo(timezone.get_current_timezone_name())
    today = window.today
    current: dict[int, ProgramRow] = {}
    for program in rows.programs:  # active first within a client, then the latest ended
        current.setdefault(program.client_id, program)
    active = {c: p for c, p in current.items() if p.status == Program.Status.ACTIVE}

    # flags
    by_urgency: dict[str, int] = defaultdict(int)
    red_flag: set[int] = set()
    for client_id, kind, urgency, n in rows.flags:
        by_urgency[urgency] += n
        if kind == Flag.Kind.REFERRAL and urgency in RED_FLAG_URGENCIES:
            red_flag.add(client_id)
    flags = tuple(FlagCount(u.value, u.label, by_urgency[u.value]) for u in Flag.Urgency)

    # adherence and the days without a log (active programs)
    adherence: list[tuple[int, int, float | None, int]] = []  # client, done, %, planned
    no_log: set[int] = set()
    for client_id, program in active.items():
        stats = rows.sessions.get(client_id)
        history = History(
            client_id=client_id,
            tz=tz,
            sessions_per_week=program.sessions_per_week,
            planned_weekdays=schedule.days(program.weekdays),
            program_started_on=program.starts_on,
        )
        planned = planned_sessions(history, thresholds, window.now)
        done = stats.done if stats else 0
        adherence.append((client_id, done, adherence_percent(done, planned), planned))
        since = no_log_since(program, today)
        last = stats.last_at.astimezone(tz).date() if stats and stats.last_at else None
        if since is not None and (last is None or last < since):
            no_log.add(client_id)

    # questionnaires due (the current program: active, or just ended)
    schedules: dict[int, list[ScheduleRow]] = defaultdict(list)
    for s in rows.schedules:
        schedules[s.program_id].append(s)
    answered: dict[tuple[int, str], list[AnswerRow]] = defaultdict(list)
    for a in rows.answers:
        owner = current.get(a.client_id)
        if owner is not None and a.program_id == owner.id:
            answered[(a.client_id, a.instrument)].append(a)
    questionnaire_due: set[int] = set()
    for client_id, program in current.items():
        for s in schedules.get(program.id, ()):
            days = [
                a.answered_at.astimezone(tz).date() for a in answered[(client_id, s.instrument)]
            ]
            cadence = due.Cadence(s.at_start, s.every_weeks, s.at_end)
            if due.due_on(cadence, program.starts_on, program.ended_on, today, days) is not None:
                questionnaire_due.add(client_id)

    # outcomes: weekly pain (programs that ran past their first two weeks and one more) and PSFS
    pain_measured: set[int] = set()
    pain_better: set[int] = set()
    for client_id, program in active.items():
        if program.starts_on + timedelta(days=BASELINE_DAYS) > window.recent_first:
            continue  # the first two weeks and the recent week would overlap
        stats = rows.sessions.get(client_id)
        baseline = _mean(
            rows.session_baseline.get(client_id), rows.check_ins_baseline.get(client_id)
        )
        recent = _mean(
            (stats.recent_sum, stats.recent_n) if stats else None,
            rows.check_ins_recent.get(client_id),
        )
        if baseline is None or recent is None:
            continue
        pain_measured.add(client_id)
        if pain_fell(baseline, recent, thresholds):
            pain_better.add(client_id)
    psfs_measured: set[int] = set()
    psfs_better: set[int] = set()
    for (client_id, instrument), answers in answered.items():
        if instrument != PSFS or len(answers) < 2:
            continue
        psfs_measured.add(client_id)
        if (
            meaningful_change("higher", PSFS_MEANINGFUL_RISE, answers[0].score, answers[-1].score)
            > 0
        ):
            psfs_better.add(client_id)

    attention_ids = red_flag | no_log | questionnaire_due
    ranked = sorted(
        attention_ids,
        key=lambda c: (c not in red_flag, c not in no_log, c not in questionnaire_due, c),
    )[:ATTENTION_ROWS]
    low = sorted(adherence, key=lambda a: (a[2] is None, a[2] or 0.0, -a[3], a[0]))
    shown = low[:ADHERENCE_ROWS]
    names = rows.names([*ranked, *(a[0] for a in shown)])
    unnamed = ("?", "?")
    attention = tuple(
        AttentionRow(
            client_id=c,
            name=names.get(c, unnamed)[0],
            trainer=names.get(c, unnamed)[1],
            reasons=tuple(
                text
                for key, text in (
                    (red_flag, "open red flag"),
                    (no_log, f"no log for {NO_LOG_PLANNED_DAYS} planned days"),
                    (questionnaire_due, "questionnaire due"),
                )
                if c in key
            ),
        )
        for c in ranked
    )
    adherence_rows = [
        AdherenceRow(
            client_id=c,
            name=names.get(c, unnamed)[0],
            trainer=names.get(c, unnamed)[1],
            done=done,
            planned=planned,
            percent=percent,
        )
        for c, done, percent, planned in adherence
    ]
    by_id = {r.client_id: r for r in adherence_rows}
    low_ids = frozenset(
        c
        for c, _, percent, _ in adherence
        if percent is not None and percent < thresholds.adherence_low_percent
    )
    return Caseload(
        clients=rows.clients,
        with_program=len(active),
        flags=flags,
        attention=attention,
        reasons={
            "red-flag": len(red_flag),
            "no-log": len(no_log),
            "questionnaire-due": len(questionnaire_due),
        },
        adherence=tuple(by_id[a[0]] for a in shown),
        adherence_bands=_bands(adherence_rows),
        pain=Share(len(pain_better), len(pain_measured)),
        psfs=Share(len(psfs_better), len(psfs_measured)),
        sets={
            "attention": frozenset(attention_ids),
            "red-flag": frozenset(red_flag),
            "no-log": frozenset(no_log),
            "questionnaire-due": frozenset(questionnaire_due),
            "adherence-low": low_ids,
            "pain-better": frozenset(pain_better),
            "pain-measured": frozenset(pain_measured),
            "psfs-better": frozenset(psfs_better),
            "psfs-measured": frozenset(psfs_measured),
        },
        low_percent=thresholds.adherence_low_percent,
    )


def caseload(
    actor: Actor,
    *,
    trainer_id: int | None = None,
    now: datetime | None = None,
    thresholds: Thresholds,
) -> Caseload:
    """The dashboard of the clients the actor sees (of one trainer, if given)."""
    window = Window.of(now or timezone.now(), thresholds)
    rows = caseload_rows(actor, trainer_id=trainer_id, window=window, thresholds=thresholds)
    return assemble(rows, window=window, thresholds=thresholds)


def caseload_set(
    actor: Actor, key: str, *, now: datetime | None = None, thresholds: Thresholds
) -> frozenset[int]:
    """The clients one number of the dashboard counts (``SETS``), for the client list."""
    return caseload(actor, now=now, thresholds=thresholds).sets.get(key, frozenset())
