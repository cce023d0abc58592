"""Taking users out of groups: the directory sees it at once; admins never run out."""

from __future__ import annotations

import pytest

from engine import (
    Engine,
    LastAdmin,
    NotAMember,
    add_user,
    check_membership_removal,
    remove_membership,
)


def _members(engine: Engine, group: str) -> tuple[str, ...]:
    with engine.db.session() as session:
        info = engine.rt.directory.group(session, group)
    return info.members if info else ()


def test_a_removed_member_leaves_the_group_the_directory_already_cached(engine: Engine) -> None:
    add_user(engine, "anna", groups=["sales"])
    add_user(engine, "ivan", groups=["sales"])
    assert set(_members(engine, "sales")) == {"anna", "ivan"}  # now cached

    remove_membership(engine, "sales", "anna")

    assert _members(engine, "sales") == ("ivan",)


def test_removing_someone_who_is_not_a_member_says_so(engine: Engine) -> None:
    add_user(engine, "anna", groups=["sales"])
    with pytest.raises(NotAMember, match="anna is not a member of support"):
        check_membership_removal(engine, "support", "anna")
    with pytest.raises(NotAMember):
        remove_membership(engine, "nobody", "anna")


def test_the_last_active_admin_stays_an_admin(engine: Engine) -> None:
    add_user(engine, "root", groups=["admins"])
    add_user(engine, "ada", groups=["admins"])
    remove_membership(engine, "admins", "ada")

    with pytest.raises(LastAdmin, match="root is the last active member of admins"):
        remove_membership(engine, "admins", "root")
    assert _members(engine, "admins") == ("root",)
