"""The coaching app: one Django app (label ``coaching``) whose packages are its concerns."""

from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching"
