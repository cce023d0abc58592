"""Where PostgreSQL can, instance states are compressed with lz4 rather than pglz."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.models.instance import lz4_available
from tests.conftest import make_engine

STATE_COMPRESSION = (
    "SELECT attcompression FROM pg_attribute "
    "WHERE attrelid = 'process_instance'::regclass AND attname = 'state'"
)


def state_compression(engine: Engine) -> str:
    with engine.db.engine.connect() as conn:
        return str(conn.exec_driver_sql(STATE_COMPRESSION).scalar())


def test_a_new_schema_stores_states_with_lz4(pg_url: str) -> None:
    engine = make_engine(pg_url)
    with engine.db.engine.connect() as conn:
        if not lz4_available(conn):
            pytest.skip("this PostgreSQL is older than 14 or built without lz4")
    assert state_compression(engine) == "l"
    engine.db.dispose()


def test_sqlite_is_left_as_it_is(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.sqlite")
    with engine.db.engine.connect() as conn:
        assert not lz4_available(conn)
    engine.db.dispose()
