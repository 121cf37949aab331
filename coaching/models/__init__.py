"""The coaching app's models: people, programs, and what clients log."""

from coaching.models.logs import CheckIn, Entry, ReviewState, Session, Set
from coaching.models.people import Client, Practice, Trainer, User
from coaching.models.programs import (
    Prescription,
    PrescriptionFields,
    Program,
    ProgramTemplate,
    TemplatePrescription,
)

__all__ = [
    "CheckIn",
    "Client",
    "Entry",
    "Practice",
    "Prescription",
    "PrescriptionFields",
    "Program",
    "ProgramTemplate",
    "ReviewState",
    "Session",
    "Set",
    "TemplatePrescription",
    "Trainer",
    "User",
]
