"""The exercise catalogue app; connects its signals when ready."""

from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    verbose_name = "Exercise catalogue"

    def ready(self) -> None:
        from exercises import signals

        signals.connect()
