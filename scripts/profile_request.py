"""Profile one URL of the app in process: N requests through Django's test client, signed in as
a user of the database ``DATABASE_URL`` names (e.g. the demo data of ``make run``), under cProfile.

    DJANGO_DEBUG=true DATABASE_URL=sqlite:///var/db.sqlite3 \\
        .venv/bin/python scripts/profile_request.py /api/v1/programs/ tara --requests 200

Prints the CPU per request (profiled: cProfile slows it down) and the 30 most expensive calls by
cumulative time. For gunicorn + PostgreSQL figures, see ``bench/endpoints.py``."""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("username")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--lines", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=args.username))
    for _ in range(20):  # warm up: caches, connections, imports
        response = client.get(args.url)
        if response.status_code != 200:
            sys.exit(f"{args.url} answered {response.status_code}")
    profile = cProfile.Profile()
    start = time.process_time()
    profile.enable()
    for _ in range(args.requests):
        client.get(args.url)
    profile.disable()
    per_request = (time.process_time() - start) / args.requests * 1000
    print(f"{args.url}: {per_request:.1f} ms of CPU per request (profiled)")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.lines)


if __name__ == "__main__":
    main()
