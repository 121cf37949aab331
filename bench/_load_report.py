"""The report of ``bench/load.py``: per endpoint, CPU by kind of process, peak memory, the
broker, and whether sessions sent = stored = reviewed (and the same for check-ins)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench._stack import Watch

if TYPE_CHECKING:
    from bench._load_data import World
    from bench.load import Load


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # 0: no answer
    samples: list[str] = field(default_factory=list)  # a few error answers

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s == 0 or s >= 400)

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def report(
    args: argparse.Namespace,
    world: World,
    load: Load,
    elapsed: float,
    cpu: dict[str, float],
    busy: float,
    w: Watch,
    base: tuple[int, int],
    flags_base: tuple[int, int],
    drained: float,
    left: int,
    tasks: tuple[Counter[str], int, int, list[str]],
    load_before: tuple[float, float, float],
) -> None:
    from django.db import connection
    from django.db.models import Q

    from coaching.models import CheckIn, Session
    from triage.models import Flag, FlagEvent

    total = sum(len(s.latencies) for s in load.stats.values())
    errors = sum(s.errors for s in load.stats.values())
    print()
    print(f"load: {elapsed:.1f} s, {total:,} requests, {total / elapsed:.1f} req/s overall")
    print()
    print("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | error rate |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for endpoint, s in load.stats.items():
        n = len(s.latencies)
        rate = s.errors / n if n else 0.0
        print(
            f"| `{endpoint}` | {n:,} | {n / elapsed:.1f} | {s.pct(50):.0f} | {s.pct(95):.0f} "
            f"| {s.pct(99):.0f} | {s.errors} | {rate:.2%} |"
        )
    everything = Stats([x for s in load.stats.values() for x in s.latencies])
    print(
        f"| **all** | {total:,} | {total / elapsed:.1f} | {everything.pct(50):.0f} | "
        f"{everything.pct(95):.0f} | {everything.pct(99):.0f} | {errors} | "
        f"{errors / total if total else 0:.2%} |"
    )
    statuses = Counter()
    for s in load.stats.values():
        statuses.update(s.statuses)
    print(
        f"statuses: {dict(sorted(statuses.items()))}; requests resent on a connection the "
        f"server had closed: {load.resent}; 201 answers that were replays: {load.replayed}"
    )
    for endpoint, s in load.stats.items():
        for sample in s.samples:
            print(f"  error on {endpoint}: {sample}")

    print()
    print(
        "CPU during the load (s of CPU; "
        f"{elapsed:.0f} s × {os.cpu_count()} cores = {elapsed * (os.cpu_count() or 1):.0f} "
        f"available; machine busy {busy:.0%}):"
    )
    accounted = 0.0
    for name, seconds in cpu.items():
        accounted += seconds
        print(f"  {name}: {seconds:.0f} s ({seconds / elapsed:.2f} cores)")
    rest = busy * elapsed * (os.cpu_count() or 1) - accounted
    print(
        f"  the rest (Redis, PostgreSQL's own processes, other work on the machine): "
        f"{rest:.0f} s ({rest / elapsed:.2f} cores)"
    )
    stack = sum(v for k, v in cpu.items() if not k.startswith("load generator"))
    per_request = stack / total if total else float("nan")
    print(
        f"stack CPU per request of this mix (gunicorn + Celery + PostgreSQL backends; the "
        f"review of each log included): {per_request * 1000:.1f} ms, so {os.cpu_count()} "
        f"dedicated cores would saturate at about {(os.cpu_count() or 1) / per_request:.0f} "
        f"req/s of it"
    )
    print("peak RSS (VmHWM), MB:")
    for role, pids in w.peaks.items():
        values = sorted(pids.values(), reverse=True)
        shown = " / ".join(f"{kb / 1024:.0f}" for kb in values[:6])
        more = f" (+{len(values) - 6} more)" if len(values) > 6 else ""
        print(f"  {role} ({len(values)} process{'es' if len(values) > 1 else ''}): {shown}{more}")

    done, swept, retries, error_lines = tasks
    print(
        f"broker queue at most {w.queue_max} tasks; logs of the run pending review at most "
        f"{w.pending_max}; tasks run: "
        + ", ".join(f"{n:,} {name.rsplit('.', 1)[1]}" for name, n in done.most_common())
        + f"; logs re-enqueued by the sweeper: {swept}; task retries: {retries}; "
        f"error lines in the workers' logs: {len(error_lines)}"
    )
    for line in error_lines[:5]:
        print(f"  {line}")

    # the equality
    print()
    lag = {}
    with connection.cursor() as cursor:
        for name, table, pk in (("sessions", "coaching_session", base[0]),
                                ("check-ins", "coaching_checkin", base[1])):  # fmt: skip
            cursor.execute(
                "SELECT percentile_cont(array[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY d), "
                "max(d) FROM (SELECT extract(epoch FROM reviewed_at - created_at) * 1000 AS d "
                f"FROM {table} WHERE id > %s AND review_state = 'reviewed') t",
                [pk],
            )
            lag[name] = cursor.fetchone()
    print(
        f"drain: {drained:.1f} s after the load stopped until no log of the run was pending "
        f"({left} still pending)"
    )
    holds = True
    for name, model, pk, keys in (
        ("sessions", Session, base[0], load.session_keys),
        ("check-ins", CheckIn, base[1], load.check_in_keys),
    ):
        rows = model.objects.filter(pk__gt=pk)
        stored_keys = {str(k) for k in rows.values_list("idempotency_key", flat=True)}
        stored = len(stored_keys)
        reviewed = rows.filter(review_state="reviewed").count()
        same_keys = stored_keys == keys and rows.count() == stored
        ok = len(keys) == stored == reviewed and same_keys
        holds &= ok
        (p50, p95, p99), worst = lag[name][0] or (0, 0, 0), lag[name][1] or 0
        print(
            f"{name:9}: sent {len(keys):,} (201 answers) = stored {stored:,} (rows created "
            f"during the run{', the same keys' if same_keys else ', NOT the same keys'}) = "
            f"reviewed {reviewed:,}: {'HOLDS' if ok else 'DOES NOT HOLD'}; saved → reviewed: "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms"
        )
    print(f"sessions sent = sessions stored = sessions reviewed, and the same for check-ins: "
          f"{'HOLDS' if holds else 'DOES NOT HOLD'}")  # fmt: skip
    flags_base, events_base = flags_base
    opened = Flag.objects.filter(pk__gt=flags_base)
    dismissed = FlagEvent.objects.filter(
        pk__gt=events_base, action=FlagEvent.Action.DISMISSED
    ).count()
    print(
        f"flags: {sum(world.flags_open.values())} open before; {opened.count()} opened during "
        f"the run ({opened.filter(urgency=Flag.Urgency.EMERGENCY).count()} emergency); "
        f"{dismissed} dismissed through the API; "
        f"{Flag.objects.filter(Q(status=Flag.Status.OPEN)).count()} open at the end"
    )
    after = os.getloadavg()
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} (1/5/15 min)"
    )
    if not holds:
        sys.exit(1)
