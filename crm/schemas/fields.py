"""Field types shared by the CRM schemas: normalised phones and emails, money, UTC times."""

from __future__ import annotations

import enum
from datetime import UTC
from typing import Any

from marshmallow import ValidationError, fields, validate

from ..errors import InvalidEmailError, InvalidPhoneError
from ..normalise import normalise_email, normalise_phone


class Phone(fields.String):
    """A phone number, loaded as E.164 (default region RU).

    The error names the text as given: ``not a valid phone number: '+7 (912'``.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_phone(text)
        except InvalidPhoneError as error:
            raise ValidationError(str(error)) from error


class Email(fields.String):
    """An email address, loaded stripped and lower-cased."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_email(text)
        except InvalidEmailError as error:
            raise ValidationError(str(error)) from error


def money(**kwargs: Any) -> fields.Decimal:
    """An amount with two places, dumped as a string so no precision is lost in JSON."""
    return fields.Decimal(places=2, as_string=True, **kwargs)


def percent(**kwargs: Any) -> fields.Decimal:
    """A percentage 0..100 with two places, dumped as a string."""
    return fields.Decimal(places=2, as_string=True, validate=validate.Range(0, 100), **kwargs)


def utc_datetime(**kwargs: Any) -> fields.AwareDateTime:
    """An ISO 8601 time; one without an offset is taken as UTC."""
    return fields.AwareDateTime(default_timezone=UTC, **kwargs)


def by_value(enum_class: type[enum.Enum], **kwargs: Any) -> fields.Enum[Any]:
    """An enum loaded and dumped by its value (``"won"``), as stored."""
    return fields.Enum(enum_class, by_value=True, **kwargs)
