"""Every range a number of coaching stays in, with the words that refuse it. The models' database
constraints, the trainers' and the portal's forms, the API's serializers and the services all
read them from here, so a range changes in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    low: int
    high: int
    message: str

    def __contains__(self, value: object) -> bool:
        return self.low <= value <= self.high  # type: ignore[operator]


LOAD_KG = Range(0, 1000, "Load is between 0 and 1000 kg.")  # a prescription's or a set's
SESSIONS_PER_WEEK = Range(1, 14, "Between 1 and 14 sessions a week.")  # a program's, a template's
ENTRIES_PER_SESSION = Range(1, 30, "Log between 1 and 30 exercises.")
SETS_PER_ENTRY = Range(1, 20, "Log between 1 and 20 sets.")
REPS = Range(0, 1000, "Reps are between 0 and 1000.")  # a logged set's
RPE = Range(1, 10, "Effort is rated from 1 to 10.")  # a logged set's perceived exertion
SETS = Range(1, 10, "Between 1 and 10 sets.")  # a prescription's
PRESCRIBED_REPS = Range(1, 100, "Between 1 and 100 reps.")  # a prescription's reps_min, reps_max
HOLD_SECONDS = Range(1, 300, "Between 1 and 300 seconds.")  # a prescription's hold
