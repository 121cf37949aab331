"""The catalogue editors' group: exactly what editing the catalogue needs, nothing more.

Editors change exercises and their parts and publish or retire them; they never delete an
exercise (retire it instead) and see nothing outside the catalogue."""

CATALOGUE_EDITORS_GROUP = "Catalogue editors"

CATALOGUE_EDITOR_PERMISSIONS: frozenset[str] = frozenset(
    {
        "exercises.view_exercise",
        "exercises.add_exercise",
        "exercises.change_exercise",
        "exercises.view_cue",
        "exercises.add_cue",
        "exercises.change_cue",
        "exercises.delete_cue",
        "exercises.view_mistake",
        "exercises.add_mistake",
        "exercises.change_mistake",
        "exercises.delete_mistake",
        "exercises.view_progressionedge",
        "exercises.add_progressionedge",
        "exercises.change_progressionedge",
        "exercises.delete_progressionedge",
        "exercises.view_muscle",
        "exercises.add_muscle",
        "exercises.change_muscle",
        "exercises.view_equipment",
        "exercises.add_equipment",
        "exercises.change_equipment",
        "exercises.view_exercisemedia",
        "exercises.add_exercisemedia",
        "exercises.change_exercisemedia",
        "exercises.delete_exercisemedia",
    }
)
