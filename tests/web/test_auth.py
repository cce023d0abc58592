"""Login, logout, roles, CSRF, cookies, the rate limit, bearer tokens and the profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from web import create_app
from web.auth import roles_required
from web.auth.secret import MissingSecretKey, secret_key

from .api.world import World
from .pages import csrf_of, login, parse, post_form, signed_in, texts


def test_anonymous_pages_redirect_to_login_and_api_answers_401(client: FlaskClient) -> None:
    page = client.get("/inbox")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/inbox")
    api = client.get("/inbox/poll.json", headers={"Accept": "application/json"})
    assert api.status_code == 302  # a page's JSON helper: still a page of the site
    assert client.get("/api/tasks").status_code == 401


def test_login_with_the_right_password_lands_on_the_inbox(client: FlaskClient) -> None:
    response = login(client, "anna")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/inbox"
    page = parse(client.get("/inbox"))
    assert texts(page, "//a[@id='nav-profile']") == ["Anna Sokolova"]


def test_login_follows_next_only_to_this_site(client: FlaskClient) -> None:
    token = csrf_of(client)
    form = {"csrf_token": token, "username": "anna", "password": "demo"}
    inside = client.post("/login?next=/start", data=form)
    assert inside.headers["Location"] == "/start"
    client.post("/logout", data={"csrf_token": csrf_of(client, "/profile")})
    token = csrf_of(client)
    outside = client.post("/login?next=//evil.example/x", data={**form, "csrf_token": token})
    assert outside.headers["Location"] == "/"


def test_wrong_password_shows_an_error_next_to_the_field(client: FlaskClient) -> None:
    response = login(client, "anna", "wrong")
    assert response.status_code == 401
    assert texts(parse(response), "//p[@class='error'][@data-field='password']") == [
        "Wrong username or password."
    ]
    assert client.get("/inbox").status_code == 302


def test_login_form_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "anna", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 302


def test_five_failures_block_the_username_from_that_address(client: FlaskClient) -> None:
    for _ in range(5):
        assert login(client, "boris", "nope").status_code == 401
    blocked = login(client, "boris", "demo")  # even the right password now waits
    assert blocked.status_code == 429
    assert "15 minutes" in texts(parse(blocked), "//p[@data-field='password']")[0]
    assert login(client, "anna").status_code == 302  # other users are not affected


def test_logout_needs_post_with_csrf_and_ends_the_session(client: FlaskClient) -> None:
    signed_in(client, "anna")
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/inbox").status_code == 200
    response = post_form(client, "/logout", {})
    assert response.status_code == 302
    assert client.get("/inbox").status_code == 302


def test_session_cookie_is_httponly_and_lax(client: FlaskClient) -> None:
    response = login(client, "anna")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookie_is_secure(world: World) -> None:
    app = create_app(world.engine, {"SECRET_KEY": "k" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_bearer_token_authenticates_api_without_csrf(world: World, client: FlaskClient) -> None:
    response = client.get("/api/tasks", headers=world.auth("anna"))
    assert response.status_code == 200
    claim = client.post(f"/api/tasks/{world.call_task}/claim", headers=world.auth("anna"))
    assert claim.status_code == 200, claim.json
    bad = client.get("/api/tasks", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_roles(world: World) -> None:
    app = world.app()

    @roles_required("process_owner")
    def owners_only() -> str:
        return "ok"

    @roles_required("manager")
    def managers_only() -> str:
        return "ok"

    app.add_url_rule("/probe/owners", view_func=owners_only)
    app.add_url_rule("/probe/managers", view_func=managers_only, endpoint="managers")
    expected = {
        "anna": (403, 403),
        "boris": (403, 200),  # sales_managers manage the sales queue
        "dina": (403, 200),  # support_leads, and manager of support
        "olga": (200, 200),  # admins
    }
    for username, (owners, managers) in expected.items():
        client = signed_in(app.test_client(), username)
        assert client.get("/probe/owners").status_code == owners, username
        assert client.get("/probe/managers").status_code == managers, username
    assert app.test_client().get("/probe/owners").status_code == 302


def test_current_user_roles(world: World, app: Flask) -> None:
    from web.auth.user import load_user

    boris = load_user(world.engine, "boris")
    assert boris is not None
    assert boris.is_manager and boris.manages("sales") and not boris.manages("support")
    olga = load_user(world.engine, "olga")
    assert olga is not None and olga.is_admin and olga.is_process_owner
    anna = load_user(world.engine, "anna")
    assert anna is not None and not (anna.is_manager or anna.is_admin or anna.is_process_owner)
    assert anna.groups == frozenset({"sales"}) and anna.language == "en"


def test_profile_sets_language_and_substitute(world: World, client: FlaskClient) -> None:
    signed_in(client, "anna")
    response = post_form(
        client, "/profile", {"language": "ru", "out_of_office": "y", "substitute": "vera"}
    )
    assert response.status_code == 302
    page = parse(client.get("/profile"))
    assert page.xpath("//html/@lang") == ["ru"]
    assert texts(page, "//h1") == ["Профиль"]
    assert page.xpath("//select[@name='substitute']/option[@selected]/@value") == ["vera"]
    assert page.xpath("//input[@name='out_of_office']/@checked")


def test_profile_rejects_an_unknown_language(client: FlaskClient) -> None:
    signed_in(client, "anna")
    response = post_form(client, "/profile", {"language": "xx", "substitute": ""})
    assert response.status_code == 400


def test_secret_key_is_persisted_in_embedded_mode(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "secret_key"
    first = secret_key({}, path)
    assert secret_key({}, path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert secret_key({"SECRET_KEY": "given"}, path) == "given"
    with pytest.raises(MissingSecretKey, match="CLIENTFLOW_SECRET_KEY"):
        secret_key({"BROKER_URL": "redis://x"}, path)


def test_deactivated_user_loses_the_session(world: World, client: FlaskClient) -> None:
    signed_in(client, "anna")
    engine: Engine = world.engine
    from engine.models import User

    with engine.db.session() as session:
        user = session.get(User, "anna")
        assert user is not None
        user.active = False
    assert client.get("/inbox").status_code == 302
