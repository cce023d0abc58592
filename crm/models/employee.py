"""An employee's CRM profile. The engine owns users and groups; this row adds who they
are in the sales and support organisation, keyed by the same ``username``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class Employee(Base):
    """``manager_username`` is where escalations go; it need not have a profile."""

    __tablename__ = "crm_employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    territory: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    team: Mapped[str | None] = mapped_column(sa.String(50), index=True)
    manager_username: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    active: Mapped[bool] = mapped_column(default=True)
