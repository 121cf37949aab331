"""The app's Celery tasks, where ``autodiscover_tasks`` looks for them."""

from coaching.accounts.tasks import sweep_expired_tokens
from coaching.messaging.tasks import notify_message
from coaching.reminders.tasks import send_reminders

__all__ = ["notify_message", "send_reminders", "sweep_expired_tokens"]
