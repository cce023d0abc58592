"""Tokens and authentication: who gets in, who gets 401, and the rate limit."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from ..pages import csrf_of, signed_in
from .world import World

PUBLIC = {"/api/auth/token", "/api/openapi.json"}


def test_token_for_the_right_password_opens_the_api(client: FlaskClient) -> None:
    response = client.post("/api/auth/token", json={"username": "anna", "password": "demo"})
    assert response.status_code == 200
    token = response.json["token"]
    inbox = client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    assert inbox.status_code == 200
    assert [item["assignee"] for item in inbox.json["items"]] == ["anna"]


def test_wrong_password_is_401_and_issues_nothing(client: FlaskClient) -> None:
    response = client.post("/api/auth/token", json={"username": "anna", "password": "nope"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert "token" not in response.json


def test_token_request_without_fields_is_422_naming_them(client: FlaskClient) -> None:
    response = client.post("/api/auth/token", json={"username": "anna"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_token_request_with_a_broken_body_is_a_4xx_not_a_500(client: FlaskClient) -> None:
    response = client.post(
        "/api/auth/token", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.is_json


def test_guessing_passwords_is_rate_limited_like_the_login_page(client: FlaskClient) -> None:
    statuses = [
        client.post("/api/auth/token", json={"username": "boris", "password": f"x{i}"}).status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # even the right password waits now
    right = client.post("/api/auth/token", json={"username": "boris", "password": "demo"})
    assert right.status_code == 429


def test_every_api_route_needs_a_user(app: Flask, world: World) -> None:
    """Anonymous and bad-token calls to every API route get 401 with a JSON body."""
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in PUBLIC:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{_converter(rule, name)}{name}>", _value(world, name))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                response = client.open(path, method=method, headers=headers, json={})
                assert response.status_code == 401, (method, path, headers)
                assert response.json["error"] == "unauthorized"
                assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _converter(rule: object, name: str) -> str:
    text = str(rule)
    start = text.index(f"{name}>")
    opening = text.rindex("<", 0, start)
    return text[opening + 1 : start]


def _value(world: World, name: str) -> str:
    return {
        "task_id": world.call_task,
        "instance_id": world.call_instance,
        "customer_id": str(world.customer_id),
    }.get(name, "simple")


def test_a_signed_in_browser_session_uses_the_api_with_csrf(client: FlaskClient) -> None:
    """Pages call the API with their session cookie; writes then need the CSRF token."""
    signed_in(client, "anna")
    assert client.get("/api/tasks").status_code == 200
    refused = client.post("/api/processes/simple/instances", json={"data": {}})
    assert refused.status_code == 400  # no CSRF token with a cookie-authenticated write
    token = csrf_of(client, "/profile")
    started = client.post(
        "/api/processes/simple/instances",
        json={"data": {"company": "Lyra", "owner": "anna"}},
        headers={"X-CSRFToken": token},
    )
    assert started.status_code == 201
