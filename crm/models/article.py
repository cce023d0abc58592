"""A knowledge-base article: suggested to support agents while they resolve a case."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow


class Article(Base):
    """``tags`` is a JSON list of strings; in-place changes are tracked (and recorded)."""

    __tablename__ = "crm_kb_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    tags: Mapped[list[str]] = mapped_column(MutableList.as_mutable(sa.JSON()), default=list)
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
