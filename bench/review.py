"""What one log costs the worker: the review of a single client (the task ``review_client`` runs
for each log when nothing else waits), CPU per review in one process, optionally profiled.

    .venv/bin/python bench/review.py                      (200 reviews, after 20 to warm up)
    .venv/bin/python bench/review.py --profile tottime    (then 180 more under cProfile)

It uses ``bench/inprocess.py``'s database (``bench_inprocess``: 10 trainers × 50 clients with
4 weeks of history; run ``bench/inprocess.py --fresh`` once to make it). Each review is
``review_clients(client_ids=[id], only_pending=False)``: the history read, the rules, the flags
reconciled, in one transaction."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BENCH_BROKER", "redis://127.0.0.1:6379/9")

from bench._harness import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=200)
    parser.add_argument("--profile", default="", help="a pstats sort key, e.g. tottime")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    setup_django("bench_inprocess")
    from coaching.models import Client
    from triage.services import review_clients

    ids = list(Client.objects.order_by("id").values_list("id", flat=True))
    if len(ids) < 20 + 2 * args.reviews:
        ids = ids * (1 + (20 + 2 * args.reviews) // max(1, len(ids)))
    for client_id in ids[:20]:
        review_clients(client_ids=[client_id], only_pending=False)
    timed = ids[20 : 20 + args.reviews]
    start = time.process_time()
    for client_id in timed:
        review_clients(client_ids=[client_id], only_pending=False)
    spent = (time.process_time() - start) / len(timed) * 1000
    print(f"review of one client: {spent:.2f} ms of CPU ({len(timed)} reviews, one process)")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for client_id in ids[20 + args.reviews : 20 + 2 * args.reviews]:
            review_clients(client_ids=[client_id], only_pending=False)
        profile.disable()
        pstats.Stats(profile).sort_stats(args.profile).print_stats(args.lines)


if __name__ == "__main__":
    main()
