"""Bench: GET /api/v1/exercises/?page_size=1000 with 1,000 published exercises, beside a bare
Django view that builds the same payload in one raw SQL query, in the same run.

    make bench-catalogue      (or: .venv/bin/python bench/catalogue.py)

Gunicorn (2 sync workers) + PostgreSQL on this machine, production settings, token auth."""

from __future__ import annotations

import copy
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import fetch_json, gunicorn, load, recreate_database, setup_django

DB = "coaching_bench_catalogue"
COUNT = 1000


def populate() -> str:
    from django.conf import settings
    from django.core.management import call_command
    from knox.models import AuthToken

    from coaching.models import User
    from exercises.loader import read_catalogue, validate_catalogue
    from exercises.services import catalogue_load

    call_command("migrate", verbosity=0)
    real = read_catalogue(settings.CATALOGUE_FILE)
    copies = -(-COUNT // len(real["exercises"]))
    exercises, edges = [], []
    for k in range(copies):
        for exercise in real["exercises"]:
            clone = copy.deepcopy(dict(exercise))
            clone["slug"] = f"{exercise['slug']}-{k}"
            clone["name"] = f"{exercise['name']} ({k})"
            exercises.append(clone)
        edges += [
            {**e, "easier": f"{e['easier']}-{k}", "harder": f"{e['harder']}-{k}"}
            for e in real["progressions"]
        ]
    exercises = exercises[:COUNT]
    kept = {e["slug"] for e in exercises}
    edges = [e for e in edges if e["easier"] in kept and e["harder"] in kept]
    data = validate_catalogue(
        {
            "muscles": real["muscles"],
            "equipment": real["equipment"],
            "exercises": exercises,
            "progressions": edges,
        }
    )
    report = catalogue_load(catalogue=data)
    print(f"catalogue: {len(report.created)} exercises, {report.edges_created} edges")
    user, _ = User.objects.get_or_create(username="bench")
    _, token = AuthToken.objects.create(user)
    return token


def main() -> None:
    recreate_database(DB)
    setup_django(DB)
    token = populate()
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    real_path = "/api/v1/exercises/?page_size=1000"
    bare_path = "/bench/bare-exercises/"

    with gunicorn(DB, wsgi="bench.catalogue_wsgi:application", workers=2) as port:
        real = fetch_json(port, real_path, headers)
        bare = fetch_json(port, bare_path, headers)
        assert real["count"] == bare["count"] == COUNT, (real["count"], bare["count"])
        assert len(real["results"]) == len(bare["results"]) == COUNT
        assert real["results"][0]["slug"] == bare["results"][0]["slug"]
        assert real["results"][0]["illustration"] == bare["results"][0]["illustration"]
        size = len(str(real).encode())
        rows = []
        cases = (
            ("real endpoint", real_path, {}),
            ("real, ETag 304", real_path, {"If-None-Match": etag_of(port, real_path, headers)}),
            ("bare SQL view", bare_path, {}),
        )
        for label, path, extra in cases:
            load(port, path, headers={**headers, **extra}, requests=10)  # warm both workers
            sequential = load(port, path, headers={**headers, **extra}, requests=60)
            concurrent = load(port, path, headers={**headers, **extra}, concurrency=4, requests=160)
            rows.append((label, sequential, concurrent))
        # the first answer after a catalogue change: the uncached path. After one exercise's
        # edit only the documents it changed are built again; after a muscle's rename, every
        # one (what the first answer after any edit cost before issue 12: a full rebuild)
        misses, rebuilds = [], []
        for _ in range(8):
            touch_catalogue()
            misses.append(load(port, real_path, headers=headers, requests=1).latencies[0])
            rename_a_muscle()
            rebuilds.append(load(port, real_path, headers=headers, requests=1).latencies[0])

    print(f"\nbench/catalogue.py — {COUNT} exercises per response (~{size / 1e6:.1f} MB JSON)")
    print(f"machine: {platform.machine()}, python {platform.python_version()}, gunicorn 2 workers")
    print(f"{'':16}{'median ms':>10}{'p95 ms':>9}{'req/s (1 conn)':>16}{'req/s (4 conns)':>17}")
    for label, seq, conc in rows:
        print(f"{label:16}{seq.p50:10.1f}{seq.pct(95):9.1f}{seq.rps:16.1f}{conc.rps:17.1f}")
        assert seq.errors == conc.errors == 0
    misses.sort()
    rebuilds.sort()
    print(
        f"{'after an edit':16}{misses[len(misses) // 2] * 1000:10.1f}{misses[-1] * 1000:9.1f}"
        f"   (first answer after each of 8 edits of one exercise; p95 column = worst)"
    )
    print(
        f"{'full rebuild':16}{rebuilds[len(rebuilds) // 2] * 1000:10.1f}"
        f"{rebuilds[-1] * 1000:9.1f}   (first answer after each of 8 muscle renames: every "
        f"document built, as after any edit before)"
    )
    ratio = misses[len(misses) // 2] / rebuilds[len(rebuilds) // 2]
    print(
        f"first answer after an edit / full rebuild (medians): {ratio:.2f} "
        f"({'PASS' if ratio <= 0.5 else 'BELOW'}: target 0.5 or less)"
    )
    (_, real_seq, real_conc), _, (_, bare_seq, bare_conc) = rows
    print(
        f"ratio real/bare: throughput {real_conc.rps / bare_conc.rps:.2f}, "
        f"median latency {real_seq.p50 / bare_seq.p50:.2f}x"
    )


def etag_of(port: int, path: str, headers: dict[str, str]) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.getheader("ETag")


def rename_a_muscle() -> None:
    """A change every document shows (the muscle's name): the next answer rebuilds them all."""
    from exercises.models import Muscle

    muscle = Muscle.objects.order_by("?").first()
    muscle.name = muscle.name.rstrip("*") + ("*" if not muscle.name.endswith("*") else "")
    muscle.save()


def touch_catalogue() -> None:
    """An editor's change (as the admin makes it): the next answer must be rebuilt."""
    from exercises.models import Exercise

    exercise = Exercise.objects.order_by("?").first()
    exercise.save()


if __name__ == "__main__":
    main()
