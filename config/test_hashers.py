"""The test suite's password hasher: Argon2, as in production, with the cheapest parameters.

Argon2 is slow on purpose (170 ms a password on this machine, with Django's parameters); the
suite hashes and checks hundreds of passwords (sign-ins, lockouts, invitations, new clients), so
it uses the same algorithm at a fraction of the cost. ``config/settings_test.py`` puts it first;
production keeps Django's ``Argon2PasswordHasher`` (``config/tests/test_platform.py`` checks
``config.settings``)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024  # KiB
    parallelism = 1
