"""Who may see, act on and manage a work item (the engine re-checks every change).

Functions take anything shaped like a ``work_item`` row (the ORM row in the
inbox, :class:`~.lookups.Item` on the task page); templates call them too.
"""

from __future__ import annotations

from typing import Protocol

from ..auth.user import WebUser


class ItemLike(Protocol):
    @property
    def assignee(self) -> str | None: ...
    @property
    def group_name(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def completed_by(self) -> str | None: ...


def can_view(user: WebUser, item: ItemLike) -> bool:
    group = item.group_name
    return (
        user.is_admin
        or user.username in (item.assignee, item.completed_by)
        or (group is not None and (group in user.groups or user.manages(group)))
    )


def can_complete(user: WebUser, item: ItemLike) -> bool:
    if item.status != "open":
        return False
    if item.assignee is not None:
        return item.assignee == user.username
    return item.group_name is None or item.group_name in user.groups


def can_claim(user: WebUser, item: ItemLike) -> bool:
    return item.status == "open" and item.assignee is None and item.group_name in user.groups


def can_unclaim(user: WebUser, item: ItemLike) -> bool:
    holder = item.assignee
    return (
        item.status == "open"
        and holder is not None
        and (holder == user.username or user.manages(item.group_name))
    )


def can_assign(user: WebUser, item: ItemLike) -> bool:
    return item.status == "open" and user.manages(item.group_name)


TEMPLATE_CHECKS = {
    "can_claim": can_claim,
    "can_unclaim": can_unclaim,
    "can_assign": can_assign,
    "can_complete": can_complete,
}
