"""Token sign-in for the mobile apps: per device, stored hashed, expiring, revocable, and
locked out after repeated failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from knox.settings import CONSTANTS

from coaching.accounts.selectors import profile_of
from coaching.accounts.tasks import sweep_expired_tokens
from coaching.tests.factories import PASSWORD, ClientFactory, EditorFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


def sign_in(client, username="alice", password=PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **extra)


@pytest.fixture
def alice():
    return UserFactory(username="alice", first_name="Alice", last_name="Ng")


def test_sign_in_returns_a_token_that_expires_and_is_stored_hashed(api_client, alice):
    response = sign_in(api_client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    expires = parse_datetime(body["expires_at"])
    assert timedelta(days=29) < expires - timezone.now() <= timedelta(days=30)
    stored = AuthToken.objects.get(user=alice)
    assert body["token"] not in (stored.digest, stored.token_key)  # only a digest is kept
    assert len(stored.digest) == 128  # SHA-512


def test_each_device_gets_its_own_token_and_logout_revokes_only_that_one(api_client, alice):
    phone = sign_in(api_client).json()["token"]
    tablet = sign_in(api_client).json()["token"]
    assert phone != tablet

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {phone}")
    assert api_client.get("/api/v1/me/").json()["username"] == "alice"
    assert api_client.post("/api/v1/auth/logout/").status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {tablet}")
    assert api_client.get("/api/v1/me/").status_code == 200


def test_an_expired_token_is_refused(api_client, alice):
    token = sign_in(api_client).json()["token"]
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"username": "alice"}, "password"),
        ({"password": "x"}, "username"),
        ({"username": "", "password": ""}, "username"),
    ],
)
def test_missing_fields_are_a_400_with_field_messages(api_client, alice, payload, attr):
    response = api_client.post(TOKEN, payload, format="json")
    assert response.status_code == 400
    assert attr in {e["attr"] for e in response.json()["errors"]}


def test_malformed_json_is_a_400(api_client):
    response = api_client.post(TOKEN, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_wrong_password_is_a_400_and_reveals_nothing(api_client, alice):
    wrong = sign_in(api_client, password="nope")
    unknown = sign_in(api_client, username="nobody", password="nope")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_repeated_failures_lock_the_username_out_with_429(api_client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(api_client, password="wrong").status_code == 400
    # the limit-th failure locks out
    assert sign_in(api_client, password="wrong").status_code == 429

    locked = sign_in(api_client)  # even the right password now
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["code"] == "locked_out"
    assert not AuthToken.objects.filter(user=alice).exists()


def test_success_before_the_limit_resets_the_count(api_client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(api_client, password="wrong")
    assert sign_in(api_client).status_code == 201
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(api_client, password="wrong").status_code == 400


def test_an_inactive_user_cannot_sign_in(api_client):
    UserFactory(username="gone", is_active=False)
    assert sign_in(api_client, username="gone").status_code == 400


@pytest.mark.parametrize(
    ("make_user", "role"),
    [
        (lambda: UserFactory(username="u"), "member"),
        (lambda: EditorFactory(username="u"), "catalogue_editor"),
        (lambda: UserFactory(username="u", is_superuser=True, is_staff=True), "superuser"),
    ],
)
def test_me_says_who_and_which_role(api_client, make_user, role):
    user = make_user()
    api_client.force_authenticate(user)
    body = api_client.get("/api/v1/me/").json()
    assert body["username"] == "u"
    assert body["role"] == role
    assert "password" not in body


def test_a_token_request_reads_the_token_the_person_and_the_profile_in_one_query(
    api_client, django_assert_num_queries
):
    ClientFactory(user__username="cleo")
    token = sign_in(api_client, username="cleo").json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/me/").json()["role"] == "client"


def test_a_portal_request_reads_the_person_and_the_profile_in_one_query(
    client, django_assert_num_queries
):
    cleo = ClientFactory(user__username="cleo")
    client.force_login(cleo.user)
    request = client.get("/api/v1/me/").wsgi_request  # (any signed-in page)
    request.session = client.session

    with django_assert_num_queries(2):  # the session row; the person with their profile
        user = get_user(request)
        assert profile_of(user).client == cleo


def test_an_expired_token_presented_is_deleted(api_client, alice):
    token = sign_in(api_client).json()["token"]
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=alice).exists()


def test_a_forged_token_with_a_known_key_prefix_is_refused(api_client, alice):
    token = sign_in(api_client).json()["token"]
    forged = token[: CONSTANTS.TOKEN_KEY_LENGTH] + ("0" if token[-1] != "0" else "1") * (
        len(token) - CONSTANTS.TOKEN_KEY_LENGTH
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {forged}")
    assert api_client.get("/api/v1/me/").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Token not-hex-at-all")
    assert api_client.get("/api/v1/me/").status_code == 401


def test_the_token_of_a_deactivated_person_is_refused(api_client, alice):
    token = sign_in(api_client).json()["token"]
    alice.is_active = False
    alice.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 401


def _expire(token):
    AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )


def test_signing_in_sweeps_the_persons_expired_tokens(api_client, alice):
    old = sign_in(api_client).json()["token"]
    _expire(old)

    token = sign_in(api_client).json()["token"]

    assert list(AuthToken.objects.filter(user=alice).values_list("token_key", flat=True)) == [
        token[: CONSTANTS.TOKEN_KEY_LENGTH]
    ]


def test_the_daily_sweep_deletes_every_expired_token_and_only_those(api_client, alice):
    ClientFactory(user__username="cleo")
    kept = sign_in(api_client).json()["token"]
    _expire(sign_in(api_client, username="cleo").json()["token"])
    _expire(sign_in(api_client).json()["token"])

    assert sweep_expired_tokens() == 2
    assert list(AuthToken.objects.values_list("token_key", flat=True)) == [
        kept[: CONSTANTS.TOKEN_KEY_LENGTH]
    ]
    assert settings.CELERY_BEAT_SCHEDULE["token-sweep"]["task"] == sweep_expired_tokens.name


@pytest.mark.parametrize("who", ["trainer", "client", "member"])
def test_the_prepared_token_read_is_what_the_orm_reads(api_client, who):
    from django.forms.models import model_to_dict

    from coaching.accounts.auth import tokens_with_key
    from coaching.tests.factories import TrainerFactory

    person = {
        "trainer": lambda: TrainerFactory(user__username="u").user,
        "client": lambda: ClientFactory(user__username="u").user,
        "member": lambda: UserFactory(username="u"),
    }[who]()
    token = sign_in(api_client, username="u").json()["token"]
    key = token[: CONSTANTS.TOKEN_KEY_LENGTH]

    (read,) = tokens_with_key(key)
    orm = AuthToken.objects.select_related("user__trainer", "user__client").get(token_key=key)

    def fields(obj):
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    assert fields(read) == fields(orm)
    assert fields(read.user) == fields(orm.user)
    assert read.user.pk == person.pk
    assert model_to_dict(read.user) == model_to_dict(orm.user)
    profile = profile_of(read.user)
    assert profile.trainer == getattr(person, "trainer", None)
    assert profile.client == (getattr(person, "client", None) if who == "client" else None)
    if profile.trainer is not None:
        assert fields(profile.trainer) == fields(orm.user.trainer)
    if profile.client is not None:
        assert fields(profile.client) == fields(orm.user.client)
    assert tokens_with_key("0" * CONSTANTS.TOKEN_KEY_LENGTH) == []
