"""Keyset cursors for the task list: the ``(due_at, id)`` of a page's last item, opaque.

A cursor is URL-safe base64 of a small JSON array, so a client cannot mistake
it for a page number and a page costs the same however deep it is.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from ._base import fail


def encode(item: dict[str, Any]) -> str:
    raw = json.dumps([item["due_at"], item["id"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime | None, uuid.UUID]:
    """The position a cursor names; 422 naming the parameter if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due_at, item_id = json.loads(raw)
        when = datetime.fromisoformat(due_at) if due_at is not None else None
        if when is not None and when.tzinfo is None:
            raise ValueError("naive timestamp")
        return when, uuid.UUID(item_id)
    except (binascii.Error, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        fail(
            422,
            "the cursor is not one this API gave out",
            {"query": {"cursor": ["pass next_cursor from the previous page"]}},
        )
