"""Admins take users out of groups: confirm, remove, flash; never the last admin."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import NotAllowed, add_user
from web.auth.user import load_user

from ..api.world import World
from ..pages import login, parse, post_form, signed_in, texts

ANNA_IN_SALES = "/admin/groups/sales/members/anna/remove"
OLGA_IN_ADMINS = "/admin/groups/admins/members/olga/remove"


def groups_of(world: World, username: str) -> frozenset[str]:
    user = load_user(world.engine, username)
    assert user is not None
    return user.groups


def flashes(client: FlaskClient, path: str = "/admin/groups") -> list[str]:
    return texts(parse(client.get(path)), "//p[contains(@class, 'flash')]")


def test_each_membership_links_to_its_removal(client: FlaskClient) -> None:
    signed_in(client, "olga")
    groups = parse(client.get("/admin/groups"))
    link = "//tr[@data-group='sales']//span[@data-member='anna']/a[@class='remove-member']/@href"
    assert groups.xpath(link) == [f"{ANNA_IN_SALES}?back=groups"]
    users = parse(client.get("/admin/users"))
    link = "//tr[@data-user='anna']//span[@data-group='sales']/a[@class='remove-member']/@href"
    assert users.xpath(link) == [f"{ANNA_IN_SALES}?back=users"]


def test_removal_is_confirmed_then_done_with_a_flash(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    asked = client.get(f"{ANNA_IN_SALES}?back=groups")
    assert asked.status_code == 200
    page = parse(asked)
    assert texts(page, "//h1") == ["Remove anna from sales?"]
    assert page.xpath("//form[@id='remove-member-form']//input[@name='csrf_token']")
    assert "sales" in groups_of(world, "anna")  # asking changes nothing

    done = post_form(client, ANNA_IN_SALES, {"back": "groups"})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/groups"
    assert "anna removed from sales." in flashes(client)
    assert "sales" not in groups_of(world, "anna")
    after = parse(client.get("/admin/groups"))
    assert not after.xpath("//tr[@data-group='sales']//span[@data-member='anna']")
    with pytest.raises(NotAllowed):  # the engine's own directory saw it at once
        world.engine.claim(world.call_task, "anna")


def test_removal_started_from_the_users_page_returns_there(client: FlaskClient) -> None:
    signed_in(client, "olga")
    form = parse(client.get(f"{ANNA_IN_SALES}?back=users"))
    assert form.xpath("//input[@name='back']/@value") == ["users"]
    assert form.xpath("//a[@id='cancel-remove']/@href") == ["/admin/users"]
    done = post_form(client, ANNA_IN_SALES, {"back": "users"})
    assert done.headers["Location"] == "/admin/users"
    row = parse(client.get("/admin/users")).xpath("//tr[@data-user='anna']//span/@data-group")
    assert row == []


def test_removal_needs_the_csrf_token(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    refused = client.post(ANNA_IN_SALES, data={"back": "groups"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    assert "sales" in groups_of(world, "anna")


@pytest.mark.parametrize("user", ["anna", "boris", "dina"])
def test_only_admins_remove_members(client: FlaskClient, world: World, user: str) -> None:
    signed_in(client, user)
    assert client.get(ANNA_IN_SALES).status_code == 403
    assert post_form(client, ANNA_IN_SALES, {}).status_code == 403
    assert "sales" in groups_of(world, "anna")


def test_a_membership_that_does_not_exist_is_404(client: FlaskClient) -> None:
    signed_in(client, "olga")
    for path in ("/admin/groups/finance/members/anna/remove", "/admin/groups/x/members/y/remove"):
        assert client.get(path).status_code == 404, path
        assert post_form(client, path, {}).status_code == 404, path
    missing = client.get("/admin/groups/finance/members/anna/remove")
    assert "anna is not a member of finance." in missing.get_data(as_text=True)


def test_the_last_admin_stays_in_admins(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    asked = parse(client.get(OLGA_IN_ADMINS))
    [refusal] = texts(asked, "//p[@id='refusal']")
    assert refusal.startswith("olga is the last active admin")
    assert not asked.xpath("//form[@id='remove-member-form']")
    refused = post_form(client, OLGA_IN_ADMINS, {})
    assert refused.status_code == 302
    assert refusal in flashes(client)
    assert "admins" in groups_of(world, "olga")
    # process_owners is not protected: olga may leave it
    assert (
        post_form(client, "/admin/groups/process_owners/members/olga/remove", {}).status_code == 302
    )
    assert groups_of(world, "olga") == {"admins"}


def test_an_admin_leaves_admins_once_another_admin_exists(
    app: Flask, client: FlaskClient, world: World
) -> None:
    add_user(world.engine, "petr", groups=["admins"], password="petr-pw")
    signed_in(client, "olga")
    assert not parse(client.get(OLGA_IN_ADMINS)).xpath("//p[@id='refusal']")
    left = post_form(client, OLGA_IN_ADMINS, {})
    assert left.status_code == 302 and left.headers["Location"] == "/"  # not /admin: 403 now
    assert "admins" not in groups_of(world, "olga")
    assert client.get("/admin/users").status_code == 403
    # and petr, now the only admin, cannot leave in turn
    petr = app.test_client()
    assert login(petr, "petr", "petr-pw").status_code == 302
    post_form(petr, "/admin/groups/admins/members/petr/remove", {})
    assert "admins" in groups_of(world, "petr")


def test_removal_speaks_russian_to_a_russian_admin(client: FlaskClient, world: World) -> None:
    add_user(world.engine, "olga", language="ru")
    signed_in(client, "olga")
    page = parse(client.get(ANNA_IN_SALES))
    assert texts(page, "//h1") == ["Исключить anna из группы sales?"]
    assert texts(page, "//button[@id='confirm-remove']") == ["Удалить"]
    post_form(client, ANNA_IN_SALES, {})
    assert "anna исключён из группы sales." in flashes(client)
    refused = parse(client.get(OLGA_IN_ADMINS))
    assert texts(refused, "//p[@id='refusal']")[0].startswith("olga — последний")
