"""The OpenAPI document: every API route, bearer security, our error shape."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def test_openapi_lists_every_api_route_with_bearer_security(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    documented = {
        (path, method.upper())
        for path, ops in spec["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    }
    routes = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routes == documented
    token = spec["paths"]["/api/auth/token"]["post"]
    assert token["security"] == []


def test_errors_are_documented_with_our_error_shape(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "errors", "problems"}
    complete = spec["paths"]["/api/tasks/{task_id}/complete"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(complete)
