"""When a questionnaire is due: pure, no ORM and no clock (``today`` is passed in).

A schedule sends its instrument at the program's start, every N weeks after it, and at its end
(the day it ended). An occasion is due from its day until the client answers the instrument on
or after that day, or the next occasion comes; after the end, for ``AFTER_END_DAYS`` days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

AFTER_END_DAYS = 14


@dataclass(frozen=True)
class Cadence:
    at_start: bool = True
    every_weeks: int | None = None
    at_end: bool = True


def occasions(cadence: Cadence, starts_on: date, ended_on: date | None, today: date) -> list[date]:
    """The occasions up to today (and up to the end, for an ended program), oldest first."""
    last = min(today, ended_on) if ended_on else today
    days: set[date] = set()
    if cadence.at_start and starts_on <= last:
        days.add(starts_on)
    if cadence.every_weeks:
        day = starts_on + timedelta(weeks=cadence.every_weeks)
        while day <= last:
            days.add(day)
            day += timedelta(weeks=cadence.every_weeks)
    if cadence.at_end and ended_on and ended_on <= today:
        days.add(ended_on)
    return sorted(days)


def due_on(
    cadence: Cadence,
    starts_on: date,
    ended_on: date | None,
    today: date,
    answered: Iterable[date],
) -> date | None:
    """The occasion the client should answer now, or None: the latest occasion so far, unless
    an answer came on or after it (an ended program's for ``AFTER_END_DAYS`` days only)."""
    if ended_on and today > ended_on + timedelta(days=AFTER_END_DAYS):
        return None
    past = occasions(cadence, starts_on, ended_on, today)
    if not past:
        return None
    latest = past[-1]
    if any(day >= latest for day in answered):
        return None
    return latest


def next_on(cadence: Cadence, starts_on: date, ended_on: date | None, today: date) -> date | None:
    """The next occasion after today (the end is not known in advance), or None."""
    if ended_on:
        return None
    if cadence.at_start and starts_on > today:
        return starts_on
    if cadence.every_weeks:
        day = starts_on + timedelta(weeks=cadence.every_weeks)
        while day <= today:
            day += timedelta(weeks=cadence.every_weeks)
        return day
    return None
