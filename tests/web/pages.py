"""Helpers for page tests: parse HTML (lxml) and sign in through the real login form."""

from __future__ import annotations

from typing import Any

import lxml.html
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PASSWORD = "demo"


def parse(response: TestResponse) -> Any:
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(page: Any, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in page.xpath(xpath)]


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    page = parse(client.get(path))
    token = page.xpath("//input[@name='csrf_token']/@value")[0]
    return str(token)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    token = csrf_of(client)
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def signed_in(client: FlaskClient, username: str) -> FlaskClient:
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post_form(client: FlaskClient, path: str, data: dict[str, Any], **kw: Any) -> TestResponse:
    """POST ``data`` with the CSRF token the signed-in session holds."""
    token = csrf_of(client, "/profile")
    return client.post(path, data={"csrf_token": token, **data}, **kw)
