"""The minimal web app: home page, health check and the first API endpoint."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import Engine
from web import create_app

BPMN = Path(__file__).parents[1] / "engine" / "bpmn"


def simple_bundle() -> dict[str, str]:
    return {
        name: (BPMN / name).read_text() for name in ("simple.bpmn", "enter.json", "approve.json")
    }


class Page(HTMLParser):
    """What the tests look at in a page: element ids, h1 text and the process table's rows."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.h1 = ""
        self.rows: list[list[str]] = []
        self._cells: list[str] | None = None
        self._in_h1 = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self._in_h1 = self._in_h1 or tag == "h1"
        if named.get("id"):
            self.ids.add(str(named["id"]))
        if tag == "tr" and "data-key" in named:
            self._cells = []
        elif tag == "td" and self._cells is not None:
            self._cells.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_h1 = self._in_h1 and tag != "h1"
        if tag == "tr" and self._cells is not None:
            self.rows.append([cell.strip() for cell in self._cells])
            self._cells = None

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data
        if self._cells:
            self._cells[-1] += data


@pytest.fixture
def app(engine: Engine) -> Flask:
    return create_app(engine, {"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_home_page_sends_anonymous_users_to_login(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_healthz_names_the_database(engine: Engine, client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": engine.db.engine.dialect.name}


def test_unknown_api_path_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json is not None
    assert response.json["error"] == "not_found"


def test_engine_not_found_is_a_json_404(engine: Engine, app: Flask) -> None:
    missing = uuid.uuid4()
    app.add_url_rule("/api/probe", view_func=lambda: engine.instance(missing))
    response = app.test_client().get("/api/probe")
    assert response.status_code == 404
    assert response.json is not None
    assert response.json["error"] == "not_found"
    assert str(missing) in response.json["message"]


def test_unknown_page_is_an_html_404(client: FlaskClient) -> None:
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert Page(response.text).h1 == "404"


def test_create_app_builds_its_engine_from_configuration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    app = create_app(config={"DATABASE_URL": url, "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.json == {"status": "ok", "database": "sqlite"}
