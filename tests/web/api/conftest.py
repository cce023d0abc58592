"""Fixtures of the API tests: a world on SQLite and PostgreSQL, an app and a client over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .world import World, build_world


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    built = build_world(db_url)
    yield built
    built.engine.db.dispose()


@pytest.fixture
def app(world: World) -> Flask:
    app: Flask = world.app()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
