"""JSON text for what the engine stores: orjson's speed, the standard library's range.

orjson refuses integers beyond 64 bits (``TypeError: Integer exceeds 64-bit
range``) and, reading, turns them into floats. Task data may hold such
integers (an account number, a product of amounts), and they must come back
exactly, so the rare document that holds one is written by :mod:`json`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """JSON text of ``value``; ``default`` converts what JSON has no type for."""
    fallback = default or plain
    try:
        return orjson.dumps(value, default=fallback, option=OPTIONS).decode()
    except TypeError:  # an integer beyond 64 bits, which json writes exactly
        return json.dumps(value, separators=(",", ":"), default=fallback)


def plain(value: Any) -> Any:
    """The JSON value of what orjson writes natively and json does not."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"value of type {type(value).__name__} cannot be stored as JSON")
