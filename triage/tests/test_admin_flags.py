"""The flag queue in the trainers' admin: the queue's order and default filter, the flag page
(reason, evidence, chart data, audit trail) and its actions, the client list's open-flag column,
and the thresholds page for superusers."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from coaching.models import Prescription
from triage.models import Flag
from triage.selectors import thresholds_current
from triage.tests.factories import FlagFactory, ReferralFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:triage_flag_changelist")


def page(flag: Flag) -> str:
    return reverse("admin:triage_flag_change", args=[flag.pk])


def act(flag: Flag, action: str) -> str:
    return reverse("admin:triage_flag_act", args=[flag.pk, action])


def test_the_queue_shows_open_flags_by_urgency_then_newest(client, world):
    client.force_login(world.trainer_a.user)
    urgent = ReferralFactory(client=world.client_a)
    emergency = ReferralFactory(client=world.client_a, rule="RF-EMERGENCY", urgency="emergency")
    dismissed = FlagFactory(client=world.client_a, rule="RG-SHARP", status="dismissed")

    shown = [f.pk for f in client.get(QUEUE).context["cl"].result_list]
    everything = [f.pk for f in client.get(QUEUE, {"status": "all"}).context["cl"].result_list]

    assert shown == [emergency.pk, urgent.pk, world.flag_a.pk]
    assert dismissed.pk in everything


def test_the_flag_page_shows_reason_evidence_chart_and_actions(client, world):
    client.force_login(world.trainer_a.user)

    response = client.get(page(world.flag_a))

    html = response.content.decode()
    assert response.status_code == 200
    assert world.flag_a.reason in html
    assert "pain during" in html  # the evidence table
    assert 'id="flag-pain-data"' in html
    assert response.context["pain_chart"]["sessions"], "the client's sessions in the chart"
    assert set(response.context["flag_actions"]) == {"apply", "dismiss"}


def test_applying_from_the_admin(client, world):
    client.force_login(world.trainer_a.user)
    old = world.flag_a.prescription

    response = client.post(act(world.flag_a, "apply"))

    assert response.status_code == 302
    assert Flag.objects.get(pk=world.flag_a.pk).status == "applied"
    assert Prescription.objects.get(pk=old.pk).ended_at is not None
    assert any("Applied" in str(m) for m in get_messages(response.wsgi_request))


def test_dismissing_without_a_reason_is_a_form_error_and_changes_nothing(client, world):
    client.force_login(world.trainer_a.user)

    response = client.post(act(world.flag_a, "dismiss"), {"dismiss-reason": ""})

    assert response.status_code == 200
    assert response.context_data["flag_actions"]["dismiss"].errors["reason"]
    assert Flag.objects.get(pk=world.flag_a.pk).status == "open"


def test_a_referral_is_referred_then_cleared_from_the_admin(client, world):
    client.force_login(world.trainer_a.user)
    referral = ReferralFactory(client=world.client_a)
    assert set(client.get(page(referral)).context["flag_actions"]) == {"dismiss", "resolve"}

    client.post(act(referral, "resolve"), {"resolve-referred_to": "Dr Shah, GP"})
    assert set(client.get(page(referral)).context["flag_actions"]) == {"clear"}
    client.post(act(referral, "clear"), {"clear-clearance": "Cleared for exercise"})

    referral.refresh_from_db()
    assert (referral.status, referral.referred_to) == ("resolved", "Dr Shah, GP")
    assert referral.clearance == "Cleared for exercise"
    assert client.get(page(referral)).context["flag_actions"] == {}


def test_another_trainers_flag_cannot_be_acted_on(client, world):
    client.force_login(world.trainer_c.user)

    response = client.post(act(world.flag_a, "dismiss"), {"dismiss-reason": "x"})

    assert response.status_code == 404
    assert Flag.objects.get(pk=world.flag_a.pk).status == "open"


def test_the_client_list_shows_open_flags_and_the_highest_urgency(client, world):
    client.force_login(world.trainer_a.user)
    ReferralFactory(client=world.client_a)

    response = client.get(reverse("admin:coaching_client_changelist"))

    row = response.context["cl"].result_list[0]
    assert (row.open_flags, row.top_urgency) == (2, 1)
    assert "2 · urgent" in response.content.decode()


def test_superusers_edit_the_thresholds_and_trainers_cannot(client, world, superuser):
    url = reverse("admin:triage_rulesettings_changelist")
    client.force_login(world.trainer_a.user)
    assert client.get(url).status_code == 403

    client.force_login(superuser)
    form = client.get(url).context["form"]
    data = dict(form.initial)
    data["pain_acceptable_max"] = 6

    response = client.post(url, data)

    assert response.status_code == 302
    assert thresholds_current().pain_acceptable_max == 6
