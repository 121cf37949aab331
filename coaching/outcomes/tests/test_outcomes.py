"""Questionnaires as people use them: loading an instrument (a changed file with answers makes a
new version), a trainer choosing what a program or template sends, the client answering in the
API and the portal (bad answers a 400 or form error naming the item, nothing stored), Today and
History, and the answers reaching triage through the real pipeline."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from coaching.management.commands.load_instrument import SHIPPED
from coaching.models import OutcomeSchedule, Program, QuestionnaireResponse, ReviewState
from coaching.outcomes.services import AnswerSpec, instrument_load, response_submit, schedule_set
from coaching.privacy.services import client_export
from coaching.tests.factories import ClientFactory, ProgramFactory, ProgramTemplateFactory
from coaching.tests.helpers import api, wait_for
from exercises.tests.factories import ExerciseFactory
from triage.models import Flag

PSFS_RAW = yaml.safe_load((SHIPPED / "psfs.yaml").read_text())
ANSWERS = "/api/v1/questionnaire-responses/"
MINE = "/api/v1/me/questionnaires/"


def psfs_answers(*ratings: int, names: tuple[str, ...] = ("Tie shoes", "Sit 1 hour", "Lift a bag")):
    return {"activities": [{"name": n, "rating": r} for n, r in zip(names, ratings, strict=True)]}


@pytest.fixture
def client_with_psfs(db):  # type: ignore[no-untyped-def]
    instrument_load(raw=PSFS_RAW)
    client = ClientFactory()
    program = ProgramFactory(client=client)
    schedule_set(actor=client.trainer.user, owner=program, instrument="psfs", every_weeks=2)
    return client


def post(client, answers, key=None):  # type: ignore[no-untyped-def]
    headers = {"Idempotency-Key": str(key or uuid.uuid4())}
    return api(client.user).post(
        ANSWERS, {"instrument": "psfs", "answers": answers}, format="json", headers=headers
    )


# --- instruments -----------------------------------------------------------------------------------


def test_load_instrument_creates_then_changes_nothing_then_makes_a_version_once_answered(
    client_with_psfs, tmp_path
):
    path = tmp_path / "psfs.yaml"
    changed = copy.deepcopy(PSFS_RAW)
    changed["instructions"] = "Name 3 to 5 activities."
    path.write_text(yaml.safe_dump(changed))
    call_command("load_instrument", str(path))  # no answers yet: corrected in place
    assert QuestionnaireResponse.objects.count() == 0
    assert [i.version for i in client_with_psfs.programs.get().outcome_schedules.none()] == []
    from coaching.models import Instrument

    assert list(Instrument.objects.values_list("version", flat=True)) == [1]
    post(client_with_psfs, psfs_answers(3, 4, 5))
    changed["meaningful_change"] = 3
    path.write_text(yaml.safe_dump(changed))
    call_command("load_instrument", str(path))
    assert list(Instrument.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    old = QuestionnaireResponse.objects.get()
    assert old.instrument.version == 1  # the answer keeps the version that scored it
    call_command("load_instrument", str(path))  # unchanged
    assert Instrument.objects.count() == 2


def test_a_bad_instrument_file_is_refused_naming_the_field_and_nothing_is_written(db, tmp_path):
    from coaching.models import Instrument

    bad = copy.deepcopy(PSFS_RAW)
    bad["scale"]["max"] = 0
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(CommandError) as refused:
        call_command("load_instrument", str(path))
    assert "scale.max:" in str(refused.value)
    assert not Instrument.objects.exists()
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_instrument", str(Path(tmp_path / "missing.yaml")))


# --- answering through the API ---------------------------------------------------------------------


def test_the_client_sees_what_is_due_answers_it_and_sees_the_change(client_with_psfs):
    me = api(client_with_psfs.user)
    (q,) = me.get(MINE).json()
    assert q["instrument"]["slug"] == "psfs"
    assert q["due_on"] == timezone.localdate().isoformat()
    assert (q["activities"], q["baseline"], q["change"]) == ([], None, None)
    assert q["cadence"] == "at the start, every 2 weeks, at the end"

    key = uuid.uuid4()
    first = post(client_with_psfs, psfs_answers(2, 3, 4), key)
    assert first.status_code == 201, first.json()
    assert (first.json()["score"], first.json()["version"]) == (3.0, 1)
    again = post(client_with_psfs, psfs_answers(2, 3, 4), key)  # a replay stores nothing
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert post(client_with_psfs, psfs_answers(9, 9, 9), key).status_code == 409
    assert QuestionnaireResponse.objects.count() == 1

    (q,) = me.get(MINE).json()
    assert q["due_on"] is None
    assert q["activities"] == ["Tie shoes", "Sit 1 hour", "Lift a bag"]
    assert post(client_with_psfs, psfs_answers(5, 6, 7)).status_code == 201
    (q,) = me.get(MINE).json()
    assert (q["baseline"]["score"], q["latest"]["score"], q["change"]) == (3.0, 6.0, "better")
    assert q["in_words"] == ["Tie shoes: 2 → 5", "Sit 1 hour: 3 → 6", "Lift a bag: 4 → 7"]


@pytest.mark.parametrize(
    ("body", "attr", "message"),
    [
        ({"instrument": "psfs", "answers": psfs_answers(3, 11, 4)}, "answers.activities.1.rating", "Rate it from 0 to 10."),
        ({"instrument": "psfs", "answers": {"activities": []}}, "answers.activities", "Name between 3 and 5"),
        ({"instrument": "psfs", "answers": {"items": {}}}, "answers.activities", "Give the activities"),
        ({"instrument": "oswestry", "answers": {}}, "instrument", "This questionnaire is not one"),
        ({"instrument": "psfs"}, "answers", "This field is required."),
    ],
    ids=["off-scale", "none-named", "wrong-shape", "not-sent", "no-answers"],
)  # fmt: skip
def test_bad_answers_are_a_400_naming_the_item_and_nothing_is_stored(
    client_with_psfs, body, attr, message
):
    response = api(client_with_psfs.user).post(ANSWERS, body, format="json")
    assert response.status_code == 400
    errors = {e["attr"]: e["detail"] for e in response.json()["errors"]}
    assert errors[attr].startswith(message), errors
    assert not QuestionnaireResponse.objects.exists()


def test_later_answers_rate_the_same_activities(client_with_psfs):
    post(client_with_psfs, psfs_answers(2, 3, 4))
    response = post(
        client_with_psfs, psfs_answers(5, 6, 7, names=("Run", "Sit 1 hour", "Lift a bag"))
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error == {
        "code": "invalid",
        "detail": "Rate the same activities as the first time: Tie shoes.",
        "attr": "answers.activities",
    }


def test_only_the_client_answers_and_only_for_themselves(client_with_psfs):
    other = ClientFactory()  # no questionnaire sent
    response = api(other.user).post(
        ANSWERS, {"instrument": "psfs", "answers": psfs_answers(1, 2, 3)}, format="json"
    )
    assert response.status_code == 400
    assert api(client_with_psfs.trainer.user).post(ANSWERS, {}, format="json").status_code == 403
    assert api(None).get(MINE).status_code == 401


def test_the_care_team_reads_the_answers_and_chooses_what_is_sent(client_with_psfs):
    post(client_with_psfs, psfs_answers(2, 3, 4))
    trainer = api(client_with_psfs.trainer.user)
    url = f"/api/v1/clients/{client_with_psfs.pk}/questionnaire-responses/"
    (row,) = trainer.get(url).json()
    assert (row["instrument"], row["score"]) == ("psfs", 3.0)
    assert api(ClientFactory().trainer.user).get(url).status_code == 404  # another's client

    program = client_with_psfs.programs.get()
    schedules = f"/api/v1/programs/{program.pk}/questionnaires/"
    (listed,) = trainer.get(schedules).json()
    assert (listed["instrument"], listed["every_weeks"]) == ("psfs", 2)
    changed = trainer.post(schedules, {"instrument": "psfs", "every_weeks": 4}, format="json")
    assert changed.json()[0]["cadence"] == "at the start, every 4 weeks, at the end"
    refused = trainer.post(schedules, {"instrument": "oswestry"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "instrument"
    assert api(ClientFactory().trainer.user).get(schedules).status_code == 404
    deleted = trainer.delete(f"/api/v1/questionnaire-schedules/{listed['id']}/")
    assert deleted.status_code == 204
    assert not OutcomeSchedule.objects.exists()


def test_a_program_from_a_template_sends_the_templates_questionnaires(db):
    instrument_load(raw=PSFS_RAW)
    client = ClientFactory()
    template = ProgramTemplateFactory(practice=client.practice)
    template.prescriptions.create(
        exercise=ExerciseFactory(), order=0, sets=3, reps_min=8, reps_max=12
    )
    schedule_set(actor=client.trainer.user, owner=template, instrument="psfs", every_weeks=3)
    response = api(client.trainer.user).post(
        f"/api/v1/templates/{template.pk}/assign/",
        {"clients": [client.pk], "starts_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    program = Program.objects.get(client=client, status=Program.Status.ACTIVE)
    (copied,) = program.outcome_schedules.all()
    assert (copied.instrument_slug, copied.every_weeks) == ("psfs", 3)


def test_answers_are_in_the_data_export(client_with_psfs):
    post(client_with_psfs, psfs_answers(2, 3, 4))
    exported = client_export(actor=client_with_psfs.user, client=client_with_psfs)
    (row,) = exported["questionnaire_responses"]
    assert (row["instrument"], row["score"]) == ("psfs", 3.0)


# --- the portal ------------------------------------------------------------------------------------


def test_today_points_to_a_due_questionnaire_and_the_page_takes_the_answers(
    client, client_with_psfs
):
    client.force_login(client_with_psfs.user)
    today = client.get(reverse("portal:home")).content.decode()
    assert "A short questionnaire from your trainer: Patient-Specific Functional Scale" in today
    url = reverse("outcomes:answer", args=["psfs"])
    page = client.get(url)
    key = page.context["form"]["idempotency_key"].value()
    data = {"idempotency_key": key, "name_0": "Tie shoes", "rating_0": "2", "name_1": "Walk",
            "rating_1": "12", "name_2": "Sit", "rating_2": "4"}  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["rating_1"] == ["Choose a number."]
    data["rating_1"] = "3"
    data["name_3"] = "Carry shopping"  # a fourth activity without its rating
    refused = client.post(url, data)
    assert refused.context["form"].errors["rating_3"] == ["Rate it from 0 to 10."]
    assert not QuestionnaireResponse.objects.exists()
    data["rating_3"] = "5"
    saved = client.post(url, data, follow=True)
    assert "your answers are saved (score 3.5)" in saved.content.decode()
    assert "A short questionnaire" not in client.get(reverse("portal:home")).content.decode()
    # later: the same activities, named on the page
    again = client.get(url).content.decode()
    assert "Tie shoes" in again
    assert 'name="name_0"' not in again


def test_history_shows_the_scores_in_plain_words(client, client_with_psfs):
    post(client_with_psfs, psfs_answers(3, 4, 5))
    # the first answer two weeks ago, in a program started three weeks ago
    Program.objects.update(starts_on=timezone.localdate() - timedelta(days=21))
    QuestionnaireResponse.objects.update(answered_at=timezone.now() - timedelta(days=14))
    post(client_with_psfs, psfs_answers(7, 4, 6))
    client.force_login(client_with_psfs.user)
    page = client.get(reverse("portal:history")).content.decode()
    assert "Tie shoes: 3 → 7" in page
    assert "Sit 1 hour: 4 → 4" in page


def test_the_answer_page_is_only_for_questionnaires_the_program_sends(client, db):
    instrument_load(raw=PSFS_RAW)
    someone = ClientFactory()
    ProgramFactory(client=someone)
    client.force_login(someone.user)
    assert client.get(reverse("outcomes:answer", args=["psfs"])).status_code == 404
    assert (
        "has not sent you a questionnaire" in client.get(reverse("outcomes:list")).content.decode()
    )


# --- through the real pipeline: API → commit → worker → flags ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worse_answer_reaches_the_trainer_as_a_flag(celery_worker):
    instrument_load(raw=PSFS_RAW)
    client = ClientFactory()
    program = ProgramFactory(client=client)
    schedule_set(actor=client.trainer.user, owner=program, instrument="psfs", every_weeks=2)
    first = post(client, psfs_answers(6, 6, 6))
    assert first.status_code == 201
    assert wait_for(
        lambda: (
            QuestionnaireResponse.objects.get(pk=first.json()["id"]).review_state
            == ReviewState.REVIEWED
        )
    )
    assert not Flag.objects.filter(rule="OM-DECLINE").exists()  # one answer: the baseline
    # the first answer two weeks ago, in a program started three weeks ago
    Program.objects.update(starts_on=timezone.localdate() - timedelta(days=21))
    QuestionnaireResponse.objects.update(answered_at=timezone.now() - timedelta(days=14))
    worse = post(client, psfs_answers(4, 4, 4))
    assert worse.status_code == 201
    assert wait_for(lambda: Flag.objects.filter(client=client, rule="OM-DECLINE").exists())
    flag = Flag.objects.get(client=client, rule="OM-DECLINE")
    assert (flag.kind, flag.urgency, flag.status) == ("regression", "routine", "open")
    assert "PSFS 6 on" in flag.reason
    assert "→ 4 on" in flag.reason
    assert set(flag.log_keys) == {
        f"response:{first.json()['id']}",
        f"response:{worse.json()['id']}",
    }


def test_an_answer_is_pending_until_reviewed(client_with_psfs):
    logged = response_submit(
        actor=client_with_psfs.user, spec=AnswerSpec("psfs", psfs_answers(2, 3, 4))
    )
    assert logged.record.review_state == ReviewState.PENDING
    from triage.services import has_pending_logs, review_clients

    assert has_pending_logs(client_with_psfs.pk)
    assert review_clients(client_ids=[client_with_psfs.pk]).claimed == 1
    assert not has_pending_logs(client_with_psfs.pk)


def test_an_ended_programs_last_questionnaire_stays_due_for_two_weeks(client_with_psfs):
    post(client_with_psfs, psfs_answers(2, 3, 4))
    ended = timezone.localdate() - timedelta(days=3)
    Program.objects.update(
        status=Program.Status.ENDED, ended_on=ended, starts_on=ended - timedelta(days=30)
    )
    QuestionnaireResponse.objects.update(answered_at=timezone.now() - timedelta(days=30))
    (q,) = api(client_with_psfs.user).get(MINE).json()
    assert q["due_on"] == ended.isoformat()  # the end of the program
    assert post(client_with_psfs, psfs_answers(5, 6, 7)).status_code == 201
    Program.objects.update(ended_on=timezone.localdate() - timedelta(days=15))
    assert api(client_with_psfs.user).get(MINE).json() == []  # past the two weeks: gone
