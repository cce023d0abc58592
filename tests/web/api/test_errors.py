"""``web.errors``: one table from engine and CRM errors to statuses; JSON for the API and hooks,
an HTML page for pages; bad input is never a 500."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crm import NotFoundError, OutsideProcessError
from engine import (
    Conflict,
    DefinitionError,
    FormInvalid,
    NotAllowed,
    NotFound,
    OperatorError,
    Problem,
    ScriptError,
)


class Heading(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.h1, self._in = "", False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in = self._in or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self._in = self._in and tag != "h1"

    def handle_data(self, data: str) -> None:
        self.h1 += data if self._in else ""


CASES = [
    (NotFound("task x does not exist"), 404, "not_found"),
    (NotAllowed("not yours"), 403, "forbidden"),
    (Conflict("already done"), 409, "conflict"),
    (FormInvalid({"amount": ["required"]}), 422, "invalid_form"),
    (DefinitionError([Problem("bad", "gw", "a.bpmn", 7)]), 422, "invalid_definition"),
    (NotFoundError("customer", 5), 404, "not_found"),
    (OutsideProcessError("crm_deal", "update"), 403, "outside_process"),
    (ScriptError("NameError: name 'owner' is not defined"), 422, "script_error"),
    (OperatorError("smtp down", retryable=True), 503, "unavailable"),
    (OperatorError("bad parameters"), 400, "bad_request"),
]


@pytest.fixture
def probed(app: Flask) -> Flask:
    """Routes that raise each error, under /api, /hooks and a page path."""
    for index, (error, _status, _code) in enumerate(CASES):

        def boom(error: Exception = error) -> None:
            raise error

        for prefix in ("/api/probe", "/hooks/probe", "/probe"):
            app.add_url_rule(f"{prefix}/{index}", f"{prefix}-{index}", boom)
    return app


@pytest.mark.parametrize("index", range(len(CASES)))
def test_each_error_has_its_status_in_json_and_html(probed: Flask, index: int) -> None:
    _error, status, code = CASES[index]
    client = probed.test_client()
    for prefix in ("/api/probe", "/hooks/probe"):
        response = client.get(f"{prefix}/{index}")
        assert response.status_code == status
        assert response.json["error"] == code
    page = client.get(f"/probe/{index}")
    assert page.status_code == status
    assert page.mimetype == "text/html"
    assert Heading(page.text).h1.strip() == str(status)


def test_definition_problems_name_element_file_and_line(probed: Flask) -> None:
    index = next(i for i, case in enumerate(CASES) if isinstance(case[0], DefinitionError))
    body = probed.test_client().get(f"/api/probe/{index}").json
    assert body["problems"] == [{"element": "gw", "file": "a.bpmn", "line": 7, "message": "bad"}]


def test_form_errors_carry_the_fields(probed: Flask) -> None:
    index = next(i for i, case in enumerate(CASES) if isinstance(case[0], FormInvalid))
    assert probed.test_client().get(f"/api/probe/{index}").json["errors"] == {
        "amount": ["required"]
    }


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/processes")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_unknown_api_path_is_json_404(client: FlaskClient) -> None:
    response = client.get(f"/api/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_nul_characters_are_a_400_not_a_database_error(client: FlaskClient) -> None:
    """PostgreSQL text refuses NUL; schemathesis sent one and got a 500 before this check."""
    token = client.post("/api/auth/token", json={"username": "an\x00na", "password": "demo"})
    assert token.status_code == 400
    query = client.get("/api/tasks?process=a%00b", headers={"Authorization": "Bearer x"})
    assert query.status_code == 401  # who you are is checked first
