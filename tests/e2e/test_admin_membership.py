"""An admin takes a user out of a group from Admin → Users: the cross asks to confirm, the
removal flashes and the membership is gone. The last active admin cannot be taken
out of ``admins``: the page says why and nothing changes."""

from __future__ import annotations

from typing import Any

from web.auth.user import load_user

from .conftest import NewPage, shot, sign_in
from .site import Site


def groups_of(site: Site, username: str) -> frozenset[str]:
    user = load_user(site.engine, username)
    assert user is not None
    return user.groups


def memberships(page: Any, username: str) -> list[str]:
    """The groups the users table shows for ``username``."""
    return page.locator(f"#users tr[data-user='{username}'] span.membership").evaluate_all(
        "spans => spans.map(s => s.dataset.group)"
    )


def members(page: Any, group: str) -> list[str]:
    """The members the groups table shows for ``group``."""
    return page.locator(f"#groups tr[data-group='{group}'] span.member").evaluate_all(
        "spans => spans.map(s => s.dataset.member)"
    )


def test_admin_removes_a_membership_after_confirming(site: Site, new_page: NewPage) -> None:
    olga = new_page("olga")
    sign_in(olga, "olga")
    olga.click("#nav-admin")
    olga.wait_for_url("**/admin/users")
    assert memberships(olga, "anna") == ["sales"]
    olga.click("#users tr[data-user='anna'] span.membership[data-group=sales] a.remove-member")
    olga.wait_for_url("**/admin/groups/sales/members/anna/remove?back=users")
    assert olga.inner_text("h1") == "Remove anna from sales?"
    assert "anna will no longer see the sales queue" in olga.inner_text("main")
    assert "sales" in groups_of(site, "anna")  # asking changes nothing
    shot(olga, "membership-1-confirm")

    olga.click("#confirm-remove")
    olga.wait_for_url("**/admin/users")
    assert olga.locator("p.flash").all_inner_texts() == ["anna removed from sales."]
    assert memberships(olga, "anna") == []
    assert memberships(olga, "olga") == ["admins", "process_owners"]  # the others stay
    shot(olga, "membership-2-removed")
    olga.click("#admin-tabs a[href='/admin/groups']")
    olga.wait_for_url("**/admin/groups")
    assert "anna" not in members(olga, "sales")
    assert groups_of(site, "anna") == frozenset()


def test_the_last_admin_cannot_be_removed_from_admins(site: Site, new_page: NewPage) -> None:
    olga = new_page("olga")
    sign_in(olga, "olga")
    olga.goto("/admin/groups")
    assert members(olga, "admins") == ["olga"]
    olga.click("#groups tr[data-group=admins] span.member[data-member=olga] a.remove-member")
    olga.wait_for_url("**/admin/groups/admins/members/olga/remove?back=groups")
    assert olga.inner_text("h1") == "Remove olga from admins?"
    assert olga.inner_text("#refusal") == (
        "olga is the last active admin: make someone else an admin first, "
        "so that somebody can still manage users."
    )
    assert olga.locator("#remove-member-form, #confirm-remove").count() == 0  # nothing to press
    shot(olga, "membership-3-last-admin")

    olga.click("#back")
    olga.wait_for_url("**/admin/groups")
    assert olga.locator("p.flash").count() == 0
    assert members(olga, "admins") == ["olga"]
    assert "admins" in groups_of(site, "olga")
