"""Validating operator parameters, and the errors that name the bad field.

BPMN parameters are expressions written by process owners, so every operator
loads its parameters through a marshmallow schema first: a wrong value becomes
an incident that says which field is wrong, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from marshmallow import RAISE, Schema, ValidationError, fields
from sqlalchemy.orm import Session

from crm import Base
from engine import OperatorError, business_deadline

ModelT = TypeVar("ModelT", bound=Base)


class Params(Schema):
    """Base of operator parameter schemas: an unknown parameter is an error, not ignored."""

    class Meta:
        unknown = RAISE


class Id(fields.Integer):
    """A record id, given as an int or as digits ("42"); never a float or a bool.

    Results give ids as ints, but a form or a message may carry them as text.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool | float):
            raise ValidationError("Not a valid id: expected an integer.")
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValidationError(f"Not a valid id: {value!r}.")
        number = super()._deserialize(value, attr, data, **kwargs)
        if number <= 0:
            raise ValidationError(f"Not a valid id: {number}.")
        return int(number)


class Duration(fields.String):
    """An ISO 8601 duration (``PT4H``, ``P2D``), as decision tables give SLAs."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            business_deadline(datetime.now(UTC), text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return text


def load(schema: Schema, params: Mapping[str, Any]) -> dict[str, Any]:
    """Validated parameters, or :class:`OperatorError` naming every bad field."""
    try:
        loaded: dict[str, Any] = schema.load(dict(params))
    except ValidationError as error:
        raise OperatorError(describe(error.messages)) from error
    return loaded


def describe(messages: Any, prefix: str = "") -> str:
    """``field 'lines[0].qty': Not a valid number.`` for each message, joined by ``; ``."""
    parts: list[str] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                parts.append(describe(value, prefix))
                continue
            path = f"{prefix}[{key}]" if isinstance(key, int) else _join(prefix, str(key))
            parts.append(describe(value, path))
    elif isinstance(messages, list | tuple):
        text = " ".join(str(m) for m in messages if not isinstance(m, Mapping | list))
        nested = [describe(m, prefix) for m in messages if isinstance(m, Mapping | list)]
        if text:
            parts.append(f"field '{prefix}': {text}" if prefix else text)
        parts.extend(nested)
    else:
        parts.append(f"field '{prefix}': {messages}" if prefix else str(messages))
    return "; ".join(p for p in parts if p)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def bad(field: str, message: str) -> OperatorError:
    """The error for one bad parameter, worded like the schema's own errors."""
    return OperatorError(f"field '{field}': {message}")


def require(session: Session, model: type[ModelT], record_id: int, field: str) -> ModelT:
    """The record ``record_id`` names, or an error naming the parameter that gave it."""
    row = session.get(model, record_id)
    if row is None:
        raise bad(field, f"no {_label(model)} with id {record_id}")
    return row


def _label(model: type[Base]) -> str:
    """``price list`` for ``crm_price_list``: the record kind as people say it."""
    table = sa.inspect(model).local_table
    return str(getattr(table, "name", model.__name__)).removeprefix("crm_").replace("_", " ")


def optional(
    session: Session, model: type[ModelT], record_id: int | None, field: str
) -> ModelT | None:
    """Like :func:`require`, for parameters that may be left out."""
    return None if record_id is None else require(session, model, record_id, field)
