"""The printable program: a PDF handout of a client's active program, made on the server from an
HTML template (``templates/handouts/program.html``) by WeasyPrint.

What it holds: the practice, the client, the trainer, the start date and the schedule; each
exercise with its dose, the trainer's notes, the cues by phase and the stop signals; how to rate
pain (the zones); the red-flag advice; a blank log grid for the next weeks (the planned days'
dates, or numbered sessions without planned days); and a QR code that opens the portal. A4 or
Letter, an optional large print, readable in black and white (nothing is said by colour
alone)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from coaching.journal.vocabulary import (
    EMERGENCY_MESSAGE,
    EMERGENCY_SYMPTOMS,
    PAIN_ZONES,
    SYMPTOM_LABELS,
    URGENT_MESSAGE,
    URGENT_SYMPTOMS,
)
from coaching.models import Program
from coaching.programs import schedule

PAPERS = {"a4": "A4", "letter": "Letter"}
GRID_WEEKS = 4


@dataclass(frozen=True)
class Options:
    paper: str = "a4"  # a key of PAPERS
    large: bool = False


def _grid(program: Program, today: date) -> list[str]:
    """The rows of the log grid: the next planned days' dates, or numbered sessions."""
    start = max(today, program.starts_on)
    if program.weekdays:
        days = schedule.next_planned(program.weekdays, start, count=7 * GRID_WEEKS)
        end = start + timedelta(weeks=GRID_WEEKS)
        return [f"{d:%a %-d %b}" for d in days if d < end]
    return [f"Session {n}" for n in range(1, program.sessions_per_week * GRID_WEEKS + 1)]


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, dark="#000", light="#fff")


def handout_context(program: Program, options: Options) -> dict[str, Any]:
    """What the template shows, from a program with its current prescriptions, their exercises
    and cues (``programs.selectors.active_program(..., with_cues=True, with_trainer=True)``)."""
    prescriptions = []
    for rx in getattr(program, "current", []) or program.prescriptions.filter(ended_at=None):
        phases: dict[str, list[str]] = defaultdict(list)
        for cue in rx.exercise.cues.all():
            phases[cue.get_phase_display()].append(cue.text)
        prescriptions.append({"rx": rx, "exercise": rx.exercise, "cues": dict(phases)})
    portal = str(settings.SITE_URL).rstrip("/") + "/"
    client = program.client
    return {
        "program": program,
        "client": client,
        "trainer": client.trainer,
        "practice": client.practice,
        "schedule": schedule.describe(program.weekdays, program.sessions_per_week),
        "prescriptions": prescriptions,
        "zones": PAIN_ZONES,
        "emergency": [SYMPTOM_LABELS[s] for s in SYMPTOM_LABELS if s in EMERGENCY_SYMPTOMS],
        "urgent": [SYMPTOM_LABELS[s] for s in SYMPTOM_LABELS if s in URGENT_SYMPTOMS],
        "emergency_message": EMERGENCY_MESSAGE,
        "urgent_message": URGENT_MESSAGE,
        "grid": _grid(program, timezone.localdate()),
        "portal": portal,
        "qr": _qr_svg(portal),
        "paper": PAPERS.get(options.paper, "A4"),
        "large": options.large,
        "printed": timezone.localdate(),
    }


def handout_pdf(program: Program, options: Options = Options()) -> bytes:
    """The handout as PDF bytes."""
    from weasyprint import HTML  # imported when used: it loads Pango

    html = render_to_string("handouts/program.html", handout_context(program, options))
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf


def handout_name(program: Program) -> str:
    username = program.client.user.username
    return f"program-{username}-{program.starts_on:%Y-%m-%d}.pdf"
