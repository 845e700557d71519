"""Strict input for every API route: the body's JSON types, and text no database can store.

- `StrictJSONParser` (every API view's parser) refuses a body holding text PostgreSQL cannot store
  (NUL, lone UTF-16 surrogates; the rule is `patients.validation.unstorable_text`), naming each field.
- `json_type_errors` checks each value against the JSON type its declared serializer field says
  (text, number, true/false, list, object): DRF's fields would turn 0 into "0" and an object into
  its Python text. Only the type is checked here; the values are the services' business.
- `StrictSerializer` applies it before DRF's own validation.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.fields import _UnvalidatedField
from rest_framework.parsers import JSONParser

from patients import validation as v

NON_FIELD = "nonFieldErrors"  # patients.api.errors.NON_FIELD (which imports DRF's views, which import this parser)

TEXT = _("Send text (a JSON string).")
WHOLE_NUMBER = _("Send a whole number.")
BOOLEAN = _("Send true or false.")
LIST = _("Send a list.")
OBJECT = _("Send an object.")
NOT_NULL = _("This field may not be null.")
REQUIRED = _("This field is required.")


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        unstorable = v.unstorable_text(data)
        if unstorable:
            raise exceptions.ValidationError({path or NON_FIELD: [v.UNSTORABLE_TEXT_MESSAGE] for path in unstorable})
        return data


class JsonTyped:
    """A field whose accepted JSON types are not those of its DRF class: `json_types` lists them."""

    json_types: tuple = ()
    type_message = TEXT


def _is_whole_number(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _takes_anything(field) -> bool:
    return isinstance(field, serializers.JSONField | _UnvalidatedField)


def _type_problem(field, value) -> str | None:
    if isinstance(field, JsonTyped):
        return None if isinstance(value, field.json_types) else field.type_message
    if _takes_anything(field):
        return None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else BOOLEAN
    if isinstance(field, serializers.IntegerField):
        return None if _is_whole_number(value) else WHOLE_NUMBER
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        return None if isinstance(value, list) else LIST
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return None if isinstance(value, dict) else OBJECT
    # CharField, EmailField, ChoiceField, DateField, UUIDField...: JSON text.
    return None if isinstance(value, str) else TEXT


def json_type_errors(fields: dict, data: dict, prefix: str = "") -> dict[str, list[str]]:
    """{"firstName": ["Send text (a JSON string)."]} for each value of `data` whose JSON type is not
    the one its field in `fields` declares (nested objects and list items included). Names that
    `fields` lacks are left to the caller (unknown fields have their own message)."""
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or field.read_only:
            continue
        where = f"{prefix}{name}"
        if value is None:
            if not field.allow_null:
                errors[where] = [REQUIRED if field.required else NOT_NULL]
            continue
        problem = _type_problem(field, value)
        if problem:
            errors[where] = [problem]
        elif isinstance(field, serializers.Serializer):
            errors.update(json_type_errors(field.fields, value, f"{where}."))
        elif isinstance(field, serializers.ListField | serializers.DictField) and not _takes_anything(field.child):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if item is None:
                    problem = None if field.child.allow_null else NOT_NULL
                else:
                    problem = _type_problem(field.child, item)
                if problem:
                    errors[f"{where}.{v.printable_key(key)}"] = [problem]
    return errors


def refuse_wrong_json_types(fields: dict, data) -> None:
    if not isinstance(data, dict):
        raise exceptions.ValidationError({NON_FIELD: [_("Send a JSON object.")]})
    errors = json_type_errors(fields, data)
    if errors:
        raise exceptions.ValidationError(errors)


class StrictSerializer(serializers.Serializer):
    """A request body: each value of the JSON type its field declares, then DRF's validation."""

    def to_internal_value(self, data):
        refuse_wrong_json_types(self.fields, data)
        return super().to_internal_value(data)
