"""Telling trainers about flags: an email at once for an emergency or urgent referral, and a
daily digest of the rest. Django's email backend: the console in development, SMTP from the
environment in production (README, Configuration)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coaching.models import Trainer
from triage.models import Flag, FlagEvent


def _admin_url(flag: Flag) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("admin:triage_flag_change", args=[flag.pk])


@transaction.atomic
def notify_flag(*, flag_id: int) -> bool:
    """Email the client's trainer about one urgent or emergency flag, once (``notified_at``).
    Returns whether an email was sent."""
    flag = (
        Flag.objects.select_for_update(of=("self",))
        .select_related("client__user", "client__trainer__user")
        .filter(pk=flag_id, notified_at__isnull=True)
        .first()
    )
    if flag is None:
        return False
    trainer = flag.client.trainer.user
    now = timezone.now()
    if trainer.email:
        send_mail(
            subject=f"[{flag.get_urgency_display()}] {flag.client}: {flag.rule}",
            message=(
                f"{flag.client} reported something that needs you now.\n\n{flag.reason}\n\n"
                f"Open the flag: {_admin_url(flag)}\n"
            ),
            from_email=None,
            recipient_list=[trainer.email],
        )
    Flag.objects.filter(pk=flag.pk).update(notified_at=now)
    FlagEvent.objects.create(
        flag=flag, at=now, action=FlagEvent.Action.NOTIFIED, note=f"email to {trainer.email}"
    )
    return bool(trainer.email)


def send_digests(*, now: datetime | None = None) -> int:
    """One email per trainer listing the open flags of their clients not yet notified (routine
    ones; urgent ones were sent at once). A flag the review withdrew is not open, so it is never
    sent; one whose rule stopped firing says so. Returns the number of emails sent."""
    now = now or timezone.now()
    sent = 0
    waiting = Trainer.objects.filter(
        clients__flags__status=Flag.Status.OPEN, clients__flags__notified_at__isnull=True
    )
    # only the trainers with something to send (not one empty query per trainer)
    for trainer in (
        Trainer.objects.filter(pk__in=waiting.values("pk"))
        .select_related("user")
        .exclude(user__email="")
    ):
        with transaction.atomic():
            flags = list(
                Flag.objects.select_for_update(of=("self",))
                .select_related("client__user")
                .filter(
                    client__trainer=trainer,
                    status=Flag.Status.OPEN,
                    notified_at__isnull=True,
                    created_at__lte=now,
                )
                .order_by("urgency_rank", "-created_at")
            )
            if not flags:
                continue
            lines = [
                f"- {f.client}: {f.rule} ({f.get_kind_display()}"
                f"{', no longer firing' if f.not_firing_since else ''}) — {_admin_url(f)}"
                for f in flags
            ]
            send_mail(
                subject=f"Coaching: {len(flags)} new flag{'s' if len(flags) != 1 else ''} to review",
                message="New flags on your clients:\n\n" + "\n".join(lines) + "\n",
                from_email=None,
                recipient_list=[trainer.user.email],
            )
            Flag.objects.filter(pk__in=[f.pk for f in flags]).update(notified_at=now)
            FlagEvent.objects.bulk_create(
                FlagEvent(flag=f, at=now, action=FlagEvent.Action.NOTIFIED, note="daily digest")
                for f in flags
            )
            sent += 1
    return sent
