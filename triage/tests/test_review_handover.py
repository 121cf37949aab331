"""The hand-over from logging to triage, with a real worker on the real Redis broker: a saved
log is pending in the same transaction, a review is enqueued on commit and marks it reviewed;
a review delivered twice does the work once; a broker that refuses the task fails nothing."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction

from coaching.models import CheckIn, ReviewState, Session
from coaching.tests.factories import ClientFactory, ProgramFactory, log_check_in, log_session
from coaching.tests.helpers import wait_for
from triage.services import review_clients


@pytest.fixture
def client_with_program(transactional_db):  # type: ignore[no-untyped-def]
    client = ClientFactory()
    ProgramFactory(client=client)
    return client


@pytest.mark.django_db(transaction=True)
def test_a_logged_session_and_check_in_are_reviewed_by_a_worker(celery_worker, client_with_program):
    session = log_session(client_with_program, symptoms=["leg_weakness"])
    check_in = log_check_in(client_with_program, pain=3)
    assert session.review_state == check_in.review_state == ReviewState.PENDING

    assert wait_for(
        lambda: (
            Session.objects.get(pk=session.pk).review_state == ReviewState.REVIEWED
            and CheckIn.objects.get(pk=check_in.pk).review_state == ReviewState.REVIEWED
        )
    )
    session.refresh_from_db()
    assert session.reviewed_at is not None


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_before_the_log_commits(client_with_program):
    with mock.patch("triage.tasks.review_client.delay") as delay:
        with transaction.atomic():
            log_session(client_with_program)
            assert not delay.called
        delay.assert_called_once_with(client_with_program.pk)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_log_enqueues_nothing(client_with_program):
    def failing_request() -> None:
        with transaction.atomic():
            log_session(client_with_program)
            raise RuntimeError("the request failed after the log")

    with mock.patch("triage.tasks.review_client.delay") as delay, pytest.raises(RuntimeError):
        failing_request()
    assert not delay.called
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_refuses_the_task_fails_nothing_and_the_log_stays_pending(
    client_with_program,
):
    with mock.patch("triage.tasks.review_client.delay", side_effect=ConnectionError("broker down")):
        session = log_session(client_with_program)

    session.refresh_from_db()
    assert session.review_state == ReviewState.PENDING  # the sweeper (triage) picks it up


@pytest.mark.django_db(transaction=True)
def test_a_review_claims_pending_rows_once(client_with_program):
    with mock.patch("triage.tasks.review_client.delay"):
        log_session(client_with_program)
        log_session(client_with_program)
        log_check_in(client_with_program)

    assert review_clients(client_ids=[client_with_program.pk]).claimed == 3
    assert set(client_with_program.sessions.values_list("review_state", flat=True)) == {
        ReviewState.REVIEWED
    }
    assert set(client_with_program.check_ins.values_list("review_state", flat=True)) == {
        ReviewState.REVIEWED
    }
    assert review_clients(client_ids=[client_with_program.pk]).claimed == 0
