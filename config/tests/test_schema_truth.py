"""The OpenAPI schema says what the validators enforce (an outside Schemathesis run found a
response the schema did not allow and a request the schema allowed but the API refused).

Each fact is asserted on the generated schema (``SchemaGenerator``: what ``/api/schema/``
serves, post-processing hooks included), and where it could drift, against the validation
itself: the schema's pattern against the field, the documented empty email against a real
answer, a list's ``minItems`` against a refusal that keeps its words.

That ``POST /api/v1/sessions/`` refuses ``entries: []`` with a 400 naming the field, storing
nothing, is tested with the other bad sessions: ``coaching/tests/test_api_client.py``
(``test_bad_values_are_refused_with_the_field_named[entries]``). Schemathesis then checks every
operation against this schema (``config/tests/test_fuzz_api.py``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIClient

from coaching.programs import limits
from coaching.programs.serializers import LOAD_KG_PATTERN, LoadKgField


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema["components"]["schemas"]


def prop(components: dict[str, Any], component: str, name: str) -> dict[str, Any]:
    return components[component]["properties"][name]


def valid(value: Any, schema: dict[str, Any]) -> bool:
    checker = jsonschema.Draft4Validator.FORMAT_CHECKER
    return jsonschema.Draft4Validator(schema, format_checker=checker).is_valid(value)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- an email that may be empty --------------------------------------------------------------


@pytest.mark.parametrize(("component", "name"), [("Me", "email"), ("Client", "email")])
def test_an_email_that_may_be_empty_is_documented_so(components, component, name):
    email = prop(components, component, name)
    assert email.get("format") != "email"  # not at the top: "" would not be an email
    assert valid("", email)
    assert valid("ada@example.com", email)
    assert not valid("not-an-email", email)


@pytest.mark.django_db
def test_me_without_an_email_answers_what_the_schema_allows(components):
    user = get_user_model().objects.create_user("no-email", password=None)

    body = api(user).get("/api/v1/me/").json()

    assert body["email"] == ""
    assert valid(body["email"], prop(components, "Me", "email"))


# --- lists --------------------------------------------------------------------------------------


def test_a_session_names_1_to_30_entries(components):
    entries = prop(components, "SessionInputRequest", "entries")
    assert entries["minItems"] == 1
    assert entries["maxItems"] == limits.ENTRIES_PER_SESSION.high == 30


def test_an_entry_has_1_to_20_sets(components):
    sets = prop(components, "EntryInputRequest", "sets")
    assert sets["minItems"] == 1
    assert sets["maxItems"] == limits.SETS_PER_ENTRY.high == 20


def test_a_template_has_at_least_one_prescription(components):
    assert prop(components, "TemplateCreateInputRequest", "prescriptions")["minItems"] == 1


def test_a_program_may_have_no_prescriptions_when_it_names_a_template(components):
    # `prescriptions: []` with a `template` is accepted: no minItems there
    assert "minItems" not in prop(components, "ProgramCreateInputRequest", "prescriptions")


def test_a_template_is_assigned_to_at_least_one_client_each_once(components):
    clients = prop(components, "TemplateAssignInputRequest", "clients")
    assert clients["minItems"] == 1
    assert clients["uniqueItems"] is True


@pytest.fixture
def world(shared_world):  # type: ignore[no-untyped-def]
    return shared_world


@pytest.mark.django_db
def test_the_refusals_behind_the_list_constraints_keep_their_words(world):
    trainer = api(world.trainer_a.user)

    assign = trainer.post(
        f"/api/v1/templates/{world.template_a.pk}/assign/", {"clients": []}, format="json"
    )
    template = trainer.post(
        "/api/v1/templates/", {"name": "Empty", "prescriptions": []}, format="json"
    )

    assert assign.status_code == template.status_code == 400
    assert [(e["attr"], e["detail"]) for e in assign.json()["errors"]] == [
        ("clients", "Choose at least one client.")
    ]
    assert [(e["attr"], e["detail"]) for e in template.json()["errors"]] == [
        ("prescriptions", "A template needs at least one exercise.")
    ]


# --- texts ------------------------------------------------------------------------------------


def test_a_new_clients_password_has_the_length_the_password_validators_ask(components):
    (validator,) = [
        v for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator)
    ]
    password = prop(components, "ClientCreateInputRequest", "password")
    assert password["minLength"] == validator.min_length == 8


@pytest.mark.django_db
def test_a_short_password_is_refused_in_the_password_validators_words(world):
    body = {"username": "shorty", "email": "s@example.com", "password": "x7!"}

    response = api(world.trainer_a.user).post("/api/v1/clients/", body, format="json")

    assert response.status_code == 400
    assert [(e["attr"], e["detail"]) for e in response.json()["errors"]] == [
        ("password", "This password is too short. It must contain at least 8 characters.")
    ]


NOT_BLANK = [
    ("DismissInputRequest", "reason"),
    ("TemplateCreateInputRequest", "name"),
    ("TokenRequestRequest", "username"),
    ("TokenRequestRequest", "password"),
]


@pytest.mark.parametrize(("component", "name"), NOT_BLANK)
def test_a_text_that_must_not_be_blank_asks_for_a_character_that_is_not_space(
    components, component, name
):
    text = prop(components, component, name)
    assert text["minLength"] == 1
    assert text["pattern"] == r"\S"


@pytest.mark.parametrize("value", [" ", "\t\n ", "\u3000\xa0", "a", "  a  ", "\u3000x"])
def test_the_not_blank_pattern_agrees_with_the_field(value):
    field = serializers.CharField()
    try:
        field.run_validation(value)
        accepted = True
    except serializers.ValidationError:
        accepted = False
    assert accepted == bool(re.search(r"\S", value))


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "name"), [("PrescriptionInputRequest", "load_kg"), ("SetInputRequest", "load_kg")]
)
def test_a_load_is_0_to_1000_kg_to_two_decimals(components, component, name):
    load = prop(components, component, name)
    assert load["type"] == "string"
    assert load["pattern"] == LOAD_KG_PATTERN
    assert load["nullable"] is True
    for text in ("0", "12.5", "999.99", "1000", "1000.00", ".5", "5.", ""):
        assert valid(text, load), text
    for text in ("-1", "-0.01", "1000.01", "1001", "9999.99", "1.234", ".", "1e3"):
        assert not valid(text, load), text


LOADS = [
    "0", "00", "000", "0.0", "0.00", "1", "9", "12", "12.", "12.5", "12.50", "99.99", "100",
    "999", "999.9", "999.99", ".5", ".05", "1000", "1000.", "1000.0", "1000.00", "",
    "-1", "-0.5", "-1000", "1000.01", "1000.1", "1001", "1234", "9999.99", "12.345", ".",
    "..", "-", "1.2.3", "abc", "1,5", "0.001", "10000",
]  # fmt: skip


@pytest.mark.parametrize("text", LOADS)
def test_the_load_pattern_agrees_with_the_field(text):
    """What the pattern allows, the field accepts, and the other way round for these texts
    (the field also takes a few spellings the pattern leaves out: "+5", "1e2", "0999")."""
    field = LoadKgField(required=False, allow_null=True, default=None)
    try:
        value = field.run_validation(text)
        accepted = True
    except serializers.ValidationError:
        accepted = False
    assert accepted == bool(re.search(LOAD_KG_PATTERN, text)), text
    if accepted:
        assert value is None or Decimal(0) <= value <= Decimal(1000)
