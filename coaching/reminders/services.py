"""Reminders' writes: a client's preferences, the one-click unsubscribe, and the beat's pass
that sends what is due (``reminders_send``).

The pass reads every client who asked for reminders and has an active program in a constant
number of queries, asks ``due`` what is due now for each, writes one ``Reminder`` row per
client, day and kind (a unique constraint: two beats by mistake write one), and sends each row
that it **claims** with a conditional update (pending → sending), so no reminder is sent twice.
A refused email leaves the row ``failed`` with the error; the next passes retry it (three
attempts in all) and the worker carries on with the others."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coaching.models import (
    CheckIn,
    Client,
    OutcomeSchedule,
    Program,
    PushSubscription,
    Reminder,
    ReminderPreferences,
    Session,
)
from coaching.outcomes.selectors import Questionnaire, questionnaires_for
from coaching.reminders import due as rules
from coaching.reminders import push

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
UNSUBSCRIBE_SALT = "coaching.reminders.unsubscribe"
PREFERENCE_FIELDS = (
    "email", "push", "at", "check_in", "check_in_at", "time_zone", "quiet_from", "quiet_until",
    "message_email",
)  # fmt: skip


# --- preferences --------------------------------------------------------------------------------


def preferences_of(client: Client) -> ReminderPreferences:
    """The client's preferences (the defaults, unsaved, if they never chose)."""
    found = ReminderPreferences.objects.filter(client=client).first()
    return found or ReminderPreferences(client=client)


def check_time_zone(name: str) -> str:
    if name not in time_zones():
        raise ValidationError({"time_zone": f"“{name}” is not a time zone (e.g. Europe/London)."})
    return name


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name (read from the system once per process)."""
    return frozenset(available_timezones())


@transaction.atomic
def preferences_update(*, client: Client, **values: Any) -> ReminderPreferences:
    """Change what the client chose; the fields not given stay. Refused, with nothing written: an
    unknown time zone, quiet hours with one end only, an unknown field."""
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown preferences: {', '.join(sorted(unknown))}.")
    prefs = preferences_of(client)
    for name, value in values.items():
        setattr(prefs, name, value)
    check_time_zone(prefs.time_zone)
    if (prefs.quiet_from is None) != (prefs.quiet_until is None):
        missing = "quiet_until" if prefs.quiet_until is None else "quiet_from"
        raise ValidationError({missing: "Give both ends of the quiet hours, or neither."})
    for name in ("at", "check_in_at", "quiet_from", "quiet_until"):
        if getattr(prefs, name) is not None and not isinstance(getattr(prefs, name), time):
            raise ValidationError({name: "A time of day, 00:00 to 23:59."})
    prefs.save()
    return prefs


def unsubscribe_url(client_id: int) -> str:
    token = signing.dumps(client_id, salt=UNSUBSCRIBE_SALT)
    return str(settings.SITE_URL).rstrip("/") + reverse("reminders:unsubscribe", args=[token])


def unsubscribe_client(token: str) -> Client:
    """The one-click unsubscribe: reminder emails off for the client the signed link names."""
    try:
        client_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise ValidationError("This unsubscribe link is not valid.") from exc
    client = Client.objects.select_related("user").filter(pk=client_id).first()
    if client is None:
        raise ValidationError("This unsubscribe link is not valid.")
    preferences_update(client=client, email=False)
    return client


# --- the beat's pass ----------------------------------------------------------------------------


@dataclass
class Candidate:
    client_id: int
    email: str
    first_name: str
    username: str
    prefs: ReminderPreferences
    plan: rules.Plan
    devices: list[PushSubscription] = field(default_factory=list)


def _candidates(now: datetime) -> dict[int, Candidate]:
    """Clients who asked for reminders, are active and have an active program, with what they
    logged lately: three queries whatever their number."""
    rows = (
        ReminderPreferences.objects.filter(
            Q(email=True) | Q(push=True),
            client__user__is_active=True,
            client__programs__status=Program.Status.ACTIVE,
        )
        .select_related("client__user")
        .annotate(
            weekdays=F("client__programs__weekdays"), starts_on=F("client__programs__starts_on")
        )
    )
    found: dict[int, Candidate] = {}
    for prefs in rows:
        user = prefs.client.user
        found[prefs.client_id] = Candidate(
            prefs.client_id, user.email, user.first_name, user.username, prefs,
            rules.Plan(weekdays=prefs.weekdays, starts_on=prefs.starts_on),
        )  # fmt: skip
    if not found:
        return found
    since = now - timedelta(days=rules.LOOK_BACK_DAYS + 2)
    logged: dict[int, set[date]] = defaultdict(set)
    for client_id, performed_at in Session.objects.filter(
        client_id__in=list(found), performed_at__gte=since
    ).values_list("client_id", "performed_at"):
        logged[client_id].add(performed_at.astimezone(_tz(found[client_id].prefs)).date())
    checked: dict[int, set[date]] = defaultdict(set)
    for client_id, day in CheckIn.objects.filter(
        client_id__in=list(found), date__gte=since.date()
    ).values_list("client_id", "date"):
        checked[client_id].add(day)
    for client_id, candidate in found.items():
        candidate.plan = replace(
            candidate.plan,
            logged=frozenset(logged[client_id]),
            checked_in=frozenset(checked[client_id]),
        )
    return found


def _tz(prefs: ReminderPreferences) -> ZoneInfo:
    return ZoneInfo(prefs.time_zone)


def _rules_preferences(prefs: ReminderPreferences) -> rules.Preferences:
    return rules.Preferences(
        tz=_tz(prefs), at=prefs.at, check_in=prefs.check_in, check_in_at=prefs.check_in_at,
        quiet_from=prefs.quiet_from, quiet_until=prefs.quiet_until,
    )  # fmt: skip


@dataclass(frozen=True)
class Pass:
    due: int  # new reminder rows
    sent: int
    failed: int
    skipped: int


def reminders_send(*, now: datetime | None = None) -> Pass:
    """One pass of the beat: write what is due, then send every row this pass claims."""
    now = now or timezone.now()
    candidates = _candidates(now)
    wanted: set[tuple[int, date, str]] = set()
    for candidate in candidates.values():
        for kind, day in rules.due(_rules_preferences(candidate.prefs), candidate.plan, now):
            wanted.add((candidate.client_id, day, kind))
    oldest = min((day for _, day, _ in wanted), default=None)
    existing = set(
        Reminder.objects.filter(client_id__in=list(candidates), day__gte=oldest).values_list(
            "client_id", "day", "kind"
        )
        if oldest
        else ()
    )
    new = [Reminder(client_id=c, day=d, kind=k) for c, d, k in sorted(wanted - existing)]
    Reminder.objects.bulk_create(new, ignore_conflicts=True)  # another beat may have written one
    retry_from = (now - timedelta(days=2)).date()
    sendable = list(
        Reminder.objects.filter(
            Q(status=Reminder.Status.PENDING)
            | Q(status=Reminder.Status.FAILED, attempts__lt=MAX_ATTEMPTS),
            client_id__in=list(candidates),
            day__gte=retry_from,
        ).order_by("pk")
    )
    if push.configured():
        pushing = {r.client_id for r in sendable if candidates[r.client_id].prefs.push}
        for device in PushSubscription.objects.filter(client_id__in=list(pushing)):
            candidates[device.client_id].devices.append(device)
    # whose program sends questionnaires (a reminder mentions the due ones): one query
    asking = set(
        OutcomeSchedule.objects.filter(
            program__client_id__in=[r.client_id for r in sendable],
            program__status=Program.Status.ACTIVE,
        ).values_list("program__client_id", flat=True)
    )
    sent = failed = skipped = 0
    for reminder in sendable:
        claimed = Reminder.objects.filter(
            pk=reminder.pk, status=reminder.status, attempts=reminder.attempts
        ).update(status=Reminder.Status.SENDING, attempts=F("attempts") + 1)
        if not claimed:  # another pass has it
            continue
        due = (
            _questionnaires_due(reminder.client_id, reminder.day)
            if reminder.client_id in asking
            else []
        )
        outcome, error = _deliver(reminder, candidates[reminder.client_id], due)
        Reminder.objects.filter(pk=reminder.pk).update(
            status=outcome, error=error, sent_at=timezone.now() if outcome == "sent" else None
        )
        sent += outcome == Reminder.Status.SENT
        failed += outcome == Reminder.Status.FAILED
        skipped += outcome == Reminder.Status.SKIPPED
    return Pass(len(new), sent, failed, skipped)


PUSH_TEXT = {
    Reminder.Kind.SESSION: ("Time for today's exercises", "Log your session when you are done.", "/log/"),
    Reminder.Kind.CHECK_IN: ("How is your back this morning?", "Your check-in takes a minute.", "/check-in/"),
    Reminder.Kind.NUDGE: ("We missed you", "A few minutes today help. Anything worrying? Tell your trainer.", "/"),
}  # fmt: skip


def _deliver(
    reminder: Reminder, candidate: Candidate, due: Sequence[Questionnaire] = ()
) -> tuple[str, str]:
    """Send one reminder by every channel the client chose and can be reached by (their email
    address, their devices); (status, error). Sent when one channel delivered; failed (retried by
    the next passes) when every channel tried failed; skipped when there is none."""
    prefs = candidate.prefs
    by_email = prefs.email and bool(candidate.email)
    by_push = prefs.push and push.configured() and bool(candidate.devices)
    if not (by_email or by_push):
        why = "no email address" if prefs.email else ""
        if prefs.push:
            why = why or ("Web Push is not configured" if not push.configured() else "no device")
        return Reminder.Status.SKIPPED, f"No channel to send it by ({why or 'none chosen'})."
    delivered, errors = False, []
    if by_email:
        try:
            _email(reminder, candidate, due)
            delivered = True
        except Exception as exc:  # the row keeps the error; the next pass retries
            log.warning("reminder %s not emailed", reminder.pk, exc_info=True)
            errors.append(f"email: {type(exc).__name__}: {exc}")
    if by_push:
        title, body, path = PUSH_TEXT[Reminder.Kind(reminder.kind)]
        if due:
            body += " And a short questionnaire is waiting."
        message = {"title": title, "body": body, "url": path, "tag": f"reminder-{reminder.kind}"}
        result = push.push_send(candidate.devices, message)
        delivered = delivered or result.sent > 0
        errors += result.errors
        if not result.sent and not result.errors:  # every device had gone
            errors.append("push: the devices have unsubscribed")
    status = Reminder.Status.SENT if delivered else Reminder.Status.FAILED
    return status, "; ".join(errors)[:500]


def _questionnaires_due(client_id: int, day: date) -> list[Questionnaire]:
    """The questionnaires the client's program sends that are due on the reminder's day (a
    reminder mentions them)."""
    client = Client.objects.filter(pk=client_id).first()
    return [q for q in questionnaires_for(client, day) if q.due_on] if client is not None else []


def _email(reminder: Reminder, candidate: Candidate, due: Sequence[Questionnaire] = ()) -> None:
    unsubscribe = unsubscribe_url(candidate.client_id)
    context = {
        "questionnaires": [
            (q.instrument.name, f"/questionnaires/{q.instrument.slug}/") for q in due
        ],
        "kind": reminder.kind,
        "day": reminder.day,
        "name": candidate.first_name or candidate.username,
        "site": str(settings.SITE_URL).rstrip("/"),
        "unsubscribe": unsubscribe,
    }
    EmailMessage(
        subject=render_to_string("portal/email/reminder_subject.txt", context).strip(),
        body=render_to_string("portal/email/reminder.txt", context),
        to=[candidate.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    ).send()
