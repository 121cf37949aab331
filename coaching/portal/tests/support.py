"""What the portal tests share: the forms as a browser posts them, and reading what was stored
and what a page says."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser
from typing import Any

from django.utils import timezone

from coaching.models import CheckIn, Entry, Session, Set


class _FormValues(HTMLParser):
    """What a browser would send for the page's POST form, untouched: text and number inputs,
    hidden inputs, checked radios and boxes, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_post_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post_form = a.get("method", "").lower() == "post" and not a.get("action")
        if not self._in_post_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, value = self.values.pop()
            self.values.append((name, value + data.strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_post_form = False


def form_values(html: str) -> dict[str, Any]:
    parser = _FormValues()
    parser.feed(html)
    values: dict[str, Any] = {}
    for name, value in parser.values:
        if name in values:
            values[name] = [*([values[name]] if isinstance(values[name], str) else values[name])]
            values[name].append(value)
        else:
            values[name] = value
    return values


def session_post(program: Any, *, pain: int = 1, symptoms: tuple[str, ...] = (), **extra: Any):
    """A complete POST of the log form answering every current prescription of ``program``."""
    prescriptions = list(program.prescriptions.filter(ended_at__isnull=True))
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "pain_before": pain,
        "pain_after": pain,
        "symptoms": list(symptoms),
        "notes": "Felt fine.",
        "performed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "entries-TOTAL_FORMS": len(prescriptions),
        "entries-INITIAL_FORMS": len(prescriptions),
    }
    for i, p in enumerate(prescriptions):
        data |= {
            f"entries-{i}-prescription": p.pk,
            f"entries-{i}-pain_during": pain,
            f"entries-{i}-pain_location": "lower_back",
            f"entries-{i}-pain_quality": "ache",
            f"entries-{i}-sets-TOTAL_FORMS": p.sets,
            f"entries-{i}-sets-INITIAL_FORMS": p.sets,
        }
        for j in range(p.sets):
            data[f"entries-{i}-sets-{j}-reps"] = p.reps_max
            data[f"entries-{i}-sets-{j}-rpe"] = 6
    data.update(extra)
    return data


def check_in_post(*, pain: int = 2, symptoms: tuple[str, ...] = (), **extra: Any):
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "date": timezone.localdate().isoformat(),
        "pain": pain,
        "stiffness": pain,
        "symptoms": list(symptoms),
    }
    data.update(extra)
    return data


def sessions(owner: Any):
    return Session.objects.filter(client=owner)


def entries(owner: Any):
    return Entry.objects.filter(session__client=owner)


def sets(owner: Any):
    return Set.objects.filter(entry__session__client=owner)


def check_ins(owner: Any):
    return CheckIn.objects.filter(client=owner)


def page(response) -> str:
    return response.content.decode()
