"""When a client is reminded: pure rules, no ORM and no clock (``now`` is passed in).

- **Session**: on a planned day of the active program, from the client's chosen time, unless a
  session was logged that (local) day.
- **Check-in** (if the client asked for it): every day of an active program, from the chosen
  check-in time, unless the day's check-in is in.
- **Nudge**: once per run of missed planned days, when the last two planned days before today
  both passed without a session (keyed by the run's first missed day, so a longer run sends no
  second nudge).
- Nothing inside the client's quiet hours (an overnight span such as 22:00–07:00 works); what is
  due waits until they end, the same day. All in the client's own time zone, so a daylight-saving
  change moves nothing: a reminder for 01:30 on the night the clocks go forward comes at 02:00,
  and on the night they go back it is due once (one row per client, day and kind)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coaching.programs import schedule

SESSION, CHECK_IN, NUDGE = "session", "check_in", "nudge"
NUDGE_AFTER = 2  # missed planned days in a row
LOOK_BACK_DAYS = 28  # how far back a run of missed days is followed


@dataclass(frozen=True)
class Preferences:
    tz: ZoneInfo
    at: time = time(18, 0)
    check_in: bool = False
    check_in_at: time = time(9, 0)
    quiet_from: time | None = None
    quiet_until: time | None = None


@dataclass(frozen=True)
class Plan:
    """The active program's schedule and what the client logged lately (local days)."""

    weekdays: int  # bits (``coaching.programs.schedule``); 0: no planned days
    starts_on: date
    logged: Set[date] = frozenset()  # days with a session
    checked_in: Set[date] = frozenset()  # days with a check-in


def quiet(prefs: Preferences, moment: time) -> bool:
    start, end = prefs.quiet_from, prefs.quiet_until
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight


def missed_run(plan: Plan, today: date) -> date | None:
    """The first day of the run of missed planned days that ends with the last planned day
    before today, if it is ``NUDGE_AFTER`` days or longer; else None."""
    if not plan.weekdays:
        return None
    run: list[date] = []
    day = today - timedelta(days=1)
    horizon = max(plan.starts_on, today - timedelta(days=LOOK_BACK_DAYS))
    while day >= horizon:
        if schedule.is_planned(plan.weekdays, day, plan.starts_on):
            if day in plan.logged:
                break
            run.append(day)
        day -= timedelta(days=1)
    return run[-1] if len(run) >= NUDGE_AFTER else None


def due(prefs: Preferences, plan: Plan, now: datetime) -> list[tuple[str, date]]:
    """What is due now: (kind, the client's day) pairs; each is sent once (the caller keeps a
    row per client, day and kind)."""
    local = now.astimezone(prefs.tz)
    today, moment = local.date(), local.time().replace(tzinfo=None)
    if today < plan.starts_on or quiet(prefs, moment):
        return []
    found: list[tuple[str, date]] = []
    if moment >= prefs.at:
        if schedule.is_planned(plan.weekdays, today, plan.starts_on) and today not in plan.logged:
            found.append((SESSION, today))
        first_missed = missed_run(plan, today)
        if first_missed is not None:
            found.append((NUDGE, first_missed))
    if prefs.check_in and moment >= prefs.check_in_at and today not in plan.checked_in:
        found.append((CHECK_IN, today))
    return found
