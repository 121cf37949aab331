"""The demo practice: seeding it twice changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from coaching.accounts.selectors import clients_for
from coaching.models import Client, Prescription, Program, Trainer


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {obj.user.username for obj in qs}


def test_seed_demo_is_idempotent(catalogue):
    from coaching.models import CheckIn, Session

    def counted() -> tuple[int, ...]:
        return tuple(m.objects.count() for m in (Client, Program, Prescription, Session, CheckIn))

    call_command("seed_demo")
    counts = counted()
    call_command("seed_demo")
    assert counted() == counts
    assert counts[0] == 8
    # three weeks of logs each: a check-in a day, a session three days a week
    assert counts[4] == 8 * 21
    assert 8 * 8 <= counts[3] <= 8 * 10
    alice = Client.objects.get(user__username="alice")
    assert Session.objects.filter(client=alice, review_state="pending").exists()
    assert CheckIn.objects.filter(client__user__username="dev").exclude(symptoms=[]).count() == 2
    assert Program.objects.filter(status="active").count() == 8
    tom = Trainer.objects.get(user__username="tom")
    assert names(clients_for(tom.user)) == {"alice", "ben", "chloe", "dev"}
