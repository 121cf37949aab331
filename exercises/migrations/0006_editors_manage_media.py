"""Catalogue editors upload, change and remove an exercise's own pictures and videos."""

from django.db import migrations

GROUP = "Catalogue editors"
CODENAMES = [f"{action}_exercisemedia" for action in ("view", "add", "change", "delete")]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("exercises")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    perms = Permission.objects.filter(content_type__app_label="exercises", codename__in=CODENAMES)
    assert perms.count() == len(CODENAMES), "media permissions are missing"
    group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="exercises", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [("exercises", "0005_illustration_and_media")]
    operations = [migrations.RunPython(grant, revoke)]
