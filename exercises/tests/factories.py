from __future__ import annotations

import factory

from exercises.models import Cue, Equipment, Exercise, Mistake, Muscle, ProgressionEdge


class MuscleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Muscle
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"muscle-{n}")
    name = factory.LazyAttribute(lambda m: m.slug.replace("-", " ").capitalize())
    region = Muscle.Region.HIP


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"equipment-{n}")
    name = factory.LazyAttribute(lambda m: m.slug.replace("-", " ").capitalize())


class ExerciseFactory(factory.django.DjangoModelFactory):
    """A complete, published exercise: one target muscle, a cue, a mistake, a stop signal."""

    class Meta:
        model = Exercise
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"exercise-{n}")
    name = factory.LazyAttribute(lambda e: e.slug.replace("-", " ").capitalize())
    summary = "Strengthens the glutes without loading the lower back."
    position = Exercise.Position.PRONE
    movement_pattern = Exercise.Pattern.HIP_EXTENSION
    difficulty = 2
    laterality = Exercise.Laterality.BILATERAL
    stop_signals = factory.LazyFunction(lambda: ["Sharp pain in the lower back."])
    contraindications = factory.LazyFunction(list)
    aliases = factory.LazyFunction(list)
    # a reverse leg lift: lying face down, both legs lifted a little
    illustration = factory.LazyFunction(
        lambda: {
            "start": {"trunk": 0, "shoulder": 150, "elbow": 120},
            "end": {"trunk": 0, "shoulder": 150, "elbow": 120, "hip": -20},
        }
    )
    status = Exercise.Status.PUBLISHED

    @factory.post_generation
    def parts(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        self.primary_muscles.add(MuscleFactory(slug="gluteus-maximus", name="Gluteus maximus"))
        Cue.objects.create(exercise=self, order=0, phase=Cue.Phase.SETUP, text="Lie face down.")
        Cue.objects.create(exercise=self, order=1, phase=Cue.Phase.MOVEMENT, text="Lift a little.")
        Mistake.objects.create(exercise=self, title="Lifting too high", detail="Keep it low.")


class ProgressionEdgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressionEdge

    easier = factory.SubFactory(ExerciseFactory)
    harder = factory.SubFactory(ExerciseFactory)
    change = ProgressionEdge.Change.LEVER
