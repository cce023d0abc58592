"""Helpers shared by the process, operations and admin page tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ..pages import csrf_of


def post_json(client: FlaskClient, path: str, body: Any, *, csrf: bool = True) -> TestResponse:
    """POST JSON as the modeler page does: the session cookie plus the X-CSRFToken header."""
    headers = {"X-CSRFToken": csrf_of(client, "/profile")} if csrf else {}
    return client.post(path, json=body, headers=headers)


def renamed(xml: str, old: str, new: str) -> str:
    """The BPMN with one task's name changed, as the modeler would save it."""
    assert f'name="{old}"' in xml, old
    return xml.replace(f'name="{old}"', f'name="{new}"', 1)
