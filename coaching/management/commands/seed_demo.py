from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from coaching.demo import DEMO_LOGINS
from exercises.permissions import CATALOGUE_EDITORS_GROUP


class Command(BaseCommand):
    help = "Create the demo people (idempotent: existing ones are left as they are)."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        created = []
        for login in DEMO_LOGINS:
            user, was_created = User.objects.get_or_create(
                username=login.username,
                defaults={"email": f"{login.username}@example.com", "is_staff": True},
            )
            if was_created:
                user.set_password(login.password)
                user.is_superuser = login.role == "superuser"
                user.save()
                created.append(login.username)
            if login.role == "catalogue editor":
                user.groups.add(Group.objects.get(name=CATALOGUE_EDITORS_GROUP))
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data: {len(created)} created, {len(DEMO_LOGINS) - len(created)} already there"
            )
        )
