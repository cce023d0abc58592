"""Shared fixtures: real databases (SQLite file, and PostgreSQL when configured).

``CLIENTFLOW_TEST_DATABASE_URL`` points at a PostgreSQL server (CI sets it);
each test gets its own schema there, dropped afterwards. Without it the
PostgreSQL variants are skipped with the reason printed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles

import crm
import handlers
import integrations
from engine import Database, Engine, OperatorRegistry, _identity

# argon2's production cost (64 MiB, 3 passes: ~0.1 s a hash) protects real passwords and
# is dead time here, where most fixtures create the demo users; the hashes stay real
# argon2 hashes, checked the same way, only cheaper to make.
_identity._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)

PG_URL = os.environ.get("CLIENTFLOW_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("CLIENTFLOW_TEST_REDIS_URL")
NO_PG = "PostgreSQL tests skipped: set CLIENTFLOW_TEST_DATABASE_URL to run them"
NO_REDIS = "Redis/Celery tests skipped: set CLIENTFLOW_TEST_REDIS_URL to run them"
BPMN = Path(__file__).parent / "engine" / "bpmn"


def pg_schema_url(schema: str) -> str:
    assert PG_URL is not None
    from engine._db import normalise_url

    url = sa.make_url(normalise_url(PG_URL))
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    if not PG_URL:
        pytest.skip(NO_PG)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_schema_url("public"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clientflow.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


def make_engine(url: str, operators: OperatorRegistry | None = None) -> Engine:
    engine = Engine(Database(url), operators)
    engine.create_schema()
    return engine


def make_crm_engine(
    url: str,
    extra_operators: Mapping[str, Callable[..., Any]] | None = None,
    *,
    with_integrations: bool = False,
) -> Engine:
    """An engine over ``url`` as the app has it: every handler (and ``extra_operators``),
    the engine's and the CRM's tables (and the integrations' when asked), the CRM guard."""
    registry = OperatorRegistry()
    handlers.register(registry)
    for name, func in (extra_operators or {}).items():
        registry.add(name, func)
    engine = make_engine(url, registry)
    crm.metadata.create_all(engine.db.engine)
    if with_integrations:
        integrations.metadata.create_all(engine.db.engine)
    crm.install_guard(engine.db.engine)
    return engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.db.dispose()


def bundle(*names: str) -> dict[str, str]:
    """Files from tests/engine/bpmn as a deployable bundle."""
    return {name: (BPMN / name).read_text() for name in names}


@pytest.fixture
def no_delivery_afterwards() -> Iterator[None]:
    """No outbox delivery installed by a web app before or after: the hook is process-wide."""
    handlers.mail.set_delivery(None)
    yield
    handlers.mail.set_delivery(None)
