"""The admin tests share one world per module (conftest's ``module_world``), whose people have
names that cannot turn up on a page by chance (``support.extend_world``)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from coaching.tests.admin.support import extend_world


@pytest.fixture(scope="module")
def world_extension() -> Any:
    return extend_world


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


@pytest.fixture
def w(world: SimpleNamespace) -> SimpleNamespace:
    return world
