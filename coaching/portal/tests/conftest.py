"""The portal tests share one world per module (conftest's ``module_world``); ``alice`` is client
A signed in with nothing logged yet."""

from __future__ import annotations

import pytest

from coaching.models import CheckIn, Session


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


@pytest.fixture
def alice(client, world):  # type: ignore[no-untyped-def]
    """Client A, signed in, with nothing logged yet."""
    Session.objects.filter(client=world.client_a).delete()
    CheckIn.objects.filter(client=world.client_a).delete()
    client.force_login(world.client_a.user)
    return client
