"""What an instance waits for, read from the engine's tables, for tests to compare."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from engine import Engine
from engine.models import MessageSubscription


def subscriptions(engine: Engine, instance_id: str) -> set[tuple[str, str]]:
    """The instance's message subscriptions as ``(message name, correlation)`` pairs."""
    with engine.session() as s:
        rows = s.execute(
            sa.select(MessageSubscription.message_name, MessageSubscription.correlation).where(
                MessageSubscription.instance_id == uuid.UUID(instance_id)
            )
        ).all()
    return {(name, corr) for name, corr in rows}
