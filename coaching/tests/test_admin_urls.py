"""``admin_url`` makes the admin's links from patterns reversed once: the same URLs as
``reverse`` — with and without a key, for text keys, and under another script prefix."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from coaching.shared.admin import admin_url, change_url


@pytest.mark.parametrize(
    ("name", "pk"),
    [
        ("admin:coaching_client_change", 52),
        ("admin:coaching_client_change", 1),
        ("admin:coaching_client_messages", 9081726354453627),
        ("admin:triage_flag_change", 123456789),
        ("admin:coaching_program_change", "a/b c"),
        ("admin:coaching_client_changelist", None),
        ("admin:coaching_program_add", None),
    ],
)
@pytest.mark.parametrize("prefix", ["/", "/clinic/"])
def test_admin_urls_are_what_reverse_gives(name, pk, prefix):
    set_script_prefix(prefix)
    try:
        expected = reverse(name) if pk is None else reverse(name, args=[pk])
        assert admin_url(name, pk) == expected
        assert admin_url(name, pk) == expected  # (from the kept pattern)
    finally:
        clear_script_prefix()
    assert expected.startswith(prefix)


def test_change_url_names_the_model():
    assert change_url("coaching_client", 7) == reverse("admin:coaching_client_change", args=[7])
