"""Fixtures of the integration tests: an engine with handlers and the integration tables.

Processes are test stand-ins under ``bpmn/`` with the keys, messages and
correlation keys the rules name (``lead_qualification``, ``complaint_resolution``
waiting for ``customer_reply``/``customer_call`` by ``case_number``), so the tests
do not depend on the shipped processes' details. CRM data is built through
process steps (``crm.find_or_create_contact``), never by writing tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from engine import Engine, add_group, add_user
from integrations import Integrations
from integrations.models import IntegrationAction, IntegrationEvent
from tests.conftest import make_crm_engine

BPMN = Path(__file__).parent / "bpmn"
SECRET = "test-hook-secret"
TWILIO_TOKEN = "test-twilio-token"


def build_engine(url: str) -> Engine:
    engine = make_crm_engine(url, with_integrations=True)
    add_group(engine, "sales")
    add_group(engine, "support")
    add_user(engine, "anna", groups=["sales"])
    add_user(engine, "gleb", groups=["support"])
    for name in ("seed_contact", "lead_qualification", "complaint_resolution"):
        engine.deploy({f"{name}.bpmn": (BPMN / f"{name}.bpmn").read_text()})
    return engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = build_engine(db_url)
    yield eng
    eng.db.dispose()


@pytest.fixture
def service(engine: Engine, tmp_path: Path) -> Integrations:
    return Integrations(
        engine,
        hook_secret=SECRET,
        twilio_auth_token=TWILIO_TOKEN,
        attachments_dir=tmp_path / "attachments",
    )


def seed_contact(engine: Engine, **data: Any) -> dict[str, Any]:
    """A customer and contact made by a process step, as production makes them."""
    outcome = engine.start("t_seed_contact", {"first_name": None, "phone": None, "email": None,
                                              "company": None, **data}, "olga")  # fmt: skip
    assert outcome["status"] == "completed", outcome["incident"]
    result: dict[str, Any] = outcome["data"]["result"]
    return result


def open_complaint(engine: Engine, email: str) -> dict[str, Any]:
    """A complaint instance waiting for the customer, with its case number."""
    outcome = engine.start(
        "complaint_resolution",
        {"email": email, "name": "Ivan", "subject": "Broken", "description": "It broke"},
        "gleb",
    )
    assert outcome["status"] == "running", outcome["incident"]
    return outcome


def count(engine: Engine, model: Any, *where: Any) -> int:
    with engine.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)))


def events(engine: Engine) -> list[IntegrationEvent]:
    with engine.session() as session:
        return list(session.scalars(sa.select(IntegrationEvent).order_by(IntegrationEvent.id)))


def claims(engine: Engine) -> dict[str, Any]:
    with engine.session() as session:
        return {a.key: a.outcome for a in session.scalars(sa.select(IntegrationAction))}


def instances_of(engine: Engine, key: str) -> int:
    from engine.models import Instance

    return count(engine, Instance, Instance.process_key == key)
