"""Who sees whom (the people selectors) and the services of people, without HTTP; the
``create_trainer`` command."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404

from coaching.accounts.selectors import client_get, clients_for, trainers_for, user_role
from coaching.accounts.services import client_create, client_update, trainer_create
from coaching.models import Client, Trainer
from coaching.programs.selectors import templates_for
from coaching.tests.factories import PASSWORD, UserFactory


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    """Built once for this module (conftest's ``module_world``); each test's writes roll back."""
    return shared_world


pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {obj.user.username for obj in qs}


# --- who sees whom --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("trainer_a", {"client_a"}),  # the owner
        ("trainer_b", {"client_b"}),  # a colleague sees only their own
        ("trainer_c", {"client_c"}),  # an outsider
        ("admin", {"client_a", "client_b"}),  # the practice admin: the whole practice
        ("client_a", set()),
        ("editor", set()),
    ],
)
def test_clients_for(world, actor, visible):
    user = getattr(world, actor)
    user = getattr(user, "user", user)
    assert names(clients_for(user)) == visible


def test_a_superuser_sees_every_client(world):
    root = UserFactory(is_superuser=True, is_staff=True)
    assert names(clients_for(root)) == {"client_a", "client_b", "client_c"}


def test_another_trainers_client_is_a_404_not_a_403(world):
    assert client_get(world.trainer_a.user, world.client_a.pk) == world.client_a
    for pk in (world.client_b.pk, world.client_c.pk, 999_999, "not-a-number"):
        with pytest.raises(Http404):
            client_get(world.trainer_a.user, pk)


def test_templates_and_trainers_stay_inside_the_practice(world):
    assert set(templates_for(world.trainer_b.user)) == {world.template_a}
    assert set(templates_for(world.trainer_c.user)) == {world.template_c}
    assert not templates_for(world.client_a.user).exists()
    assert set(trainers_for(world.admin.user)) == {world.trainer_a, world.trainer_b, world.admin}
    assert set(trainers_for(world.trainer_a.user)) == {world.trainer_a}
    assert not trainers_for(world.editor).exists()


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("trainer_a", "trainer"),
        ("admin", "practice_admin"),
        ("client_a", "client"),
        ("editor", "catalogue_editor"),
    ],
)
def test_user_role(world, actor, role):
    user = getattr(world, actor)
    assert user_role(getattr(user, "user", user)) == role


# --- people ---------------------------------------------------------------------------------


def test_a_new_client_belongs_to_the_creating_trainer(world):
    client = client_create(
        actor=world.trainer_a.user, username="newbie", password=PASSWORD, email="n@example.com"
    )
    assert client.trainer == world.trainer_a
    assert client.practice == world.practice_a
    assert client.user.check_password(PASSWORD)


def test_a_practice_admin_may_give_a_client_to_a_colleague_but_not_outside(world):
    client = client_create(
        actor=world.admin.user, username="x1", password=PASSWORD, trainer=world.trainer_b
    )
    assert client.trainer == world.trainer_b
    with pytest.raises(ValidationError) as excinfo:
        client_create(
            actor=world.admin.user, username="x2", password=PASSWORD, trainer=world.trainer_c
        )
    assert "trainer" in excinfo.value.message_dict
    with pytest.raises(ValidationError):  # a plain trainer cannot name a colleague
        client_create(
            actor=world.trainer_a.user, username="x3", password=PASSWORD, trainer=world.trainer_b
        )
    assert not Client.objects.filter(user__username__in=["x2", "x3"]).exists()


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("client_a", PASSWORD, "username"),
        ("fresh", "123", "password"),
        ("fresh", "password", "password"),
    ],
)
def test_bad_client_details_are_refused_and_nothing_is_written(world, username, password, field):
    before = Client.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        client_create(actor=world.trainer_a.user, username=username, password=password)
    assert field in excinfo.value.message_dict
    assert Client.objects.count() == before


def test_only_the_practice_admin_reassigns_and_only_within_the_practice(world):
    with pytest.raises(ValidationError):
        client_update(actor=world.trainer_a.user, client=world.client_a, trainer=world.trainer_b)
    with pytest.raises(ValidationError):
        client_update(actor=world.admin.user, client=world.client_a, trainer=world.trainer_c)
    client_update(actor=world.admin.user, client=world.client_a, trainer=world.trainer_b)
    world.client_a.refresh_from_db()
    assert world.client_a.trainer == world.trainer_b
    assert names(clients_for(world.trainer_a.user)) == set()  # it left trainer A's list


def test_a_trainer_cannot_change_a_colleagues_client(world):
    with pytest.raises(PermissionDenied):
        client_update(actor=world.trainer_a.user, client=world.client_b, first_name="Mallory")


def test_trainer_create_refuses_a_taken_username(world):
    with pytest.raises(ValidationError):
        trainer_create(practice=world.practice_a, username="TRAINER_A", password=PASSWORD)


# --- commands -------------------------------------------------------------------------------


def test_create_trainer_with_a_password_and_a_new_practice(capsys):
    call_command(
        "create_trainer", "dana", "--practice", "Seaside Clinic", "--admin", "--password", PASSWORD
    )
    trainer = Trainer.objects.get(user__username="dana")
    assert trainer.is_practice_admin
    assert trainer.practice.name == "Seaside Clinic"
    assert trainer.user.is_staff
    assert user_role(trainer.user) == "practice_admin"
    assert "practice admin of Seaside Clinic (new practice)" in capsys.readouterr().out


def test_create_trainer_prompts_for_the_password(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_trainer", "eli", "--practice", "Seaside Clinic")
    assert Trainer.objects.get(user__username="eli").user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("answers", "message"),
    [([PASSWORD, "different"], "do not match"), (["123", "123"], "too short")],
)
def test_create_trainer_refuses_bad_passwords(monkeypatch, answers, message):
    it = iter(answers)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(it))
    with pytest.raises(CommandError, match=message):
        call_command("create_trainer", "fay", "--practice", "Brand New Practice")
    assert not Trainer.objects.filter(user__username="fay").exists()
    from coaching.models import Practice

    assert not Practice.objects.filter(name="Brand New Practice").exists()
