"""Forms of the client portal: logging a session and the morning check-in.

They check what a person can get wrong on a phone (a pain outside 0–10, negative reps, a value
that is not a number) and turn what is left into the service's spec. The services check
everything again and have the last word: their ``ValidationError`` keys (``performed_at``,
``entries.0.pain_during``, ``entries.0.sets.1.reps``, …) are mapped back onto the field the
person filled in, so a refused form comes back with its messages and its values.

The session form is one ``SessionForm`` (pain before and after, symptoms, notes, when), a formset
with one ``EntryForm`` per prescription (pain during, where, what it felt like), and inside each
entry a formset with one ``SetForm`` per prescribed set (reps, optional load and effort)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import QueryDict
from django.utils import timezone

from coaching.journal.selectors import loggable_prescriptions
from coaching.journal.services import CheckInSpec, EntrySpec, SessionSpec, SetSpec
from coaching.journal.vocabulary import (
    EMERGENCY_MESSAGE,
    PAIN_MAX,
    PAIN_MIN,
    URGENT_MESSAGE,
    PainLocation,
    PainQuality,
    Symptom,
    safety_for,
)
from coaching.models import Prescription, Program
from coaching.programs import limits
from coaching.shared.forms import add_service_error
from coaching.shared.selectors import Actor

PAIN_CHOICES = [(n, str(n)) for n in range(PAIN_MIN, PAIN_MAX + 1)]
PAIN_MESSAGES = {
    "required": f"Choose a number from {PAIN_MIN} to {PAIN_MAX}.",
    "invalid_choice": f"Pain is rated from {PAIN_MIN} to {PAIN_MAX}.",
}
SKIP_LABEL = "I did not do this exercise today"


class PainField(forms.TypedChoiceField):
    """A 0–10 rating, shown as a row of radio buttons (big tap targets on a phone)."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", PAIN_MESSAGES)
        super().__init__(choices=PAIN_CHOICES, coerce=int, empty_value=None, **kwargs)


class SymptomBoxes(forms.CheckboxSelectMultiple):
    """Each box says what it means for safety (``data-level``: emergency or urgent), so that the
    page answers the moment it is ticked, with or without a network (js/portal.js)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        safety = safety_for([option["value"]])
        if safety is not None:
            option["attrs"]["data-level"] = safety.level
        return option


class SymptomField(forms.MultipleChoiceField):
    """The symptom checklist, worded as clients see it (coaching/journal/vocabulary.py)."""

    widget = SymptomBoxes
    # the answers the page shows at once (the same words as the safety page after saving)
    answers = {"emergency": EMERGENCY_MESSAGE, "urgent": URGENT_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Have you noticed any of these?")
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid_choice": "Unknown symptom: %(value)s."})
        super().__init__(choices=Symptom.choices, **kwargs)


def _number(**attrs: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", **attrs})


def _new_key() -> uuid.UUID:
    return uuid.uuid4()


def _now_to_the_minute() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class KeyedForm(forms.Form):
    """A form carrying the hidden idempotency key made when the form was rendered: sending it
    twice (a double tap, a reload) stores one record."""

    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form is out of date: check your answers and send it again.",
            "invalid": "This form is out of date: check your answers and send it again.",
        },
    )

    def renew_key(self) -> None:
        """Give a re-shown form a fresh key (after its key was used for another record)."""
        # bound to the request's POST or to a dict (the form's type says only Mapping)
        data = cast("QueryDict | dict[str, Any]", self.data).copy()
        data[self.add_prefix("idempotency_key")] = str(_new_key())
        self.data = data


# --- the session ------------------------------------------------------------------------------


class SessionForm(KeyedForm):
    pain_before = PainField(label="Pain before you started")
    pain_after = PainField(label="Pain when you finished")
    symptoms = SymptomField()
    notes = forms.CharField(
        label="Anything else your trainer should know?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    performed_at = forms.DateTimeField(
        label="When did you exercise?",
        help_text="Now, unless you are logging a session from earlier.",
        # data-fresh: a page kept for offline use sets it to the moment it is opened
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-fresh": "now"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"invalid": "Enter a date and time, for example 2025-06-03 09:30."},
    )


class SetForm(forms.Form):
    reps = forms.IntegerField(
        label="Reps",
        required=False,
        min_value=0,
        max_value=limits.REPS.high,
        widget=_number(min="0"),
        error_messages={
            "min_value": "Reps cannot be negative.",
            "max_value": limits.REPS.message,
            "invalid": "Enter the number of reps.",
        },
    )
    load_kg = forms.DecimalField(
        label="kg",
        required=False,
        min_value=limits.LOAD_KG.low,
        max_value=limits.LOAD_KG.high,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
        error_messages={"min_value": limits.LOAD_KG.message, "max_value": limits.LOAD_KG.message},
    )
    rpe = forms.IntegerField(
        label="Effort",
        required=False,
        min_value=limits.RPE.low,
        max_value=limits.RPE.high,
        widget=_number(min=str(limits.RPE.low), max=str(limits.RPE.high)),
        error_messages={"min_value": limits.RPE.message, "max_value": limits.RPE.message},
    )


SetFormSet = forms.formset_factory(
    SetForm,
    extra=0,
    max_num=limits.SETS_PER_ENTRY.high,
    absolute_max=limits.SETS_PER_ENTRY.high,
    validate_max=True,
)


class EntryForm(forms.Form):
    """How one prescribed exercise went. ``prescribed`` is the client's own prescription the
    posted id names (None when it names none of theirs); its sets are a nested formset."""

    prescription = forms.IntegerField(widget=forms.HiddenInput)
    skipped = forms.BooleanField(label=SKIP_LABEL, required=False)
    pain_during = PainField(label="Pain during this exercise", required=False)
    pain_location = forms.ChoiceField(
        label="If it hurt: where?",
        required=False,
        choices=[("", "It did not hurt"), *PainLocation.choices],
        error_messages={"invalid_choice": "Unknown pain location."},
    )
    pain_quality = forms.ChoiceField(
        label="What did the pain feel like?",
        required=False,
        choices=[("", "It did not hurt"), *PainQuality.choices],
        error_messages={"invalid_choice": "Unknown pain quality."},
    )

    def __init__(self, *args: Any, prescription: Prescription | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.prescribed = prescription
        initial = None
        if prescription is not None and not self.is_bound:
            initial = [
                {"reps": prescription.reps_max, "load_kg": prescription.load_kg}
                for _ in range(prescription.sets)
            ]
        self.sets = SetFormSet(
            self.data if self.is_bound else None, prefix=f"{self.prefix}-sets", initial=initial
        )
        self._checked: bool | None = None

    @property
    def title(self) -> str:
        return self.prescribed.exercise.name if self.prescribed else "Unknown exercise"

    @property
    def shows_load(self) -> bool:
        """The kg column is shown for loaded prescriptions only: bodyweight exercises stay short."""
        return bool(self.prescribed and self.prescribed.load_kg is not None)

    @property
    def is_skipped(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data.get("skipped"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.prescribed is None:
            raise ValidationError("Not one of your prescriptions: reload the page.")
        if not data.get("skipped") and data.get("pain_during") is None:
            self.add_error(
                "pain_during",
                f"Choose a number from {PAIN_MIN} to {PAIN_MAX}, or tick that you did not do it.",
            )
        return data

    def is_valid(self) -> bool:
        """The entry's own fields, then (unless skipped) its sets: at least one with reps."""
        if self._checked is None:
            valid = super().is_valid()
            if self.is_bound and not self.cleaned_data.get("skipped"):
                valid = self.sets.is_valid() and valid
                if self.sets.is_valid() and not any(
                    f.cleaned_data.get("reps") is not None for f in self.sets.forms
                ):
                    self.add_error(
                        None, f"Enter the reps of at least one set, or tick “{SKIP_LABEL}”."
                    )
                    valid = False
            self._checked = valid
        return self._checked


class BaseEntryFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, prescriptions: Sequence[Prescription | None], **kwargs: Any):
        self.prescriptions = list(prescriptions)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            kwargs["empty_permitted"] = False  # every exercise is answered, or ticked as skipped
            if index < len(self.prescriptions):
                kwargs["prescription"] = self.prescriptions[index]
        return kwargs


# (formset_factory's stub answers the generic BaseFormSet; it is a BaseEntryFormSet)
EntryFormSet = cast(
    type[BaseEntryFormSet],
    forms.formset_factory(
        EntryForm,
        formset=BaseEntryFormSet,
        extra=0,
        max_num=limits.ENTRIES_PER_SESSION.high,
        absolute_max=limits.ENTRIES_PER_SESSION.high,
        validate_max=True,
    ),
)


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary at the top of a form, linking to the field."""

    message: str
    anchor: str


def _posted_ids(data: Mapping[str, Any], prefix: str) -> list[int | None]:
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), limits.ENTRIES_PER_SESSION.high)
    except (TypeError, ValueError):
        return []
    ids: list[int | None] = []
    for i in range(max(total, 0)):
        try:
            ids.append(int(data.get(f"{prefix}-{i}-prescription", "")))
        except (TypeError, ValueError):
            ids.append(None)
    return ids


class SessionLogForm:
    """The whole session form: ``SessionForm`` + one ``EntryForm`` per prescription. Rendered
    from the client's active program; bound, the posted prescription ids are looked up among the
    client's own prescriptions (``loggable_prescriptions``), so another person's id is an error."""

    prefix = "entries"

    def __init__(
        self, *, actor: Actor, program: Program | None, data: Mapping[str, Any] | None = None
    ) -> None:
        self.program = program
        self.session = SessionForm(
            data, initial={"idempotency_key": _new_key(), "performed_at": _now_to_the_minute()}
        )
        initial = None
        if data is None:
            # program.current: prefetched by the selectors (to_attr), unknown to the model's type
            current = list(program.current) if program else []  # type: ignore[attr-defined]
            prescriptions: list[Prescription | None] = list(current)
            initial = [{"prescription": p.pk} for p in current]
        else:
            ids = _posted_ids(data, self.prefix)
            own = loggable_prescriptions(actor).filter(pk__in=[i for i in ids if i is not None])
            by_id = {p.pk: p for p in own}
            prescriptions = [by_id.get(i) if i is not None else None for i in ids]
        self.entries = EntryFormSet(
            data,
            prefix=self.prefix,
            prescriptions=prescriptions,
            initial=initial,
        )
        # which form answers the service's entries.<i> and entries.<i>.sets.<j>
        self._entry_forms: list[EntryForm] = []
        self._set_forms: list[list[SetForm]] = []

    def is_valid(self) -> bool:
        session_ok = self.session.is_valid()
        entries_ok = self.entries.is_valid()
        if entries_ok and not any(not f.is_skipped for f in self.entries.forms):
            self.session.add_error(
                None,
                "Log at least one exercise. To report how your back feels on a day without "
                "exercise, use the morning check-in.",
            )
            return False
        return session_ok and entries_ok

    def spec(self) -> SessionSpec:
        """The service's spec from a valid form: skipped exercises and sets left empty are left
        out."""
        data = self.session.cleaned_data
        entries: list[EntrySpec] = []
        self._entry_forms, self._set_forms = [], []
        for form in self.entries.forms:
            if form.is_skipped:
                continue
            set_forms = [f for f in form.sets.forms if f.cleaned_data.get("reps") is not None]
            entries.append(
                EntrySpec(
                    prescription=form.prescribed,
                    pain_during=form.cleaned_data["pain_during"],
                    pain_location=form.cleaned_data["pain_location"],
                    pain_quality=form.cleaned_data["pain_quality"],
                    sets=tuple(
                        SetSpec(
                            reps=f.cleaned_data["reps"],
                            load_kg=f.cleaned_data.get("load_kg"),
                            rpe=f.cleaned_data.get("rpe"),
                        )
                        for f in set_forms
                    ),
                )
            )
            self._entry_forms.append(form)
            self._set_forms.append(set_forms)
        return SessionSpec(
            performed_at=data["performed_at"],
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
            entries=tuple(entries),
            symptoms=tuple(data["symptoms"]),
            notes=data["notes"],
        )

    @property
    def idempotency_key(self) -> uuid.UUID:
        return self.session.cleaned_data["idempotency_key"]

    def add_service_error(self, error: ValidationError) -> None:
        """Each of the service's messages on the field it names (``entries.0.sets.1.reps`` →
        the reps of set 2 of the first logged exercise); what names no field goes on top."""
        add_service_error(self.session, error, locate=self._locate)

    def _locate(self, key: str) -> tuple[forms.BaseForm, str | None]:
        parts = key.split(".")
        target: forms.Form = self.session
        field: str | None = parts[0] if parts[0] in self.session.fields else None
        if parts[0] == "entries" and len(parts) >= 3 and parts[1].isdigit():
            i = int(parts[1])
            if i < len(self._entry_forms):
                target = self._entry_forms[i]
                field = parts[2] if parts[2] in target.fields else None
                if parts[2] == "sets" and len(parts) >= 5 and parts[3].isdigit():
                    j = int(parts[3])
                    if j < len(self._set_forms[i]):
                        target = self._set_forms[i][j]
                        field = parts[4] if parts[4] in target.fields else None
        return target, None if field == "prescription" else field

    def error_summary(self) -> list[ErrorLink]:
        links = form_errors(self.session, "")
        for message in self.entries.non_form_errors():
            links.append(ErrorLink(str(message), "exercises"))
        for i, form in enumerate(self.entries.forms):
            links += form_errors(form, f"{form.title}: ", f"entry-{i}")
            for message in form.sets.non_form_errors():
                links.append(ErrorLink(f"{form.title}: {message}", f"entry-{i}"))
            for j, set_form in enumerate(form.sets.forms):
                links += form_errors(set_form, f"{form.title}, set {j + 1}: ", f"entry-{i}")
        return links


# --- the morning check-in ---------------------------------------------------------------------


class CheckInForm(KeyedForm):
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date", "data-fresh": "today"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, for example 2025-06-03."},
    )
    pain = PainField(label="How much does your back hurt this morning?")
    stiffness = PainField(
        label="How stiff does it feel?",
        error_messages={
            "required": f"Choose a number from {PAIN_MIN} to {PAIN_MAX}.",
            "invalid_choice": f"Stiffness is rated from {PAIN_MIN} to {PAIN_MAX}.",
        },
    )
    symptoms = SymptomField()

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": _new_key(), "date": timezone.localdate()})
        super().__init__(data, **kwargs)

    def spec(self) -> CheckInSpec:
        data = self.cleaned_data
        return CheckInSpec(
            date=data["date"],
            pain=data["pain"],
            stiffness=data["stiffness"],
            symptoms=tuple(data["symptoms"]),
        )

    def add_service_error(self, error: ValidationError) -> None:
        add_service_error(self, error)

    def error_summary(self) -> list[ErrorLink]:
        return form_errors(self, "")


# --- helpers ----------------------------------------------------------------------------------


def form_errors(form: forms.BaseForm, label_prefix: str, anchor: str = "") -> list[ErrorLink]:
    """The form's errors as summary lines: a field's error links to its input (the first radio
    or checkbox of a group); the form's own errors link to ``anchor`` (default: the top)."""
    links: list[ErrorLink] = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS:
            for message in errors:
                links.append(ErrorLink(f"{label_prefix}{message}", anchor or "main"))
            continue
        bound = form[name]
        target = bound.auto_id
        if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            target = f"{bound.auto_id}_0"
        if bound.is_hidden:
            target = anchor or "main"
        for message in errors:
            label = "" if bound.is_hidden else f"{bound.label}: "
            links.append(ErrorLink(f"{label_prefix}{label}{message}", target))
    return links
