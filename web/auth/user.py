"""The signed-in employee as the web layer sees them: who, which groups, which roles.

Loaded from the engine's directory on each request (Flask-Login's user loader),
so a deactivated user or a changed group membership takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_login import UserMixin

from engine import Engine
from engine._tasks import ADMIN_GROUP, is_manager
from engine.models import Group, Membership, User

PROCESS_OWNER_GROUP = "process_owners"
LANGUAGES = ("en", "ru")


@dataclass(frozen=True)
class WebUser(UserMixin):
    """An active employee account with the roles the pages and the API check."""

    username: str
    full_name: str
    language: str
    groups: frozenset[str]
    managed_groups: frozenset[str] = field(default_factory=frozenset)
    out_of_office: bool = False
    substitute: str | None = None

    def get_id(self) -> str:
        return self.username

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups

    @property
    def is_process_owner(self) -> bool:
        return self.is_admin or PROCESS_OWNER_GROUP in self.groups

    @property
    def is_manager(self) -> bool:
        """Admins, group managers and members of ``<group>_managers`` / ``<group>_leads``."""
        return self.is_admin or bool(self.managed_groups)

    def manages(self, group: str | None) -> bool:
        """May this user reassign tasks of ``group``'s queue."""
        return self.is_admin or (group is not None and group in self.managed_groups)

    def has_role(self, role: str) -> bool:
        checks = {
            "admin": self.is_admin,
            "process_owner": self.is_process_owner,
            "manager": self.is_manager,
        }
        if role not in checks:
            raise ValueError(f"unknown role '{role}': use one of {', '.join(checks)}")
        return checks[role]


def load_user(engine: Engine, username: str) -> WebUser | None:
    """The active user ``username`` with groups and managed queues, or None."""
    with engine.session() as session:
        row = session.get(User, username)
        if row is None or not row.active:
            return None
        groups = frozenset(
            session.scalars(sa.select(Membership.group_name).where(Membership.username == username))
        )
        names = session.scalars(sa.select(Group.name)).all()
        # the engine's own rule decides who manages which queue; we only ask it per group
        managed = frozenset(n for n in names if is_manager(engine.rt, session, username, n))
        return WebUser(
            username=row.username,
            full_name=row.full_name or row.username,
            language=row.language if row.language in LANGUAGES else "en",
            groups=groups,
            managed_groups=managed,
            out_of_office=row.out_of_office,
            substitute=row.substitute,
        )
