"""A program's schedule: the weekdays it plans sessions on, or none (any days, as many as
``sessions_per_week`` says). Pure functions, no ORM and no clock (``today`` is passed in).

Stored as bits (Monday 1, Tuesday 2, … Sunday 64; 0 for no fixed days) on programs and templates;
shown and taken as codes (``["mon", "wed", "fri"]``) by the API, the admin and the portal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHOICES = list(zip(CODES, NAMES, strict=True))
ALL = (1 << 7) - 1


def to_bits(codes: Iterable[str]) -> int:
    """``["mon", "fri"]`` → 17. An unknown code is a ``ValueError`` naming it."""
    bits = 0
    for code in codes:
        if code not in CODES:
            raise ValueError(f"“{code}” is not a weekday ({', '.join(CODES)}).")
        bits |= 1 << CODES.index(code)
    return bits


def days(bits: int) -> tuple[int, ...]:
    """The planned weekdays (Monday 0 … Sunday 6), in order."""
    return tuple(day for day in range(7) if bits & (1 << day))


def to_codes(bits: int) -> list[str]:
    return [CODES[day] for day in days(bits)]


def describe(bits: int, sessions_per_week: int) -> str:
    """ "Mon, Wed, Fri" or "any 3 days a week"."""
    if not bits:
        return f"any {sessions_per_week} day{'s' if sessions_per_week != 1 else ''} a week"
    return ", ".join(SHORT[day] for day in days(bits))


def is_planned(bits: int, day: date, starts_on: date | None = None) -> bool:
    """Whether ``day`` is a planned day (never before the program starts)."""
    if starts_on is not None and day < starts_on:
        return False
    return bool(bits & (1 << day.weekday()))


def next_planned(
    bits: int, today: date, starts_on: date | None = None, count: int = 7
) -> list[date]:
    """The next ``count`` planned days from ``today`` (included), not before the start."""
    if not bits:
        return []
    day = max(today, starts_on) if starts_on else today
    found: list[date] = []
    while len(found) < count:
        if bits & (1 << day.weekday()):
            found.append(day)
        day += timedelta(days=1)
    return found


def planned_between(weekdays: Sequence[int], first: date, last: date) -> int:
    """How many planned days fall in ``first``…``last`` (both included; 0 if ``last`` is
    before ``first``)."""
    if last < first or not weekdays:
        return 0
    total = (last - first).days + 1
    weeks, rest = divmod(total, 7)
    count = weeks * len(weekdays)
    for offset in range(rest):
        if (first + timedelta(days=weeks * 7 + offset)).weekday() in weekdays:
            count += 1
    return count
