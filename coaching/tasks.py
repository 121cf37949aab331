"""The app's Celery tasks, where ``autodiscover_tasks`` looks for them."""

from coaching.accounts.tasks import sweep_expired_tokens

__all__ = ["sweep_expired_tokens"]
