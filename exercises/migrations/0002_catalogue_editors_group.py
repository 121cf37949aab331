"""The "Catalogue editors" group with exactly the permissions editing the catalogue needs."""

from django.db import migrations

GROUP = "Catalogue editors"
PERMISSIONS = {
    "exercise": ["view", "add", "change"],  # never delete: retire instead
    "cue": ["view", "add", "change", "delete"],
    "mistake": ["view", "add", "change", "delete"],
    "progressionedge": ["view", "add", "change", "delete"],
    "muscle": ["view", "add", "change"],
    "equipment": ["view", "add", "change"],
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure this app's exist now.
    app_config = apps.get_app_config("exercises")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    perms = Permission.objects.filter(content_type__app_label="exercises", codename__in=codenames)
    assert perms.count() == len(codenames), "catalogue permissions are missing"
    group.permissions.set(perms)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
