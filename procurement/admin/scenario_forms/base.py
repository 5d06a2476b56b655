"""The base of the scenario admin's forms: one error per field, model defaults for declared fields.

Every form here shows one error per field: when a field's own validation, the model's `clean()` (the
document rules) and a database CHECK constraint all refuse the same value, only the first message stays.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import CheckConstraint

from procurement.admin.widgets import PlainNumberInput


def percent(fraction: float) -> str:
    """A fraction as a short percentage, e.g. 0.125 -> "12.5%"."""
    return f"{fraction * 100:,.3g}%"


def _text(error: ValidationError) -> str:
    return str(error.messages[0])


class OneErrorPerFieldForm(forms.ModelForm):  # type: ignore[type-arg]
    """Model validation adds nothing to a field the form already refused, and at most one message to
    any other field; a CHECK constraint's message is dropped when a field already says what is wrong."""

    plain_labels: ClassVar[dict[str, tuple[str, str]]] = {}  # field → (label, help text)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, help_text) in self.plain_labels.items():
            if name in self.fields:
                self.fields[name].label, self.fields[name].help_text = label, help_text
        for field in self.fields.values():
            if type(field) is forms.FloatField and type(field.widget) is not PlainNumberInput:
                field.widget = PlainNumberInput(attrs={**field.widget.attrs})
        self._defaults = self._model_defaults()

    def _model_defaults(self) -> dict[str, Any]:
        """Fields declared here (percent fields, tables) whose model column has a default.

        A declared form field does not inherit its model field's default as ModelForm's own fields do,
        so a new row (an inline's "Add another") would show them empty and refuse them as required. They
        start at the model's default, and a field left empty takes that default.
        """
        defaults: dict[str, Any] = {}
        for name in self.declared_fields:
            if name not in self.fields:
                continue
            try:
                column = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not getattr(column, "has_default", lambda: False)() or getattr(column, "null", False):
                continue
            default = column.get_default()
            if isinstance(default, bool) or not isinstance(default, int | float):
                continue  # lists and tables (plans, mixes) say what they mean when empty
            defaults[name] = default
            self.fields[name].required = False
            if self.instance.pk is None and name not in self.initial:
                self.fields[name].initial = default
        return defaults

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or self.cleaned_data
        for name, default in self._defaults.items():
            if name in cleaned and cleaned[name] in (None, ""):
                cleaned[name] = default
        return cleaned

    def _update_errors(self, errors: ValidationError) -> None:
        model = self._meta.model
        check_messages = {
            str(constraint.get_violation_error_message())
            for constraint in model._meta.constraints
            if isinstance(constraint, CheckConstraint)
        }
        found = errors.update_error_dict({})
        kept: dict[str, list[ValidationError]] = {}
        for field, messages in found.items():
            if field == NON_FIELD_ERRORS or field in self.errors:
                continue
            if field not in self.fields:  # a rule about a field this form does not show
                kept.setdefault(NON_FIELD_ERRORS, []).append(
                    ValidationError(f"{field}: {_text(messages[0])}")
                )
                continue
            kept[field] = messages[:1]
        field_refused = any(name != NON_FIELD_ERRORS for name in [*kept, *self.errors])
        for error in found.get(NON_FIELD_ERRORS, []):
            if not (field_refused and _text(error) in check_messages):
                kept.setdefault(NON_FIELD_ERRORS, []).append(error)
        if kept:
            super()._update_errors(ValidationError(kept))  # type: ignore[misc]

    def refuse(self, field: str, message: str) -> None:
        """A form error on `field` unless it already has one."""
        if field not in self.errors:
            self.add_error(field, message)


class RowForm(OneErrorPerFieldForm):
    """A team's or a feature's form: key inputs in the row, `detail_fields` in its collapsed "More" part."""

    detail_fields: ClassVar[list[str]] = []

    def has_detail_errors(self) -> bool:
        """True when a collapsed field was refused, so the section opens to show it."""
        return self.is_bound and any(name in self.errors for name in self.detail_fields)
