"""A small living organisation for the web tests: demo users, processes, tasks, a customer.

Everything is built through public APIs: the demo organisation loader, the
engine's deploy/start, and handlers running inside steps (the CRM refuses
writes outside them). ``build_world`` is shared by the API tests, the
permission matrix and the schemathesis run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

import engine._identity as identity
from clientflow_cli.commands.demo import USERS, load_organisation
from engine import Engine, issue_token
from tests.conftest import make_crm_engine
from web import create_app

HERE = Path(__file__).parent / "bpmn"
ENGINE_BPMN = Path(__file__).parents[2] / "engine" / "bpmn"
DEMO_USERS = tuple(USERS)  # anna, boris, vera, gleb, dina, egor, olga


def files(folder: Path, *names: str) -> dict[str, str]:
    return {name: (folder / name).read_text() for name in names}


def make_engine(url: str) -> Engine:
    """An engine with every handler, the engine's, the CRM's and the integrations' tables,
    and the CRM guard."""
    return make_crm_engine(url, with_integrations=True)


@contextmanager
def cheap_hashing() -> Iterator[None]:
    """Argon2 with test-sized costs while the demo users are created (seconds -> milliseconds).

    Verification reads the costs from each hash, so logins stay real Argon2 checks.
    """
    kept = identity._hasher
    identity._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        identity._hasher = kept


@dataclass
class World:
    engine: Engine
    tokens: dict[str, str]
    customer_id: int
    call_task: str  # open, in the sales queue, about the customer
    call_instance: str
    enter_task: str  # open, assigned to anna
    enter_instance: str
    incident_instance: str  # stopped on a script error (divisor 0)
    extra: dict[str, Any] = field(default_factory=dict)

    def app(self) -> Any:
        return create_app(self.engine, {"TESTING": True})

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def deploy_all(engine: Engine) -> None:
    engine.deploy(files(ENGINE_BPMN, "simple.bpmn", "enter.json", "approve.json"), user="olga")
    engine.deploy(files(ENGINE_BPMN, "reply.bpmn"), user="olga")
    engine.deploy(files(HERE, "customer_call.bpmn", "call.json"), user="olga")
    engine.deploy(files(HERE, "fragile.bpmn"), user="olga")


def start_call(engine: Engine, company: str = "Vega LLC", phone: str = "+79215550102") -> str:
    """Start ``customer_call``: a lead converted to a customer and a deal, then a call task."""
    started = engine.start(
        "customer_call",
        {"company": company, "first_name": "Ivan", "phone": phone, "amount": 1200},
        user="anna",
    )
    assert started["status"] == "running", started
    return str(started["id"])


def build_world(url: str) -> World:
    engine = make_engine(url)
    with cheap_hashing():
        load_organisation(engine)
    deploy_all(engine)
    call_instance = start_call(engine)
    [call] = [t for t in engine.tasks(None, scope="all") if t["instance_id"] == call_instance]
    enter = engine.start("simple", {"company": "Orion", "owner": "anna"}, user="anna")
    [enter_task] = engine.tasks("anna", scope="mine")
    broken = engine.start("fragile", {"divisor": 0}, user="gleb")
    assert broken["status"] == "incident", broken
    return World(
        engine=engine,
        tokens={name: issue_token(engine, name) for name in DEMO_USERS},
        customer_id=int(call["customer_id"]),
        call_task=call["id"],
        call_instance=call_instance,
        enter_task=enter_task["id"],
        enter_instance=str(enter["id"]),
        incident_instance=str(broken["id"]),
    )
