"""Whether a bare view answers what its real endpoint answers (``bench/endpoints.py``).

- JSON: both bodies parsed and compared as data; the same bytes is reported when they are.
  For a write, what two different writes legitimately differ in is set aside first: the new
  rows' ids, the Idempotency-Key each request sends, the times they were stored, and a
  check-in's date (each request sends its own morning; each answer must echo the one sent).
- Portal pages: the whole HTML, after masking what differs on every render of the same page
  (the CSRF token; on the Log page the form's new idempotency key and its time to the minute).
- Admin pages: a documented subset (the bare page is not the same page): the result table's
  rows byte for byte (whitespace between tags aside), the column titles, and the count."""

from __future__ import annotations

import difflib
import html
import json
import re
from typing import Any

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MINUTE = re.compile(r'value="\d{4}-\d\d-\d\dT\d\d:\d\d"')
TAGS = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
# what two writes legitimately differ in: the new rows' ids, the key each request sends, the
# times they were stored, and a check-in's date (each request sends its own morning)
WRITE_FIELDS = ("id", "idempotency_key", "created_at", "updated_at", "date")


def _without_write_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "…" if k in WRITE_FIELDS else _without_write_fields(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_write_fields(v) for v in value]
    return value


def echoes(sent: bytes | None, answer: bytes) -> bool:
    """A write answers the date it was sent (the one field set aside that the request names)."""
    date = json.loads(sent or b"{}").get("date")
    return date is None or json.loads(answer).get("date") == date


def _first_difference(a: str, b: str) -> str:
    for line in difflib.unified_diff(a.splitlines(), b.splitlines(), "real", "bare", n=0):
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++")):
            return line[:160]
    return "(no line differs: whitespace at the end?)"


def compare_json(real: bytes, bare: bytes, *, write: bool) -> tuple[bool, str]:
    a, b = json.loads(real), json.loads(bare)
    if write:
        a, b = _without_write_fields(a), _without_write_fields(b)
        how = "same data (new ids, keys, times and each check-in's own date aside)"
    else:
        how = "identical bytes" if real == bare else "same data (bytes differ)"
    if a == b:
        return True, how
    text_a, text_b = (json.dumps(x, indent=1, sort_keys=True) for x in (a, b))
    return False, _first_difference(text_a, text_b)


def stored(kind: str, pk: int) -> dict[str, Any]:
    """What a write stored, read back with the ORM in this process: every column but the ids,
    the key and the times; a check-in's digest as whether it is the one the real service
    computes for that check-in (its date, which each request sends its own, is in it)."""
    from coaching.journal.services import CheckInSpec
    from coaching.models import CheckIn, Entry, Session, Set

    aside = ("id", "idempotency_key", "created_at", "updated_at")
    if kind == "check-in":
        row = CheckIn.objects.filter(pk=pk).values().get()
        spec = CheckInSpec(row["date"], row["pain"], row["stiffness"], tuple(row["symptoms"]))
        row["body_digest"] = row["body_digest"] == spec.digest()
        return {k: v for k, v in row.items() if k not in (*aside, "date")}
    row = Session.objects.filter(pk=pk).values().get()
    entries = Entry.objects.filter(session_id=pk).order_by("order")
    return {
        **{k: v for k, v in row.items() if k not in aside},
        "entries": [
            (
                {k: v for k, v in e.items() if k not in ("id", "session_id")},
                list(Set.objects.filter(entry_id=e["id"]).order_by("number").values_list(
                    "number", "reps", "load_kg", "rpe"
                )),
            )
            for e in entries.values()
        ],
    }  # fmt: skip


def compare_stored(kind: str, real: bytes, bare: bytes) -> tuple[bool, str]:
    a, b = stored(kind, json.loads(real)["id"]), stored(kind, json.loads(bare)["id"])
    if a == b:
        digest = "digest" if kind == "session" else "digest recomputed"
        return True, f"stored rows equal (every column but ids, key, times; {digest})"
    return False, "stored rows differ: " + _first_difference(
        json.dumps(a, indent=1, default=str), json.dumps(b, indent=1, default=str)
    )


def _masked(page: str) -> str:
    return MINUTE.sub('value="…"', UUID.sub("…", CSRF.sub(r'\1…"', page)))


def compare_page(real: bytes, bare: bytes) -> tuple[bool, str]:
    a, b = _masked(real.decode()), _masked(bare.decode())
    if a == b:
        return True, f"same HTML ({len(real):,} bytes; CSRF token, form key and minute masked)"
    return False, _first_difference(a, b)


def _text(fragment: str) -> str:
    return SPACE.sub(" ", html.unescape(TAGS.sub(" ", fragment))).strip()


def admin_subset(page: str) -> dict[str, Any]:
    """The result table's column titles, its rows (HTML) and the count of the paginator."""
    start = page.index('<table id="result_list">')
    table = page[start : page.index("</table>", start)]
    head, _, body = table.partition("</thead>")
    ths = re.findall(r"<th scope=\"col\".*?</th>", head, re.S)
    titles = [_text(re.search(r'<div class="text">(.*?)</div>', th, re.S).group(1)) for th in ths]
    rows = [SPACE.sub(" ", r).strip() for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    paginator = page[page.index('<p class="paginator">') :].split("</p>", 1)[0]
    counts = re.findall(r"\d+ [a-z]+", _text(paginator))  # after the page numbers, if any
    return {"titles": titles, "rows": rows, "count": counts[-1] if counts else None}


def compare_admin(real: bytes, bare: bytes) -> tuple[bool, str]:
    a, b = admin_subset(real.decode()), admin_subset(bare.decode())
    if a == b:
        return True, (
            f"subset: {len(a['rows'])} rows byte for byte, titles, count ({a['count']}); "
            f"the bare page lacks the sidebars, search, actions and sort links"
        )
    for key in ("titles", "count"):
        if a[key] != b[key]:
            return False, f"{key}: real {a[key]!r}, bare {b[key]!r}"
    if len(a["rows"]) != len(b["rows"]):
        return False, f"rows: real {len(a['rows'])}, bare {len(b['rows'])}"
    for x, y in zip(a["rows"], b["rows"], strict=True):
        if x != y:
            return False, _first_difference(x.replace("><", ">\n<"), y.replace("><", ">\n<"))
    return False, "?"


DASHBOARD_START = '<div id="caseload-dashboard"'
DASHBOARD_END = 'id="caseload-chart-data"'


def dashboard_fragment(page: str) -> str:
    """The caseload dashboard of the admin's home page: from its first tag to its charts' data."""
    start = page.index(DASHBOARD_START)
    end = page.index("</script>", page.index(DASHBOARD_END, start))
    return SPACE.sub(" ", page[start:end]).replace("> <", "><")


def compare_dashboard(real: bytes, bare: bytes) -> tuple[bool, str]:
    a, b = dashboard_fragment(real.decode()), dashboard_fragment(bare.decode())
    if a == b:
        numbers = len(re.findall(r"data-number=", a))
        return True, (
            f"subset: the dashboard ({len(a):,} bytes, {numbers} numbers and the chart data) "
            f"byte for byte; the bare page lacks the list of models under it"
        )
    return False, _first_difference(a.replace("><", ">\n<"), b.replace("><", ">\n<"))
