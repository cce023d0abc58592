"""An inbound event as the journal stores it: channel, provider id, normalised fields."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .errors import UnreadableEvent


@dataclass(frozen=True)
class InboundEvent:
    """``(source, provider_id)`` is the idempotency key; ``payload`` the normalised fields.

    ``thread_key`` groups the events of one call (its legs and status changes),
    ``sender`` is the phone number or address the loop guard counts.
    """

    source: str
    provider_id: str
    via: str
    kind: str
    payload: dict[str, Any]
    sender: str | None = None
    thread_key: str | None = None
    raw: bytes | None = field(default=None, repr=False)


def storable(event: InboundEvent) -> InboundEvent:
    """The event with text every database stores: no NUL characters, no lone surrogates.

    An id or sender that needs cleaning is refused (it would no longer be the
    provider's); body text is cleaned.
    """
    for name in ("provider_id", "sender", "thread_key"):
        value = getattr(event, name)
        if value is not None and _clean(value) != value:
            raise UnreadableEvent(f"the event's {name} holds characters that cannot be stored")
    if not event.provider_id.strip():
        raise UnreadableEvent("the event has no id")
    return dataclasses.replace(event, payload=_clean(event.payload))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
