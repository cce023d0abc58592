"""Admin pages: users, groups, business calendars, written through the engine's identity API."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from engine import check_password

from ..api.world import World
from ..pages import parse, post_form, signed_in, texts


@pytest.mark.parametrize("user", ["anna", "dina", "egor"])
def test_admin_pages_are_for_admins_only(client: FlaskClient, world: World, user: str) -> None:
    signed_in(client, user)
    for path in ("/admin/users", "/admin/groups", "/admin/calendars"):
        assert client.get(path).status_code == 403, path
    assert post_form(client, "/admin/users", {"username": "mallory"}).status_code == 403
    assert not check_password(world.engine, "mallory", "x")


def test_users_page_lists_the_demo_organisation(client: FlaskClient) -> None:
    page = parse(signed_in(client, "olga").get("/admin/users"))
    assert {"anna", "boris", "olga"} <= set(page.xpath("//table[@id='users']//tr/@data-user"))
    olga = page.xpath("//tr[@data-user='olga']/td[@class='groups']/span/@data-group")
    assert olga == ["admins", "process_owners"]


def test_add_a_user_to_groups_with_a_password(client: FlaskClient, world: World) -> None:
    signed_in(client, "olga")
    response = post_form(
        client,
        "/admin/users",
        {
            "username": "petr",
            "full_name": "Petr Orlov",
            "email": "petr@example.com",
            "groups": ["sales"],
            "new_group": "key_accounts",
            "password": "s3cret!",
            "language": "ru",
            "manager": "boris",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert check_password(world.engine, "petr", "s3cret!")
    page = parse(client.get("/admin/users"))
    groups = page.xpath("//tr[@data-user='petr']/td[@class='groups']/span/@data-group")
    assert groups == ["key_accounts", "sales"]
    edit = parse(client.get("/admin/users?edit=petr"))
    assert edit.xpath("//input[@name='full_name']/@value") == ["Petr Orlov"]


def test_a_bad_user_form_is_400_with_errors_by_the_fields(client: FlaskClient) -> None:
    signed_in(client, "olga")
    response = post_form(
        client,
        "/admin/users",
        {"username": "Bad Name!", "email": "nope", "password": "x", "language": "de"},
    )
    assert response.status_code == 400
    fields = set(parse(response).xpath("//span[@class='cf-field-error']/@data-field"))
    assert {"username", "email", "password", "language"} <= fields


def test_groups_get_a_calendar_and_a_manager(client: FlaskClient) -> None:
    signed_in(client, "olga")
    response = post_form(
        client,
        "/admin/groups",
        {"name": "key_accounts", "title": "Key accounts", "calendar": "office", "manager": "boris"},
    )
    assert response.status_code == 302
    page = parse(client.get("/admin/groups"))
    assert texts(page, "//tr[@data-group='key_accounts']/td[@class='calendar']") == ["office"]
    bad = post_form(client, "/admin/groups", {"name": "x y", "calendar": "no-such-calendar"})
    assert bad.status_code == 400
    fields = set(parse(bad).xpath("//span[@class='cf-field-error']/@data-field"))
    assert fields == {"name", "calendar"}


def test_calendars_are_checked_by_the_engine(client: FlaskClient) -> None:
    signed_in(client, "olga")
    form = parse(client.get("/admin/calendars"))
    example = form.xpath("//textarea[@name='definition']/text()")[0]
    assert json.loads(example)["timezone"] == "Europe/Moscow"
    saved = post_form(
        client,
        "/admin/calendars",
        {
            "name": "night_shift",
            "definition": json.dumps(
                {"timezone": "Europe/Moscow", "working_hours": {"mon": [["22:00", "24:00"]]}}
            ),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    page = parse(client.get("/admin/calendars"))
    assert page.xpath("//tr[@data-calendar='night_shift']")
    for definition, expected in (
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"working_hours": {"someday": [["09:00", "18:00"]]}}', "not a weekday"),
        (
            '{"timezone": "Mars/Olympus", "working_hours": {"mon": [["09:00", "18:00"]]}}',
            "timezone",
        ),
    ):
        response = post_form(client, "/admin/calendars", {"name": "bad", "definition": definition})
        assert response.status_code == 400, definition
        errors = texts(parse(response), "//span[@data-field='definition']")
        assert expected in errors[0], (definition, errors)
    assert not parse(client.get("/admin/calendars")).xpath("//tr[@data-calendar='bad']")


def test_admin_posts_need_the_csrf_token(client: FlaskClient) -> None:
    signed_in(client, "olga")
    response = client.post("/admin/groups", data={"name": "sneaky"})
    assert response.status_code == 400
    assert not parse(client.get("/admin/groups")).xpath("//tr[@data-group='sneaky']")


def test_area_roots_lead_to_their_first_page(client: FlaskClient) -> None:
    signed_in(client, "olga")
    assert client.get("/admin/").headers["Location"] == "/admin/users"
    assert client.get("/operations/").headers["Location"] == "/operations/instances"
    signed_in(client, "anna")
    assert client.get("/admin/").status_code == 403
    assert client.get("/operations/").status_code == 403
