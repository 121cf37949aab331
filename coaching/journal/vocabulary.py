"""What a client reports, in the words of TRIAGE_RULES.md: pain locations and qualities, the
symptom checklist with the wording shown to clients, the pain zones, and the immediate safety
answer to a red-flag symptom.

Pure: no ORM, no clock. The triage rules read the same codes from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

PAIN_MIN, PAIN_MAX = 0, 10


class PainLocation(models.TextChoices):
    LOWER_BACK = "lower_back", "Lower back"
    UPPER_BACK = "upper_back", "Upper back"
    NECK = "neck", "Neck"
    HIP = "hip", "Hip"
    GLUTE = "glute", "Buttock (glute)"
    HAMSTRING = "hamstring", "Back of the thigh (hamstring)"
    THIGH = "thigh", "Front of the thigh"
    KNEE = "knee", "Knee"
    ABDOMEN = "abdomen", "Belly (abdomen)"
    OTHER = "other", "Somewhere else"


LOCATION_LABELS: dict[str, str] = dict(PainLocation.choices)


class PainQuality(models.TextChoices):
    DULL = "dull", "Dull"
    ACHE = "ache", "Aching"
    BURNING = "burning", "Burning"
    SHARP = "sharp", "Sharp"
    SHOOTING = "shooting", "Shooting"


QUALITY_LABELS: dict[str, str] = dict(PainQuality.choices)


class Symptom(models.TextChoices):
    """The symptom checklist. Each label names the body part, because "numbness" alone is
    ambiguous (arm or face numbness is not a spinal red flag)."""

    SADDLE_NUMBNESS = (
        "saddle_numbness",
        "Numbness or tingling between the legs, genitals or back passage",
    )
    BLADDER_BOWEL_CHANGE = (
        "bladder_bowel_change",
        "New trouble passing urine, leaking urine, or loss of bowel control",
    )
    BOTH_LEGS = "both_legs", "Pain, numbness or tingling in both legs"
    PROGRESSIVE_WEAKNESS = "progressive_weakness", "Legs getting weaker, or walking is affected"
    LEG_WEAKNESS = (
        "leg_weakness",
        "Weakness in one leg or foot (for example the foot slaps or drags)",
    )
    LEG_NUMBNESS = "leg_numbness", "Numbness in one leg or foot"
    LEG_TINGLING = "leg_tingling", "Pins and needles in one leg or foot"
    RADIATING_BELOW_KNEE = "radiating_below_knee", "Pain shooting down the leg below the knee"
    FEVER = "fever", "Fever (38 °C or higher) or feeling unwell"
    WEIGHT_LOSS = "weight_loss", "Weight loss you cannot explain"
    NIGHT_PAIN = "night_pain", "Pain that is worse at night or not eased by rest"
    TRAUMA = "trauma", "The pain started after a fall or accident"


SYMPTOM_LABELS: dict[str, str] = dict(Symptom.choices)

EMERGENCY_SYMPTOMS = frozenset(
    {
        Symptom.SADDLE_NUMBNESS,
        Symptom.BLADDER_BOWEL_CHANGE,
        Symptom.BOTH_LEGS,
        Symptom.PROGRESSIVE_WEAKNESS,
    }
)
URGENT_SYMPTOMS = frozenset(
    {
        Symptom.LEG_WEAKNESS,
        Symptom.FEVER,
        Symptom.WEIGHT_LOSS,
        Symptom.NIGHT_PAIN,
        Symptom.TRAUMA,
    }
)
NERVE_SYMPTOMS = frozenset(
    {Symptom.RADIATING_BELOW_KNEE, Symptom.LEG_NUMBNESS, Symptom.LEG_TINGLING}
)

# The pain-monitoring model's zones (Silbernagel 2007), as explained next to every pain scale.
PAIN_ZONES: tuple[tuple[int, int, str, str], ...] = (
    (0, 2, "safe", "0–2: safe. Carry on."),
    (3, 5, "acceptable", "3–5: acceptable. Carry on, but do not make it harder."),
    (6, 10, "too_much", "6–10: too much. Stop that exercise and tell your trainer."),
)


def pain_zone(pain: int) -> str:
    """``safe`` (0–2), ``acceptable`` (3–5) or ``too_much`` (above 5)."""
    for low, high, zone, _ in PAIN_ZONES:
        if low <= pain <= high:
            return zone
    raise ValueError(f"pain must be between {PAIN_MIN} and {PAIN_MAX}, not {pain}")


@dataclass(frozen=True)
class Safety:
    """The answer given at once to a client who reports a red-flag symptom."""

    level: str  # "emergency" | "urgent"
    message: str
    symptoms: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "message": self.message, "symptoms": list(self.symptoms)}


EMERGENCY_MESSAGE = (
    "Stop exercising. Seek emergency care now: go to an emergency department or call your "
    "local emergency number. These symptoms can mean pressure on the nerves at the base of the "
    "spine, which needs to be seen today, not tomorrow. Your trainer will see this report."
)
URGENT_MESSAGE = (
    "Stop exercising for now and contact your doctor today. These symptoms need a medical "
    "opinion before you carry on with your program. Your trainer will see this report."
)


def safety_for(symptoms: Iterable[str]) -> Safety | None:
    """The immediate answer to a report's symptoms (TRIAGE_RULES.md, RF-EMERGENCY and
    RF-URGENT): emergency wins over urgent; anything else needs no immediate answer."""
    reported = set(symptoms)
    emergency = tuple(s for s in Symptom.values if s in reported and s in EMERGENCY_SYMPTOMS)
    if emergency:
        return Safety("emergency", EMERGENCY_MESSAGE, emergency)
    urgent = tuple(s for s in Symptom.values if s in reported and s in URGENT_SYMPTOMS)
    if urgent:
        return Safety("urgent", URGENT_MESSAGE, urgent)
    return None
