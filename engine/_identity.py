"""Users, groups, calendars and API tokens: the organisation the runtime assigns work in.

Passwords are hashed with Argon2id; API tokens are random and only their
SHA-256 is stored, so a leaked database does not leak credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ._calendar import BusinessCalendar
from ._errors import NotFound
from .models import ApiToken, CalendarRow, Group, Membership, User

if TYPE_CHECKING:
    from ._engine import Engine

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def add_group(
    engine: Engine,
    name: str,
    *,
    title: str = "",
    calendar: str | None = None,
    manager: str | None = None,
) -> None:
    """Create or update a group."""
    with engine.db.session() as session:
        group = session.get(Group, name) or Group(name=name)
        group.title = title or group.title or name
        group.calendar = calendar if calendar is not None else group.calendar
        group.manager = manager if manager is not None else group.manager
        session.add(group)
    engine.rt.directory.invalidate()


def add_user(
    engine: Engine,
    username: str,
    *,
    groups: Iterable[str] = (),
    password: str | None = None,
    full_name: str = "",
    email: str | None = None,
    language: str = "en",
    manager: str | None = None,
) -> None:
    """Create or update a user and add them to ``groups`` (created if missing)."""
    groups = list(groups)
    for group in groups:
        with engine.db.session() as session:
            exists = session.get(Group, group) is not None
        if not exists:
            add_group(engine, group)
    with engine.db.session() as session:
        user = session.get(User, username) or User(username=username)
        user.full_name = full_name or user.full_name or username
        user.email = email or user.email
        user.language = language
        user.manager = manager or user.manager
        if password is not None:
            user.password_hash = hash_password(password)
        session.add(user)
        session.flush()
        have = set(
            session.scalars(sa.select(Membership.group_name).where(Membership.username == username))
        )
        for group in groups:
            if group not in have:
                session.add(Membership(group_name=group, username=username))
    engine.rt.directory.invalidate()


def set_out_of_office(engine: Engine, username: str, away: bool, substitute: str | None) -> None:
    with engine.db.session() as session:
        user = session.get(User, username)
        if user is None:
            raise NotFound(f"user {username} does not exist")
        if substitute is not None and session.get(User, substitute) is None:
            raise NotFound(f"substitute {substitute} does not exist")
        user.out_of_office = away
        user.substitute = substitute
    engine.rt.directory.invalidate()


def set_calendar(engine: Engine, name: str, definition: Mapping[str, Any]) -> None:
    """Store a business calendar after checking it parses."""
    BusinessCalendar.from_dict({"name": name, **definition})
    with engine.db.session() as session:
        row = session.get(CalendarRow, name) or CalendarRow(name=name)
        row.definition = {k: v for k, v in definition.items() if k != "name"}
        session.add(row)
    engine.rt.directory.invalidate()


def check_password(engine: Engine, username: str, password: str) -> bool:
    with engine.db.session() as session:
        user = session.get(User, username)
        if user is None or not user.active or not user.password_hash:
            _hasher_dummy_verify()
            return False
        try:
            return _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def _hasher_dummy_verify() -> None:
    """Spend the same time on unknown users, so timing does not reveal who exists."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY, "x")


_DUMMY = _hasher.hash("not-a-password")


def issue_token(engine: Engine, username: str) -> str:
    """A new API token for ``username``; shown once, stored hashed."""
    token = secrets.token_urlsafe(32)
    with engine.db.session() as session:
        if session.get(User, username) is None:
            raise NotFound(f"user {username} does not exist")
        session.add(ApiToken(token_hash=_digest(token), username=username))
    return token


def user_for_token(engine: Engine, token: str) -> str | None:
    with engine.db.session() as session:
        row = session.get(ApiToken, _digest(token))
        return row.username if row is not None else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
