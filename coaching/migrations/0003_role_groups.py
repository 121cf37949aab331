"""The "Trainers" and "Practice admins" groups with exactly the permissions each needs."""

from django.db import migrations

GROUPS = {
    "Trainers": [
        "coaching.view_client", "coaching.add_client", "coaching.change_client",
        "coaching.view_program", "coaching.add_program", "coaching.change_program",
        "coaching.view_prescription", "coaching.add_prescription",
        "coaching.change_prescription", "coaching.delete_prescription",
        "coaching.view_programtemplate", "coaching.add_programtemplate",
        "coaching.change_programtemplate", "coaching.delete_programtemplate",
        "coaching.view_templateprescription", "coaching.add_templateprescription",
        "coaching.change_templateprescription", "coaching.delete_templateprescription",
        "exercises.view_exercise", "exercises.view_muscle", "exercises.view_equipment",
    ],
    "Practice admins": ["coaching.view_trainer"],
}  # fmt: skip


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for label in ("coaching", "exercises"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0002_practices_programs"),
        ("exercises", "0003_catalogue_revision"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
