"""The hot endpoints of ``bench/endpoints.py`` in one process, for quick work on them: each real
endpoint and its bare view answered N times by Django's test client (no gunicorn, no HTTP), the
CPU per request of both and their ratio; ``--profile NAME`` profiles one of them under cProfile.

    .venv/bin/python bench/inprocess.py                       (keeps its database between runs)
    .venv/bin/python bench/inprocess.py --only flags,clients --requests 200
    .venv/bin/python bench/inprocess.py --profile clients --lines 40
    .venv/bin/python bench/inprocess.py --fresh               (rebuild the data)

The data is ``bench/endpoints.py``'s (10 trainers × 50 clients, 4 weeks of history, reviewed), in
a database ``bench_inprocess`` kept between runs (``--fresh`` rebuilds it) with the people and
ids in ``var/bench_inprocess.json``. The figures here leave out the HTTP server's share, which is
the same for the real and the bare view: the ratios of ``bench/endpoints.py`` are the ones that
count; this one is for finding where the time goes."""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import os
import pstats
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/9")

from bench._harness import PG, ROOT, recreate_database, setup_django

DB = "bench_inprocess"
CAST = ROOT / "var" / "bench_inprocess.json"


def exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", default="", help="an endpoint name: profile the real one")
    parser.add_argument("--bare", action="store_true", help="with --profile: the bare view")
    parser.add_argument("--lines", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="with --profile: e.g. tottime")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument(
        "--clients", type=int, default=50, help="per trainer (10 trainers), with --fresh"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", "No directory at", UserWarning)

    fresh = args.fresh or not exists(DB) or not CAST.exists()
    if fresh:
        recreate_database(DB)
    setup_django(DB)
    from django.core.management import call_command
    from django.test import Client

    import bench.endpoints_wsgi  # noqa: F401  (the bare URLs)
    from bench._endpoints_setup import PASSWORD, PRACTICE_ADMIN, Cast, populate
    from bench.endpoints import BARE, endpoints

    if fresh:
        cast = populate(10, args.clients, posters=1)
        CAST.parent.mkdir(exist_ok=True)
        CAST.write_text(json.dumps(dataclasses.asdict(cast)))
    else:
        call_command("migrate", verbosity=0)
        cast = Cast(**json.loads(CAST.read_text()))

    from django.contrib.auth import get_user_model

    User = get_user_model()
    browser = {}
    for who in (cast.client, cast.reader, PRACTICE_ADMIN):
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(User.objects.get(username=who))
        browser[who] = c
    api = Client(HTTP_HOST="127.0.0.1")
    for who in (cast.client, cast.reader, *cast.posters):
        answer = api.post(
            "/api/v1/auth/token/", {"username": who, "password": PASSWORD}, "application/json"
        )
        assert answer.status_code == 201, answer.content[:300]
        cast.tokens[who] = answer.json()["token"]
    # the portal's and the admin's requests carry a Cookie header in ``endpoints``; here that
    # header only marks them, and ``send`` answers them with the signed-in test clients above
    cast.cookies[cast.client] = cast.admin_cookies[cast.reader] = "-"
    cast.admin_cookies[PRACTICE_ADMIN] = "-"

    def send(e, path: str) -> int:
        method, path, body, headers = e.request(path, 0)
        if "Cookie" in headers:
            who = cast.client if e.kind == "page" else cast.reader
            if e.name == "dashboard-practice":
                who = PRACTICE_ADMIN
            return browser[who].get(path).status_code
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        return api.generic(method, path, body or b"", "application/json", headers=extra).status_code

    every = endpoints(cast)
    if args.profile:
        e = next(e for e in every if e.name == args.profile)
        path = BARE + e.path if args.bare else e.path
        for _ in range(20):
            assert send(e, path) in (200, 201)
        profile = cProfile.Profile()
        start = time.process_time()
        profile.enable()
        for _ in range(args.requests):
            send(e, path)
        profile.disable()
        ms = (time.process_time() - start) / args.requests * 1000
        print(f"{e.label}: {ms:.2f} ms CPU per request (profiled)")
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)
        return

    only = set(args.only.split(",")) if args.only else None
    print(f"{'endpoint':40}{'real ms':>9}{'bare ms':>9}{'bare/real':>10}")
    for e in every:
        if only and e.name not in only:
            continue
        figures = []
        for path in (e.path, BARE + e.path):
            for _ in range(10):
                status = send(e, path)
            assert status in (200, 201), (e.name, path, status)
            start = time.process_time()
            for _ in range(args.requests):
                send(e, path)
            figures.append((time.process_time() - start) / args.requests * 1000)
        real, bare = figures
        mark = "PASS" if bare / real >= 0.5 else "BELOW"
        print(f"{e.name:40}{real:9.2f}{bare:9.2f}{bare / real:10.2f} {mark}")


if __name__ == "__main__":
    main()
