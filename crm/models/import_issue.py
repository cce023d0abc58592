"""A row of an imported file that was not imported: bad, or a duplicate."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class IssueKind(enum.StrEnum):
    BAD = "bad"
    DUPLICATE = "duplicate"


class ImportIssue(Base):
    """``line`` is where the row starts in the file; ``contact_id`` is the contact a
    duplicate repeats, ``of_line`` the earlier line of the same file it repeats."""

    __tablename__ = "crm_import_issue"
    __table_args__ = (sa.Index("ix_crm_import_issue_run_line", "import_run_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_import_run.id"))
    line: Mapped[int]
    kind: Mapped[IssueKind]
    reason: Mapped[str] = mapped_column(sa.Text)
    contact_id: Mapped[int | None]  # no foreign key: a report must not block merging contacts
    of_line: Mapped[int | None]
