"""Bench: the CPU each hot request costs, beside a bare view that answers the same with
hand-written SQL, in the same run (issue 12: "every hot request at most twice the cost of
hand-written SQL").

    .venv/bin/python bench/endpoints.py                  (about 8 minutes)
    .venv/bin/python bench/endpoints.py --quick          (small data, 1 s phases: a minute)
    .venv/bin/python bench/endpoints.py --only flags,today --seconds 10 --rounds 3

What it measures, for each endpoint: **worker CPU per request** (user + system time of the
gunicorn worker processes from /proc/<pid>/stat, before and after a phase, divided by the
requests answered), and p50/p95 latency, of the real endpoint and of its bare view, in
alternating phases (real then bare, bare then real in the next round) after a warm-up each. It
prints bare CPU / real CPU with PASS (at least 0.5: the real endpoint costs at most twice the
floor) or BELOW, and the queries per request of both (counted once, in this process, with
Django's test client).

Stack: gunicorn (``--workers`` sync workers, default 2) serving ``bench/endpoints_wsgi.py`` (the
application plus the bare views, same settings and middleware) + PostgreSQL, production settings;
a review task published by each log goes to Redis database 9 (no worker runs; emptied at the
start and the end). Data: bench/_load_data.py's practice, 10 trainers × 50 clients with 4 weeks
of history (``--trainers``/``--clients``), reviewed once so that the flag queues are full, in a
throwaway database ``bench_endpoints`` (dropped at the end). The bench signs in as the apps and
a browser do: knox tokens from ``POST /api/v1/auth/token/``; the portal and the admin with their
login forms (session cookies).

The bare views (listed in ``bench/endpoints_wsgi.py``) say in their docstrings what they do and
what they leave out. Before measuring, the bench fetches each endpoint once
from both and checks that they carry the same data (``bench/_endpoints_compare.py``); a
difference is printed as MISMATCH. The admin's two pages are compared on a documented subset
(marked "subset"): their bare view is the closest honest equivalent, not the same page.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import shlex
import sys
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/9")  # this bench's own database

from bench._endpoints_compare import (
    compare_admin,
    compare_dashboard,
    compare_json,
    compare_page,
    compare_stored,
    echoes,
)
from bench._endpoints_setup import PRACTICE_ADMIN, Cast, populate, sign_in
from bench._harness import (
    PG,
    Request,
    Result,
    cpu_seconds,
    gunicorn_server,
    load_for,
    recreate_database,
    setup_django,
)

DB = "bench_endpoints"
WSGI = "bench.endpoints_wsgi:application"
BARE = "/bench/bare"
# whitenoise warns that collectstatic has not run; no static file is served here
QUIET = {"PYTHONWARNINGS": "ignore:No directory at:UserWarning"}
TARGET = 0.5


@dataclass
class Endpoint:
    name: str  # for --only
    method: str
    path: str  # the real one; the bare view's is BARE + path
    kind: str  # "json", "page", "admin" or "dashboard": how the answers are compared
    request: Callable[[str, int], Request]  # (path, virtual user) -> the request to send

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Phase:
    result: Result
    cpu: float  # seconds used by the gunicorn workers during the timed run


@dataclass
class Row:
    endpoint: Endpoint
    same: bool = False
    how: str = ""
    queries: tuple[int, int] | None = None
    created: int = 0  # logs answered 201 by either (checks, counts, warm-ups, timed phases)
    phases: dict[str, list[Phase]] = field(default_factory=lambda: {"real": [], "bare": []})

    def cpu_ms(self, which: str) -> float:
        phases = self.phases[which]
        return 1000 * sum(p.cpu for p in phases) / max(1, sum(p.result.requests for p in phases))

    def latency(self, which: str) -> Result:
        phases = self.phases[which]
        return Result(
            requests=sum(p.result.requests for p in phases),
            errors=sum(p.result.errors for p in phases),
            seconds=sum(p.result.seconds for p in phases),
            latencies=[x for p in phases for x in p.result.latencies],
        )


# --- the endpoints -------------------------------------------------------------------------------


def endpoints(cast: Cast) -> list[Endpoint]:
    """Each endpoint with the request a virtual user sends: the client's and the reader's
    reads; the posters' writes (a poster per virtual user, a new Idempotency-Key every time)."""

    def api(token_of: str) -> Callable[[str, int], Request]:
        headers = {"Authorization": f"Token {cast.tokens[token_of]}", "Accept": "application/json"}
        return lambda path, user: ("GET", path, None, headers)

    def cookie(jar: dict[str, str], who: str) -> Callable[[str, int], Request]:
        headers = {"Cookie": jar[who], "Accept": "text/html"}
        return lambda path, user: ("GET", path, None, headers)

    def post(body: Callable[[str], dict]) -> Callable[[str, int], Request]:
        def request(path: str, user: int) -> Request:
            poster = cast.posters[user % len(cast.posters)]
            headers = {
                "Authorization": f"Token {cast.tokens[poster]}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            return "POST", path, json.dumps(body(poster)).encode(), headers

        return request

    from django.utils import timezone

    performed_at = (timezone.now() - timedelta(hours=1)).replace(microsecond=0).isoformat()

    def session(poster: str) -> dict:
        return {
            "performed_at": performed_at,
            "pain_before": 2,
            "pain_after": 3,
            "symptoms": [],
            "notes": "Felt fine; a little stiff on the last set.",
            "entries": [
                {"prescription": rx, "pain_during": 3, "pain_location": "lower_back",
                 "pain_quality": "ache",
                 "sets": [{"reps": 12 - n, "load_kg": 12.5, "rpe": 6 + n} for n in range(3)]}
                for rx in cast.prescriptions[poster]
            ],
        }  # fmt: skip

    # a distinct date per check-in, counting back from before the history (the API allows
    # several check-ins a day; distinct dates keep each one a new morning all the same)
    days = itertools.count()
    first = timezone.localdate() - timedelta(days=60)

    def check_in(poster: str) -> dict:
        when = first - timedelta(days=next(days))
        return {"date": when.isoformat(), "pain": 2, "stiffness": 3, "symptoms": []}

    client, reader = api(cast.client), api(cast.reader)
    c = cast.client_id
    return [
        Endpoint("me", "GET", "/api/v1/me/", "json", client),
        Endpoint("me-program", "GET", "/api/v1/me/program/", "json", client),
        Endpoint("sessions", "GET", "/api/v1/sessions/?page_size=20", "json", client),
        Endpoint("session", "GET", f"/api/v1/sessions/{cast.session_id}/", "json", client),
        Endpoint("check-ins", "GET", "/api/v1/check-ins/", "json", client),
        Endpoint("flags", "GET", "/api/v1/flags/?status=open", "json", reader),
        Endpoint("flag", "GET", f"/api/v1/flags/{cast.flag_id}/", "json", reader),
        Endpoint("clients", "GET", "/api/v1/clients/?page_size=50", "json", reader),
        Endpoint("client", "GET", f"/api/v1/clients/{c}/", "json", reader),
        Endpoint("client-sessions", "GET", f"/api/v1/clients/{c}/sessions/", "json", reader),
        Endpoint("program", "GET", f"/api/v1/programs/{cast.program_id}/", "json", reader),
        Endpoint("post-session", "POST", "/api/v1/sessions/", "json", post(session)),
        Endpoint("post-check-in", "POST", "/api/v1/check-ins/", "json", post(check_in)),
        Endpoint("today", "GET", "/", "page", cookie(cast.cookies, cast.client)),
        Endpoint("log", "GET", "/log/", "page", cookie(cast.cookies, cast.client)),
        Endpoint("history", "GET", "/history/", "page", cookie(cast.cookies, cast.client)),
        Endpoint(
            "admin-flags",
            "GET",
            "/admin/triage/flag/",
            "admin",
            cookie(cast.admin_cookies, cast.reader),
        ),
        Endpoint(
            "admin-clients",
            "GET",
            "/admin/coaching/client/",
            "admin",
            cookie(cast.admin_cookies, cast.reader),
        ),
        # the admin's home page: the trainer's caseload dashboard (issue 15)
        Endpoint(
            "dashboard", "GET", "/admin/", "dashboard", cookie(cast.admin_cookies, cast.reader)
        ),
        # … and the practice admin's: the whole practice (``--clients 500``: 5,000 clients)
        Endpoint(
            "dashboard-practice",
            "GET",
            "/admin/",
            "dashboard",
            cookie(cast.admin_cookies, PRACTICE_ADMIN),
        ),
    ]


# --- checking and counting -----------------------------------------------------------------------


def send(port: int, request: Request) -> tuple[int, bytes]:
    method, path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def check(port: int, row: Row) -> None:
    """Fetch the real and the bare answer once; do they carry the same data?"""
    e = row.endpoint
    expected = 201 if e.method == "POST" else 200
    sent = e.request(e.path, 0), e.request(BARE + e.path, 0)
    real, bare = send(port, sent[0]), send(port, sent[1])
    row.created += (real[0] == 201) + (bare[0] == 201)
    if real[0] != expected or bare[0] != expected:
        row.how = f"status real {real[0]}, bare {bare[0]}: {bare[1][:120]!r}"
        return
    if e.method == "POST" and not all(
        echoes(request[2], answer) for request, answer in zip(sent, (real[1], bare[1]), strict=True)
    ):
        row.how = "the answer's date is not the one sent"
    elif e.kind == "json":
        row.same, row.how = compare_json(real[1], bare[1], write=e.method == "POST")
        if row.same and e.method == "POST":
            kind = "session" if "sessions" in e.path else "check-in"
            row.same, rows = compare_stored(kind, real[1], bare[1])
            row.how = f"{row.how}; {rows}"
    elif e.kind == "page":
        row.same, row.how = compare_page(real[1], bare[1])
    elif e.kind == "dashboard":
        row.same, row.how = compare_dashboard(real[1], bare[1])
    else:
        row.same, row.how = compare_admin(real[1], bare[1])


def count_queries(row: Row) -> None:
    """Queries per request of both, in this process (Django's test client, same middleware)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import bench.endpoints_wsgi  # noqa: F401  (adds the bare URLs)

    counts = []
    e = row.endpoint
    for path in (e.path, BARE + e.path):
        method, path, body, headers = e.request(path, 0)
        client = Client(HTTP_HOST="127.0.0.1")
        if "Cookie" in headers:
            client.cookies = SimpleCookie(headers["Cookie"])
        extra = {k: v for k, v in headers.items() if k not in ("Cookie", "Content-Type")}
        with CaptureQueriesContext(connection) as captured:
            response = client.generic(method, path, body or b"", "application/json", headers=extra)
        row.created += response.status_code == 201
        if response.status_code not in (200, 201):
            return  # (the check says what went wrong)
        counts.append(len(captured.captured_queries))
    row.queries = (counts[0], counts[1])


# --- the run -------------------------------------------------------------------------------------


def measure(port: int, workers: list[int], row: Row, which: str, args: argparse.Namespace) -> None:
    e = row.endpoint
    path = e.path if which == "real" else BARE + e.path

    def request(user: int) -> Request:
        return e.request(path, user)

    warm = load_for(port, args.warmup, concurrency=args.concurrency, request=request)
    before = sum(cpu_seconds(pid) for pid in workers)
    result = load_for(port, args.seconds, concurrency=args.concurrency, request=request)
    row.phases[which].append(Phase(result, sum(cpu_seconds(pid) for pid in workers) - before))
    row.created += warm.statuses.get(201, 0) + result.statuses.get(201, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="timed run of each phase")
    parser.add_argument("--warmup", type=float, default=1, help="warm-up before each phase")
    parser.add_argument("--rounds", type=int, default=2, help="real/bare pairs per endpoint")
    parser.add_argument("--concurrency", type=int, default=1, help="virtual users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--trainers", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50, help="clients per trainer")
    parser.add_argument("--only", default="", help="comma-separated names (see the table)")
    parser.add_argument(
        "--quick", action="store_true", help="3 trainers × 10 clients, 1 s phases, 1 round"
    )
    args = parser.parse_args()
    if args.quick:
        args.trainers, args.clients, args.seconds, args.warmup, args.rounds = 3, 10, 1, 0.3, 1
    print("$ " + shlex.join([".venv/bin/python", "bench/endpoints.py", *sys.argv[1:]]))

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    recreate_database(DB)
    setup_django(DB)
    import redis

    broker = redis.Redis.from_url(os.environ["BENCH_BROKER"])
    broker.flushdb()
    cast = populate(args.trainers, args.clients, posters=args.concurrency)
    broker.flushdb()  # the first review's notifications of emergency flags
    load_before = os.getloadavg()[0]
    try:
        with gunicorn_server(DB, wsgi=WSGI, workers=args.workers, env=QUIET) as server:
            sign_in(server.port, cast)
            every = endpoints(cast)
            only = set(args.only.split(",")) if args.only else {e.name for e in every}
            unknown = only - {e.name for e in every}
            assert not unknown, f"--only: no endpoint named {', '.join(sorted(unknown))}"
            chosen = [e for e in every if e.name in only]
            rows = [Row(e) for e in chosen]
            for row in rows:
                check(server.port, row)
                count_queries(row)
            workers = server.workers()
            for round_ in range(args.rounds):
                for row in rows:
                    for which in ("real", "bare") if round_ % 2 == 0 else ("bare", "real"):
                        measure(server.port, workers, row, which, args)
        queued = sum(
            json.loads(task)["headers"]["task"] == "triage.tasks.review_client"
            for task in broker.lrange("celery", 0, -1)
        )
        pending = pending_logs()
    finally:
        broker.flushdb()
        drop_database(DB)
    report(args, cast, rows, queued, pending, (load_before, os.getloadavg()[0]))


def pending_logs() -> int:
    """Sessions and check-ins stored pending review: the bench's writes (the history is
    reviewed)."""
    from coaching.models import CheckIn, Session

    return sum(m.objects.filter(review_state="pending").count() for m in (Session, CheckIn))


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(
    args: argparse.Namespace,
    cast: Cast,
    rows: list[Row],
    queued: int,
    pending: int,
    load: tuple[float, float],
) -> None:
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, load average {load[0]:.1f} before / {load[1]:.1f} after "
        f"(other work on the machine weighs on latency more than on CPU per request)"
    )
    print(
        f"gunicorn {args.workers} sync workers + PostgreSQL, production settings; "
        f"{args.trainers} trainers × {args.clients} clients, 4 weeks of history; the reader "
        f"(a trainer) has {cast.open_flags} open flags; {args.concurrency} virtual user(s); "
        f"{args.rounds} round(s) of {args.warmup:g} s warm-up + {args.seconds:g} s per phase, "
        f"real and bare alternating"
    )
    columns = [  # title, second line, width
        ("endpoint", "", -38), ("real CPU", "ms/req", 9), ("bare CPU", "ms/req", 9),
        ("bare/real", "", 10), ("", "", -7), ("real p50/p95", "ms", 14),
        ("bare p50/p95", "ms", 14), ("queries", "real/bare", 11), ("requests", "real/bare", 12),
        ("errors", "real/bare", 10), ("answer", "", 10),
    ]  # fmt: skip

    def line(cells: list[str]) -> str:
        return "".join(
            f"{c:<{-w}}" if w < 0 else f"{c:>{w}}"
            for c, (_, _, w) in zip(cells, columns, strict=True)
        )

    print("\n" + line([c[0] for c in columns]) + "\n" + line([c[1] for c in columns]))
    print("-" * sum(abs(c[2]) for c in columns))
    for row in rows:
        real_cpu, bare_cpu = row.cpu_ms("real"), row.cpu_ms("bare")
        ratio = bare_cpu / real_cpu if real_cpu else float("nan")
        real, bare = row.latency("real"), row.latency("bare")
        subset = row.endpoint.kind in ("admin", "dashboard")
        print(
            line(
                [
                    row.endpoint.label[:37],
                    f"{real_cpu:.2f}",
                    f"{bare_cpu:.2f}",
                    f"{ratio:.2f}",
                    "  PASS" if ratio >= TARGET else "  BELOW",
                    f"{real.p50:.1f}/{real.pct(95):.1f}",
                    f"{bare.p50:.1f}/{bare.pct(95):.1f}",
                    f"{row.queries[0]}/{row.queries[1]}" if row.queries else "-",
                    f"{real.requests}/{bare.requests}",
                    f"{real.errors}/{bare.errors}",
                    ("subset *" if subset else "same") if row.same else "MISMATCH",
                ]
            )
        )
    print(
        "\nCPU ms/req: user+system CPU of the gunicorn workers over the timed phases, per request "
        "(PostgreSQL's and the load generator's not included). bare/real: PASS at 0.5 or more. "
        "queries: per request, counted in this process with Django's test client. answer: "
        "the check below; * the admin's bare page is a documented subset, not the same page (it "
        "does less), so its ratio is a conservative one."
    )
    print("\nsame answer? (each endpoint fetched from both once, before measuring)")
    for row in rows:
        mark = "ok      " if row.same else "MISMATCH"
        print(f"  {mark} {row.endpoint.name:16} {row.how}")
    created = sum(row.created for row in rows)
    print(
        f"writes: {created} logs answered 201 (real and bare, checks and warm-ups included), "
        f"{pending} stored pending review, {queued} review tasks enqueued (no worker runs; "
        f"dropped at the end)"
        + (" — one each" if created == pending == queued else " — NOT one each")
    )
    names = ", ".join(row.endpoint.name for row in rows)
    print(f"names for --only: {names}")


if __name__ == "__main__":
    main()
