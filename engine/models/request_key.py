"""Idempotency keys: a request done once, and what it returned.

A start or a message may be sent again: a client retrying after a timeout, or
Celery delivering a task again after a worker died (``acks_late``). The key is
written in the same transaction as the step it names, so either both are
there or neither is; a repeat finds the key and gets the first result back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime


class RequestKey(Base):
    """``result`` is what the first request returned (JSON), ``operation`` what it was."""

    __tablename__ = "request_key"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(sa.String(40))
    instance_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
