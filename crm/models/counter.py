"""A named counter behind human-readable numbers such as ``CASE-000123``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class Counter(Base):
    """The last number handed out in a series; the row is locked while it is advanced."""

    __tablename__ = "crm_counter"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
