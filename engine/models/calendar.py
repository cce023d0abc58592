"""Business calendars as stored: the JSON form of ``engine.BusinessCalendar``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CalendarRow(Base):
    __tablename__ = "business_calendar"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
