"""What is due when (``coaching.reminders.due``): table-driven with the boundaries, across time
zones and daylight-saving changes, with a fixed clock; no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from coaching.programs import schedule
from coaching.reminders.due import CHECK_IN, NUDGE, SESSION, Plan, Preferences, due, missed_run

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
MON = date(2026, 11, 30)  # a Monday
MWF = schedule.to_bits(["mon", "wed", "fri"])
EVERY_DAY = schedule.ALL


def at(day: date, hh: int, mm: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz)


def plan(bits: int = MWF, starts: date = MON - timedelta(days=28), **kw: object) -> Plan:
    return Plan(weekdays=bits, starts_on=starts, **kw)  # type: ignore[arg-type]


PREFS = Preferences(tz=LONDON, at=time(18, 0))


@pytest.mark.parametrize(
    ("now", "the_plan", "expected"),
    [
        pytest.param(at(MON, 17, 59), plan(), [], id="a-minute-before-the-time"),
        pytest.param(at(MON, 18, 0), plan(), [(SESSION, MON)], id="at-the-time"),
        pytest.param(at(MON, 23, 59), plan(), [(SESSION, MON)], id="late-evening"),
        pytest.param(at(MON + timedelta(days=1), 18), plan(), [], id="a-rest-day"),
        pytest.param(
            at(MON, 19),
            plan(logged=frozenset({MON, MON - timedelta(days=3), MON - timedelta(days=5)})),
            [],
            id="logged-today",
        ),
        pytest.param(at(MON, 19), plan(bits=0), [], id="no-planned-days"),
        pytest.param(at(MON, 19), plan(starts=MON + timedelta(days=2)), [], id="not-started"),
        pytest.param(at(MON, 19), plan(starts=MON), [(SESSION, MON)], id="starts-today"),
    ],
)
def test_the_session_reminder(now, the_plan, expected):
    logged_before = frozenset({MON - timedelta(days=d) for d in (3, 5)})  # Fri and Wed done
    if not the_plan.logged:
        the_plan = Plan(the_plan.weekdays, the_plan.starts_on, logged_before, frozenset())
    assert due(PREFS, the_plan, now) == expected


@pytest.mark.parametrize(
    ("quiet_from", "quiet_until", "hour", "minute", "sent"),
    [
        (time(18, 0), time(20, 0), 18, 0, False),  # quiet hours start at the reminder's time
        (time(18, 0), time(20, 0), 19, 59, False),
        (time(18, 0), time(20, 0), 20, 0, True),  # they end: it comes then, the same day
        (time(22, 0), time(7, 0), 23, 0, False),  # overnight
        (time(22, 0), time(7, 0), 21, 59, True),
        (time(12, 0), time(12, 0), 18, 0, True),  # an empty span is no quiet hours
    ],
)
def test_quiet_hours(quiet_from, quiet_until, hour, minute, sent):
    prefs = Preferences(tz=LONDON, at=time(18, 0), quiet_from=quiet_from, quiet_until=quiet_until)
    logged = frozenset({MON - timedelta(days=d) for d in (3, 5)})
    result = due(prefs, Plan(MWF, MON - timedelta(days=28), logged), at(MON, hour, minute))
    assert (result == [(SESSION, MON)]) is sent


def test_the_check_in_reminder_is_every_day_and_stops_once_it_is_in():
    prefs = Preferences(tz=LONDON, at=time(18), check_in=True, check_in_at=time(8, 30))
    tuesday = MON + timedelta(days=1)  # a rest day
    logged = frozenset({MON - timedelta(days=d) for d in (3, 5)} | {MON})
    assert due(prefs, plan(logged=logged), at(tuesday, 8, 29)) == []
    assert due(prefs, plan(logged=logged), at(tuesday, 8, 30)) == [(CHECK_IN, tuesday)]
    done = plan(logged=logged, checked_in=frozenset({tuesday}))
    assert due(prefs, done, at(tuesday, 9)) == []
    off = Preferences(tz=LONDON, at=time(18))
    assert due(off, plan(logged=logged), at(tuesday, 9)) == []


@pytest.mark.parametrize(
    ("logged_days_ago", "first_missed"),
    [
        pytest.param((3, 5), None, id="none-missed"),
        pytest.param((5,), None, id="one-missed"),  # Fri missed, Wed done
        pytest.param((7,), MON - timedelta(days=5), id="two-missed"),  # Wed and Fri missed
        pytest.param((10,), MON - timedelta(days=7), id="three-missed-same-run"),
    ],
)
def test_a_nudge_once_per_run_of_two_missed_planned_days(logged_days_ago, first_missed):
    logged = frozenset(MON - timedelta(days=d) for d in logged_days_ago)
    the_plan = plan(logged=logged)
    assert missed_run(the_plan, MON) == first_missed
    result = due(PREFS, the_plan, at(MON, 18))
    assert ((NUDGE, first_missed) in result) is (first_missed is not None)


def test_a_longer_run_keeps_the_nudges_key_so_it_is_sent_once():
    logged = frozenset({MON - timedelta(days=7)})  # last done a week ago Monday
    wednesday = MON + timedelta(days=2)
    key_monday = missed_run(plan(logged=logged), MON)
    key_wednesday = missed_run(plan(logged=logged), wednesday)
    assert key_monday == key_wednesday == MON - timedelta(days=5)


def test_a_new_program_nudges_nobody_for_days_before_it_started():
    assert missed_run(plan(starts=MON - timedelta(days=2)), MON) is None


def test_the_same_instant_is_another_day_in_another_time_zone():
    instant = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # Mon in London, Tue in Tokyo
    every_day = plan(bits=EVERY_DAY)
    london = due(Preferences(tz=LONDON, at=time(18)), every_day, instant)
    assert london == [(SESSION, MON), (NUDGE, missed_run(every_day, MON))]
    tokyo = due(Preferences(tz=TOKYO, at=time(8)), every_day, instant)
    assert (SESSION, MON + timedelta(days=1)) in tokyo
    # 18:30 in New York: a reminder for 19:00 is not due yet, one for 18:00 is
    assert due(Preferences(tz=NEW_YORK, at=time(19)), every_day, instant) == []
    assert (SESSION, MON) in due(Preferences(tz=NEW_YORK, at=time(18)), every_day, instant)


def test_daylight_saving_changes_in_london():
    prefs = Preferences(tz=LONDON, at=time(1, 30))
    every_day = plan(bits=EVERY_DAY, starts=date(2026, 3, 1))
    # 29 March 2026: clocks go from 01:00 to 02:00; 01:30 does not exist that night
    spring = date(2026, 3, 29)
    before = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)  # 00:59 GMT
    after = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 BST
    assert (SESSION, spring) not in due(prefs, every_day, before)
    assert (SESSION, spring) in due(prefs, every_day, after)
    # 25 October 2026: 01:30 happens twice; the reminder is due from the first (one row a day)
    autumn = date(2026, 10, 25)
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT
    assert (SESSION, autumn) in due(prefs, every_day, first)
    assert (SESSION, autumn) in due(prefs, every_day, second)  # the same key: sent once
