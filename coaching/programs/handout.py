"""The printable program, and sharing it: a PDF handout of a client's active program, made on the server from an
HTML template (``templates/handouts/program.html``) by WeasyPrint.

What it holds: the practice, the client, the trainer, the start date and the schedule; each
exercise with its dose, the trainer's notes, the cues by phase and the stop signals; how to rate
pain (the zones); the red-flag advice; a blank log grid for the next weeks (the planned days'
dates, or numbered sessions without planned days); and a QR code that opens the portal. A4 or
Letter, an optional large print, readable in black and white (nothing is said by colour
alone)."""

from __future__ import annotations

import base64
import mimetypes
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coaching.accounts.selectors import profile_of
from coaching.journal.vocabulary import (
    EMERGENCY_MESSAGE,
    EMERGENCY_SYMPTOMS,
    PAIN_ZONES,
    SYMPTOM_LABELS,
    URGENT_MESSAGE,
    URGENT_SYMPTOMS,
)
from coaching.models import HandoutLink, Program
from coaching.programs import schedule
from coaching.programs.selectors import active_program, programs_for
from coaching.shared.selectors import Actor
from coaching.shared.tokens import digest, new_token
from exercises.illustration import cached_svg
from exercises.models import Exercise, ExerciseMedia

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


def _data_uri(mime: str, body: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(body).decode()}"


def _pictures(exercises: list[Exercise]) -> dict[int, dict[str, str]]:
    """Each exercise's picture for print, as a data URI with its credit: the first uploaded
    image (an upload takes precedence; a video cannot be printed), else the drawing of the
    start and end positions. One query."""
    images: dict[int, ExerciseMedia] = {}
    uploads = ExerciseMedia.objects.filter(
        exercise_id__in=[e.pk for e in exercises], kind=ExerciseMedia.Kind.IMAGE
    ).order_by("order", "id")
    for upload in uploads:
        images.setdefault(upload.exercise_id, upload)
    pictures: dict[int, dict[str, str]] = {}
    for exercise in exercises:
        media = images.get(exercise.pk)
        body = None
        if media is not None:
            try:
                with media.file.open("rb") as handle:
                    body = handle.read()
            except OSError:  # a file gone from the storage: print the drawing instead
                body = None
        if media is not None and body is not None:
            mime = mimetypes.guess_type(media.file.name or "")[0] or "image/png"
            pictures[exercise.pk] = {
                "src": _data_uri(mime, body),
                "alt": media.alt_text,
                "credit": media.credit,
            }
            continue
        if exercise.illustration:
            svg = cached_svg("still", exercise.illustration, exercise.name)
            pictures[exercise.pk] = {
                "src": _data_uri("image/svg+xml", svg.encode()),
                "alt": f"{exercise.name}: the start and end positions",
                "credit": "",
            }
    return pictures


def handout_context(program: Program, options: Options) -> dict[str, Any]:
    """What the template shows, from a program with its current prescriptions, their exercises
    and cues prefetched (``programs.selectors.active_program(..., with_cues=True,
    with_trainer=True)`` or ``program_detail``)."""
    prescriptions = []
    current = program.current  # type: ignore[attr-defined]  # prefetched by the selector
    pictures = _pictures([rx.exercise for rx in current])
    for rx in current:
        phases: dict[str, list[str]] = defaultdict(list)
        for cue in rx.exercise.cues.all():
            phases[cue.get_phase_display()].append(cue.text)
        prescriptions.append(
            {
                "rx": rx,
                "exercise": rx.exercise,
                "cues": dict(phases),
                "picture": pictures.get(rx.exercise_id),
            }
        )
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


# --- sharing: by email, or by a link that needs no sign-in --------------------------------------

LINK_DAYS = 14
LINK_DAYS_MAX = 90


class LinkRefused(Exception):
    """A shared link that opens nothing: unknown (404), or expired or revoked (410)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _care_team_program(actor: Actor, program: Program) -> Program:
    if (
        profile_of(actor).client is not None
        or not programs_for(actor).filter(pk=program.pk).exists()
    ):
        raise PermissionDenied("Only the client's care team shares their handout.")
    return program


def handout_url(token: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse("portal:shared_handout", args=[token])


@transaction.atomic
def handout_share(
    *, actor: Actor, program: Program, days: int = LINK_DAYS
) -> tuple[HandoutLink, str]:
    """A new link to the program's handout, valid for ``days`` (1 to 90); the link is shown
    once (only its digest is stored)."""
    _care_team_program(actor, program)
    if not 1 <= days <= LINK_DAYS_MAX:
        raise ValidationError({"days": f"From 1 to {LINK_DAYS_MAX} days."})
    token, token_digest = new_token()
    now = timezone.now()
    link = HandoutLink.objects.create(
        program=program,
        token_digest=token_digest,
        created_by_id=actor.pk,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return link, handout_url(token)


def handout_revoke(*, actor: Actor, link: HandoutLink) -> HandoutLink:
    _care_team_program(actor, link.program)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def handout_by_token(token: str) -> HandoutLink:
    """The link a token opens, counted as one download; ``LinkRefused`` otherwise."""
    link = (
        HandoutLink.objects.select_related("program__client__user")
        .filter(token_digest=digest(token))
        .first()
    )
    if link is None:
        raise LinkRefused(404, "This link is not known. Ask your trainer for a new one.")
    now = timezone.now()
    if link.revoked_at is not None:
        raise LinkRefused(410, "This link was withdrawn. Ask your trainer for a new one.")
    if now >= link.expires_at:
        raise LinkRefused(410, "This link has expired. Ask your trainer for a new one.")
    if link.program.status != Program.Status.ACTIVE:
        raise LinkRefused(410, "This program has ended. Ask your trainer for the current one.")
    HandoutLink.objects.filter(pk=link.pk).update(downloads=F("downloads") + 1)
    return link


def handout_email(*, actor: Actor, program: Program) -> str:
    """Email the handout (attached) to the client; the address it went to. Refused when the
    client has no email address."""
    _care_team_program(actor, program)
    client = program.client
    if not client.user.email:
        raise ValidationError("This client has no email address: share a link instead.")
    full = active_program(client, with_cues=True, with_trainer=True)
    if full is None or full.pk != program.pk:
        raise ValidationError("Only the active program's handout is sent.")
    message = EmailMessage(
        subject=f"Your exercise program: {program.name}",
        body=(
            f"Hello {client.user.first_name or client.user.username},\n\n"
            f"Your exercise program is attached, to print. It is also in the portal: "
            f"{str(settings.SITE_URL).rstrip('/')}/\n"
        ),
        to=[client.user.email],
    )
    message.attach(handout_name(program), handout_pdf(full), "application/pdf")
    message.send()
    return client.user.email
