"""The Celery app of the reliability tests: ``celery -A triage.tests.faulty_celery worker …``.

The project's app, except that every review pauses ``TRIAGE_FAULT_REVIEW_PAUSE`` seconds (from
the environment) after it has claimed its logs, inside its transaction: a test can kill the
worker right there, or make two reviews of one client overlap. Test code only: nothing in the
project reads that variable."""

from __future__ import annotations

import os
import time
from typing import Any

import django

from config.celery import app

__all__ = ["app"]

django.setup()

from triage import services  # noqa: E402  (needs the app registry)

PAUSE = float(os.environ.get("TRIAGE_FAULT_REVIEW_PAUSE", "0"))
_claim = services._claim


def _claim_then_pause(*args: Any, **kwargs: Any) -> Any:
    claimed = _claim(*args, **kwargs)
    time.sleep(PAUSE)
    return claimed


services._claim = _claim_then_pause  # type: ignore[assignment]
