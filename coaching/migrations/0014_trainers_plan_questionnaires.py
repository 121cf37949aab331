"""Trainers choose the questionnaires a program or template sends, see the instruments and read
their clients' answers (nobody edits an answer in the admin)."""

from django.db import migrations

PERMISSIONS = [
    "view_outcomeschedule",
    "add_outcomeschedule",
    "change_outcomeschedule",
    "delete_outcomeschedule",
    "view_instrument",
    "view_questionnaireresponse",
]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("coaching")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Trainers")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="coaching", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Trainers"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="coaching", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("coaching", "0013_outcomes")]

    operations = [migrations.RunPython(grant, revoke)]
