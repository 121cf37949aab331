"""The groups of the trainer's side and exactly the permissions each needs in the admin.

Which rows a person sees is decided by the selectors; these decide which admin pages exist for
them at all. Both groups are created by migrations (``0003_role_groups``)."""

TRAINERS_GROUP = "Trainers"
PRACTICE_ADMINS_GROUP = "Practice admins"

_CATALOGUE_READ = {"exercises.view_exercise", "exercises.view_muscle", "exercises.view_equipment"}

TRAINER_PERMISSIONS: frozenset[str] = frozenset(
    {
        "coaching.view_client",
        "coaching.add_client",
        "coaching.change_client",
        "coaching.view_program",
        "coaching.add_program",
        "coaching.change_program",
        "coaching.view_prescription",
        "coaching.add_prescription",
        "coaching.change_prescription",
        "coaching.delete_prescription",  # ends it: the history stays
        "coaching.view_programtemplate",
        "coaching.add_programtemplate",
        "coaching.change_programtemplate",
        "coaching.delete_programtemplate",
        "coaching.view_templateprescription",
        "coaching.add_templateprescription",
        "coaching.change_templateprescription",
        "coaching.delete_templateprescription",
        "coaching.view_session",  # what clients log is read-only for trainers
        "coaching.view_checkin",
        "coaching.view_outcomeschedule",  # the questionnaires a program or template sends
        "coaching.add_outcomeschedule",
        "coaching.change_outcomeschedule",
        "coaching.delete_outcomeschedule",
        "coaching.view_instrument",
        "coaching.view_questionnaireresponse",  # clients' answers are read-only for trainers
        *_CATALOGUE_READ,
    }
)

# On top of the trainers' group: see the practice's trainers.
PRACTICE_ADMIN_PERMISSIONS: frozenset[str] = frozenset({"coaching.view_trainer"})

# What the apps above coaching add to the groups (triage: the flags), from their ready().
_GRANTED: dict[str, set[str]] = {TRAINERS_GROUP: set(), PRACTICE_ADMINS_GROUP: set()}


def grant(group: str, permissions: frozenset[str]) -> None:
    """Add an app's permissions to one of the groups (the app's migration grants them too)."""
    _GRANTED[group] |= permissions


def permissions_of(group: str) -> frozenset[str]:
    """Exactly what the group holds: coaching's own and what other apps granted."""
    own = TRAINER_PERMISSIONS if group == TRAINERS_GROUP else PRACTICE_ADMIN_PERMISSIONS
    return own | _GRANTED[group]


def ensure_groups() -> None:
    """Create both groups with exactly their permissions, as the migrations do. For a database
    emptied after the migrations ran (a test that flushes it); idempotent."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name in (TRAINERS_GROUP, PRACTICE_ADMINS_GROUP):
        perms = permissions_of(name)
        wanted = Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(wanted))
