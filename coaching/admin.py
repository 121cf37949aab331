"""The coaching admin, one module per concern: ``accounts.admin`` (clients, trainers,
practices, users), ``programs.admin`` (programs and the template library) and ``journal.admin``
(what clients log, read-only). Django's autodiscovery imports this module; these imports
register them."""

from coaching.accounts import admin as accounts_admin
from coaching.journal import admin as journal_admin
from coaching.outcomes import admin as outcomes_admin
from coaching.programs import admin as programs_admin

__all__ = ["accounts_admin", "journal_admin", "outcomes_admin", "programs_admin"]
