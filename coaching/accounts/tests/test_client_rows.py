"""The API's clients from plain rows (``client_rows``) are what DRF builds, field by field, from
``client_list``'s instances: names, order, values, the active program (or null), the last session
(or null) and the trainer's name."""

from __future__ import annotations

import pytest

from coaching.accounts.selectors import as_client_rows, client_list, client_row_get, client_rows
from coaching.accounts.serializers import ClientSerializer
from coaching.tests.factories import ClientFactory, ProgramFactory, TrainerFactory, log_session
from coaching.tests.helpers import rendered

pytestmark = pytest.mark.django_db


def test_client_rows_are_what_drf_builds_from_instances():
    admin = TrainerFactory(is_practice_admin=True, user__first_name="", user__last_name="")
    colleague = TrainerFactory(practice=admin.practice)
    active = ClientFactory(trainer=colleague, practice=admin.practice, notes="knees")
    ProgramFactory(client=active)
    log_session(active)
    ProgramFactory(client=ClientFactory(trainer=admin, practice=admin.practice), status="ended")
    ClientFactory(trainer=admin, practice=admin.practice, user__email="")
    ClientFactory()  # another practice's: not seen

    from_models = ClientSerializer(client_list(admin.user), many=True).data
    from_rows = ClientSerializer(as_client_rows(list(client_rows(admin.user))), many=True).data

    assert len(from_rows) == 3
    assert rendered(from_rows) == rendered(from_models)
    assert [list(c) for c in from_rows] == [list(c) for c in from_models]  # the field order
    assert sum(c["active_program"] is not None for c in from_rows) == 1
    assert sum(c["last_session_at"] is not None for c in from_rows) == 1
    assert {c["trainer_name"] for c in from_rows} == {str(colleague.user), admin.user.username}
    assert rendered(ClientSerializer(client_row_get(admin.user, active.pk)).data) == rendered(
        ClientSerializer(client_list(admin.user).get(pk=active.pk)).data
    )
