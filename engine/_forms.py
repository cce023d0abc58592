"""Task forms: JSON Schema validation of submitted data, with errors per field.

Only the fields the form declares are taken into task data: a form cannot be
used to overwrite other process variables (such as ``customer_id``). A task
with no form at all takes the data as sent (an acknowledgement, or an API call).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from ._errors import FormInvalid

_FORMATS = FormatChecker()


def validate_form(schema: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the data the form accepts, or raise :class:`FormInvalid` listing field errors."""
    if not isinstance(data, Mapping):
        raise FormInvalid({"": ["form data must be a JSON object"]})
    if not schema:
        return dict(data)  # a task without a form takes what the caller sends
    validator = Draft202012Validator(schema, format_checker=_FORMATS)
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(dict(data)), key=lambda e: list(e.path)):
        errors.setdefault(_field_of(error), []).append(_message(error))
    if errors:
        raise FormInvalid(errors)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        return {k: v for k, v in data.items() if k in properties}
    return dict(data)


def _field_of(error: jsonschema.ValidationError) -> str:
    """The field an error belongs to: its path, or the missing property for ``required``."""
    path = "/".join(str(p) for p in error.path)
    if error.validator == "required" and isinstance(error.message, str):
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return f"{path}/{missing}".strip("/")
    return path


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "this field is required"
    if error.validator == "enum":
        return "choose one of: " + ", ".join(str(v) for v in error.validator_value)
    return str(error.message)
