"""``manage.py banner``: the URLs and demo logins ``make run`` prints."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from coaching.demo.seed import DEMO_LOGINS


class Command(BaseCommand):
    help = "Print the URLs and demo logins of a local run."

    def handle(self, *args: object, **options: object) -> None:
        base = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"
        db = settings.DATABASES["default"]
        lines = [
            "",
            "=" * 66,
            "  Coaching platform is starting (Ctrl-C stops web, worker and beat)",
            "=" * 66,
            f"  Client portal   {base}/",
            f"  Admin           {base}/admin/",
            f"  API docs        {base}/api/docs/   (schema: {base}/api/schema/)",
            f"  API             {base}/api/v1/",
            f"  Health          {base}/health/",
            "",
            "  Demo logins (local demo only):",
            *[f"    {d.username:<8} {d.password:<19} {d.role:<18} {d.where}" for d in DEMO_LOGINS],
            "    (seven more clients: ben, chloe, dev, emma, farid, grace, hugo — same password)",
            "",
            f"  Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}",
            f"  Broker:   {settings.CELERY_BROKER_URL.split('@')[-1]}",
            "=" * 66,
            "",
        ]
        self.stdout.write("\n".join(lines))
