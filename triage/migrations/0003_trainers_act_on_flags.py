"""Trainers see their clients' flags and act on them (apply, dismiss, resolve)."""

from django.db import migrations

PERMISSIONS = ["view_flag", "change_flag"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("triage")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Trainers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="triage", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Trainers"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="triage", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("triage", "0002_flags"), ("coaching", "0005_trainers_see_logs")]

    operations = [migrations.RunPython(grant, revoke)]
