"""lead_qualification acknowledges a lead that wrote to the sales address.

The acknowledgement is an outbox message about the lead (``lead_id``), so the
customer's answer to it threads back to the lead as ``lead_reply``. Leads from
other channels, and an email lead without an address, get no email.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from clientflow_cli.demo_seed.sales import set_up_team
from crm.models import OutboxMessage
from engine import Engine

from ._support import rows, task
from .conftest import deploy_process

KEY = "lead_qualification"


@pytest.fixture
def engine(crm_engine: Engine) -> Iterator[Engine]:
    """Demo organisation, anna in the Moscow sales team, the process deployed."""
    set_up_team(crm_engine)
    deploy_process(crm_engine, KEY)
    yield crm_engine


def start(engine: Engine, data: dict[str, Any]) -> dict[str, Any]:
    outcome = engine.start(KEY, data, user="olga")
    assert outcome["status"] == "running", outcome["incident"]
    return outcome


def outbox(engine: Engine) -> list[OutboxMessage]:
    return list(rows(engine, sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_email_lead_is_acknowledged_with_a_message_about_the_lead(engine: Engine) -> None:
    lead = start(
        engine,
        {
            "channel": "email",
            "email": "petr@orion.example",
            "first_name": "Petr",
            "subject": "20 seats for our shops",
        },
    )
    lead_id = lead["data"]["lead_id"]
    first = task(engine, lead["id"], "first_contact")

    [ack] = outbox(engine)
    assert (ack.recipient, ack.lead_id) == ("petr@orion.example", lead_id)
    assert ack.subject == "Re: 20 seats for our shops"
    assert ack.body_text == "Thank you for your message — anna will contact you shortly."
    assert ack.instance_id == lead["id"] and ack.message_id
    assert first["assignee"] == "anna"  # the acknowledgement does not hold the lead up


def test_an_email_lead_without_a_subject_gets_your_enquiry(engine: Engine) -> None:
    lead = start(engine, {"channel": "email", "email": "olga@mira.example"})

    [ack] = outbox(engine)
    assert (ack.recipient, ack.lead_id) == ("olga@mira.example", lead["data"]["lead_id"])
    assert ack.subject == "Your enquiry"


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "phone", "phone": "+7 912 000-11-22", "email": "known@orion.example"},
        {"channel": "web", "email": "ivan@vega.example", "subject": "Hello"},
        {"channel": "email", "phone": "+7 912 000-33-44"},
    ],
    ids=["phone", "web", "email-without-address"],
)
def test_other_leads_get_no_email(engine: Engine, data: dict[str, Any]) -> None:
    lead = start(engine, data)

    assert task(engine, lead["id"], "first_contact")["assignee"] == "anna"
    assert outbox(engine) == []
