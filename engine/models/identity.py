"""Users, groups and API tokens: who may claim and complete which tasks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class User(Base):
    """An employee account. ``substitute`` receives their tasks while out of office."""

    __tablename__ = "app_user"

    username: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str | None] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(10), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    manager: Mapped[str | None] = mapped_column(sa.String(100))
    out_of_office: Mapped[bool] = mapped_column(default=False)
    substitute: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Group(Base):
    """A team. BPMN lanes name groups; ``calendar`` counts its due dates."""

    __tablename__ = "app_group"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    calendar: Mapped[str | None] = mapped_column(sa.String(100))
    manager: Mapped[str | None] = mapped_column(sa.String(100))
    last_assigned: Mapped[str | None] = mapped_column(sa.String(100))


class Membership(Base):
    __tablename__ = "group_member"

    group_name: Mapped[str] = mapped_column(sa.ForeignKey("app_group.name"), primary_key=True)
    username: Mapped[str] = mapped_column(sa.ForeignKey("app_user.username"), primary_key=True)


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username: Mapped[str] = mapped_column(sa.ForeignKey("app_user.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
