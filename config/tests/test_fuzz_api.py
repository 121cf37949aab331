"""Hostile input (issue 6): Schemathesis against the API's own OpenAPI schema.

The schema is read from the app itself (``/api/schema/``, in process through WSGI), and every
operation is called with data generated from it, valid (positive) and invalid (negative), in
the three phases of Schemathesis: the schema's examples, coverage (boundary values, missing and
wrongly typed fields, undeclared methods) and random fuzzing. Each operation runs twice: signed
in as a client with an active program, a session and a check-in (``world.client_a``), and as a
trainer (``world.trainer_a``). Every answer goes through all of Schemathesis' checks: no 5xx,
the status code, content type, headers and body as the schema documents them, invalid data
refused with a 4xx, schema-valid data not refused (see ``STATE_DEPENDENT``), authentication
enforced (the request again without credentials must be a 401), undeclared methods a 405.

Bounded for ``make test``: a fixed seed and deterministic generation (the same cases every
run), at most ``MAX_EXAMPLES`` fuzzed cases per operation and role on top of the coverage
phase's, no shrinking, no example database. Each operation runs in its own test transaction
with its own ``world``, rolled back afterwards, so the writes (a program assigned, a flag
applied) stay in that test.

No operation is left out. ``POST /auth/logout/`` revokes the token it is sent with: each case
signs in with a token of its own. ``POST /auth/token/`` locks a username out after five
failures: django-axes is reset before each case. ``POST /clients/{id}/erase/`` is refused to
``trainer_a`` (not the practice admin: 403) and to the client (404), and would only erase rows
of this test's transaction anyway.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import axes.utils
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken

from coaching.management.commands.load_instrument import SHIPPED
from coaching.models import OutcomeSchedule, PushSubscription
from coaching.outcomes.services import instrument_file_load
from coaching.programs.handout import handout_share
from coaching.tests.factories import PASSWORD
from config.wsgi import application


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back.
    With a notification device of client A's and a handout link of theirs, for those endpoints."""
    shared_world.device_a = PushSubscription.objects.create(
        client=shared_world.client_a, endpoint="https://push.example.com/fuzz", p256dh="k", auth="a"
    )
    shared_world.handout_link_a = handout_share(
        actor=shared_world.trainer_a.user, program=shared_world.program_a
    )[0]
    # the Patient-Specific Functional Scale, sent with client A's program
    instrument_file_load(SHIPPED / "psfs.yaml")
    shared_world.schedule_a = OutcomeSchedule.objects.create(
        program=shared_world.program_a, instrument_slug="psfs"
    )
    return shared_world


MAX_EXAMPLES = 20  # fuzzed cases per operation and role; the coverage phase adds its own

# Schema-valid requests that the API refuses with a 400 by design, because what decides it is
# not in the request's shape: whether an id names a row the user may see (another person's is
# "does not exist", like an unknown one: README, API (v1)), a slug a published exercise, a
# username is free, the password strong enough, the credentials right; cross-field rules
# (reps_min ≤ reps_max, prescriptions or a template); time (a session at most a day ahead, a
# check-in not in the future); and state (a flag already applied, a referral holding every
# progression, a client who chose a password already). For these operations
# ``positive_data_acceptance`` also accepts a 400; its body is still checked against the
# documented error envelope, field by field. Every other operation must accept every
# schema-valid request.
STATE_DEPENDENT = [
    "auth_token_create",  # wrong credentials
    "clients_list",  # ?trainer= another practice's or unknown trainer
    "clients_create",
    "clients_partial_update",  # reassigning: practice admins only, same practice
    "clients_invite_create",  # the client has an email address and no password of their own
    "programs_list",  # ?client=
    "programs_create",
    "templates_create",
    "templates_assign_create",
    "flags_list",  # ?client=
    "flags_apply_create",
    "flags_dismiss_create",
    "flags_resolve_create",
    "sessions_create",
    "check_ins_create",
    "me_preferences_update",  # an IANA time zone; quiet hours with both ends or neither
    "me_preferences_partial_update",
    "me_devices_create",  # a push service's https endpoint, a P-256 key, a 16-byte secret
    "me_messages_create",  # a body that is not only spaces; a session of the client's own
    "clients_messages_create",
    "questionnaire_responses_create",  # one the program sends; answers that fit its items
    "programs_questionnaires_create",  # an instrument that is loaded
    "templates_questionnaires_create",
]
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261121,
        "generation": {
            "mode": "all",  # positive and negative
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "no-shrink": True,
            "database": "none",
        },
        "checks": {"enabled": True},  # every check, named here so that none is left out
        "operations": [
            {
                "include-operation-id": STATE_DEPENDENT,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400"]}
                },
            }
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

# Ids that Schemathesis makes up name no row, so nearly every schema-valid request would end
# in a 404 or a 400 "does not exist", and the successful answers (201 with the stored session,
# 200 with a client) would go unchecked. So half of the schema-valid cases (a fixed half: by a
# checksum of the case) name the user's own rows instead: the id in the path of a detail route,
# and the ids, slugs and credentials in a body.
OWN_ROWS = {
    "/api/v1/clients/": "client_a",
    "/api/v1/programs/": "program_a",
    "/api/v1/templates/": "template_a",
    "/api/v1/flags/": "flag_a",
    "/api/v1/sessions/": "session_a",
    "/api/v1/check-ins/": "check_in_a",
    "/api/v1/me/devices/": "device_a",
    "/api/v1/handout-links/": "handout_link_a",
    "/api/v1/questionnaire-schedules/": "schedule_a",
}
OWN_FIELDS = {
    "POST /api/v1/auth/token/": {"username", "password"},
    "POST /api/v1/clients/": {"trainer"},
    "POST /api/v1/programs/": {"client", "template", "exercise"},
    "POST /api/v1/templates/": {"exercise"},
    "POST /api/v1/templates/{id}/assign/": {"clients"},
    "POST /api/v1/sessions/": {"prescription"},
    "POST /api/v1/questionnaire-responses/": {"instrument"},
    "POST /api/v1/programs/{id}/questionnaires/": {"instrument"},
    "POST /api/v1/templates/{id}/questionnaires/": {"instrument"},
}


def _own_values(world: Any, user: Any) -> dict[str, object]:
    return {
        "username": user.username,
        "password": PASSWORD,
        "trainer": world.trainer_a.pk,
        "client": world.client_a.pk,
        "clients": [world.client_a.pk],
        "template": world.template_a.pk,
        "exercise": world.exercise.slug,
        "prescription": world.program_a.prescriptions.get().pk,
        "instrument": "psfs",
    }


def _replace(value: object, names: set[str], own: dict[str, object]) -> None:
    if isinstance(value, list):
        for item in value:
            _replace(item, names, own)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name in names and item is not None:
                value[name] = own[name]
            else:
                _replace(item, names, own)


def _aim_at_own_rows(case: Any, world: Any, user: Any) -> None:
    if not case.meta.generation.mode.is_positive:
        return
    if zlib.crc32(repr((case.path_parameters, case.body)).encode()) % 2:
        return
    if "id" in (case.path_parameters or {}):
        prefix = next(p for p in OWN_ROWS if case.path.startswith(p))
        case.path_parameters["id"] = getattr(world, OWN_ROWS[prefix]).pk
    names = OWN_FIELDS.get(case.operation.label)
    if names:
        _replace(case.body, names, _own_values(world, user))


@pytest.fixture
def _in_test_transaction() -> Iterator[None]:
    """Django closes the database connection at the end of each request it serves; inside
    the test's transaction that would lose the test's rows. Django's own test client
    disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.fuzz
@pytest.mark.usefixtures("_in_test_transaction")
@pytest.mark.parametrize("role", ["client", "trainer"])
@schema.parametrize()
# ``world`` is made once per operation and role, not per generated case: intended, the cases
# of one operation share its rows (and its transaction).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_api(case: Any, role: str, world: Any) -> None:
    user = world.client_a.user if role == "client" else world.trainer_a.user
    if case.operation.path == "/api/v1/auth/token/":
        # five failed sign-ins lock a username out (429, documented): start each case afresh
        axes.utils.reset()
    # a token of its own for each case: POST /auth/logout/ revokes the one it is sent with
    token = AuthToken.objects.create(user)[1]
    _aim_at_own_rows(case, world, user)
    case.call_and_validate(headers={"Authorization": f"Token {token}"})
