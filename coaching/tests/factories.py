from __future__ import annotations

from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from coaching.models import User
from exercises.permissions import CATALOGUE_EDITORS_GROUP

PASSWORD = "correct-horse-battery-staple"


@cache
def _password_hash() -> str:
    return make_password(PASSWORD)  # Argon2 is slow on purpose: hash once per test run


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(_password_hash)


class EditorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def editor_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get(name=CATALOGUE_EDITORS_GROUP))
