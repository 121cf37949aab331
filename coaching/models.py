"""People of the platform. Roles, practices and programs arrive with the trainer's-side issue."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The custom user model, in place from the first migration as Django advises."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username
