"""The email that opens a complaint is on the case it opened, on the shipped processes.

A known sender's complaint opens its case at once; an unknown sender's waits for
an agent to link the customer, and its first email joins the case when it opens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import crm
from clientflow_cli.commands.demo import load_organisation
from crm.models import Case, Interaction
from engine import Engine
from engine._deploy import read_bundle
from integrations import Integrations, email_event, parse_email
from tests.conftest import make_crm_engine
from tests.web.api.world import cheap_hashing

from .mail import email
from .test_scenario import PROCESSES, add_customer


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The demo organisation with the shipped complaint process."""
    eng = make_crm_engine(db_url, with_integrations=True)
    with cheap_hashing():
        load_organisation(eng)
    eng.deploy(read_bundle(PROCESSES / "complaint_resolution"), user="olga")
    yield eng
    eng.db.dispose()


def mail(service: Integrations, **fields: Any) -> str:
    """Email support; the external id its interaction has."""
    message_id = f"<{uuid.uuid4().hex}@example.com>"
    raw = email(message_id=message_id, **fields).as_bytes()
    service.ingest(email_event(parse_email(raw), raw, via="smtp"))
    return f"email:{message_id.strip('<>')}"


def logged(engine: Engine, external_id: str) -> Interaction:
    with engine.session() as session:
        query = sa.select(Interaction).where(Interaction.external_id == external_id)
        found = session.scalars(query).one()
        session.expunge(found)
        return found


def the_case(engine: Engine, instance: dict[str, Any]) -> Case:
    with engine.session() as session:
        case = session.get(Case, instance["data"]["case_id"])
        assert case is not None
        session.expunge(case)
        return case


def complaint(engine: Engine) -> dict[str, Any]:
    [item] = [t for t in engine.tasks(None, scope="all") if t["process"] == "complaint_resolution"]
    return engine.instance(item["instance_id"])


def test_a_known_senders_first_email_is_on_the_case_it_opened(
    service: Integrations, engine: Engine
) -> None:
    maria = add_customer(engine)
    opening = mail(service, sender="Maria Orlova <maria@example.com>", subject="Router broken",
                   body="My router is broken.")  # fmt: skip
    instance = complaint(engine)
    case = the_case(engine, instance)
    first = logged(engine, opening)
    assert (first.case_id, first.customer_id, first.contact_id) == (
        case.id, maria["customer_id"], maria["contact_id"]
    )  # fmt: skip
    assert first.instance_id == instance["id"]  # the email belongs to the complaint it opened
    assert (first.subject, first.direction) == ("Router broken", "in")
    with engine.session() as session:
        card = crm.customer_card(session, maria["customer_id"])
    on_case = [i["external_id"] for i in card["timeline"]["items"] if i["case_id"] == case.id]
    assert opening in on_case


def test_an_unknown_senders_first_email_joins_the_case_once_an_agent_links_the_customer(
    service: Integrations, engine: Engine
) -> None:
    maria = add_customer(engine)
    opening = mail(service, sender="Boss <boss@orion.example>", subject="Nothing works",
                   body="Nothing works since Monday.")  # fmt: skip
    [identify] = [t for t in engine.tasks(None, scope="all") if t["task"] == "identify"]
    before = logged(engine, opening)
    assert (before.case_id, before.customer_id) == (None, None)  # no case, no customer yet
    assert before.instance_id == identify["instance_id"]

    done = engine.complete_task(
        identify["id"],
        {"customer_id": maria["customer_id"], "contact_id": maria["contact_id"]},
        user=identify["assignee"] or "gleb",
    )
    assert done["status"] == "running", done.get("incident")
    case = the_case(engine, engine.instance(identify["instance_id"]))
    after = logged(engine, opening)
    assert (after.case_id, after.customer_id, after.contact_id) == (
        case.id, maria["customer_id"], maria["contact_id"]
    )  # fmt: skip
    assert (after.subject, after.sender) == ("Nothing works", "boss@orion.example")
