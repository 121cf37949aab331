"""The coaching app's models: people, programs, and what clients log."""

from coaching.accounts.models import Client, Invitation, Practice, Trainer, User
from coaching.journal.models import CheckIn, Entry, ReviewState, Session, Set
from coaching.messaging.models import Message, ThreadRead
from coaching.outcomes.models import Instrument, OutcomeSchedule, QuestionnaireResponse
from coaching.programs.models import (
    HandoutLink,
    Prescription,
    PrescriptionFields,
    Program,
    ProgramTemplate,
    TemplatePrescription,
)
from coaching.reminders.models import PushSubscription, Reminder, ReminderPreferences

__all__ = [
    "CheckIn",
    "Client",
    "Entry",
    "HandoutLink",
    "Instrument",
    "Invitation",
    "Message",
    "OutcomeSchedule",
    "Practice",
    "Prescription",
    "PrescriptionFields",
    "Program",
    "ProgramTemplate",
    "PushSubscription",
    "QuestionnaireResponse",
    "Reminder",
    "ReminderPreferences",
    "ReviewState",
    "Session",
    "Set",
    "TemplatePrescription",
    "ThreadRead",
    "Trainer",
    "User",
]
