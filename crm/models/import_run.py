"""One bulk import of a file: its tally, kept while the import runs and after it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, utcnow


class ImportStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"


class ImportRun(Base):
    """Written by the import's own steps (``crm.import_contacts``), one per instance.

    The rows it could not import are :class:`~crm.models.ImportIssue` rows, so the
    report of a 10,000-row file can be read again after the command that ran it.
    """

    __tablename__ = "crm_import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(30), default="contacts")
    file_name: Mapped[str] = mapped_column(sa.String(255))
    rows_total: Mapped[int | None]
    rows_done: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    bad: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    status: Mapped[ImportStatus] = mapped_column(default=ImportStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
