"""The coaching app: one Django app (label ``coaching``) whose packages are its concerns."""

from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching"

    def ready(self) -> None:
        from django.core import checks

        from coaching.reminders.push import check_vapid_key

        checks.register(check_vapid_key)
