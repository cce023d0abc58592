"""mail.send: until the CRM has an outbox, an email is recorded on the timeline, not sent."""

from __future__ import annotations

from typing import Any

from crm.models import Interaction
from engine import Engine

from .conftest import assert_recorded, count, get, incident, result, run
from .seeds import seed_case, seed_contact

MAIL = {"subject": "Your case CASE-000001", "body": "We are on it."}


def _send(engine: Engine, to: str, case_id: int | None = None) -> dict[str, Any]:
    return run(engine, "send_mail", {**MAIL, "to": to, "case_id": case_id})


def test_send_mail_records_an_outbound_email_to_the_contact(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine, None, "anna@vega.example")
    case_id = seed_case(engine, customer_id=customer_id, contact_id=contact_id)

    outcome = _send(engine, "Anna@Vega.example", case_id)

    sent = result(outcome)
    assert sent["status"] == "recorded" and sent["to"] == "anna@vega.example"
    assert (sent["contact_id"], sent["customer_id"]) == (contact_id, customer_id)
    row = get(engine, Interaction, sent["interaction_id"])
    assert (row.kind, row.direction, row.channel) == ("email", "out", "email")
    assert (row.subject, row.body, row.case_id) == (MAIL["subject"], MAIL["body"], case_id)
    assert_recorded(engine, outcome, Interaction, row.id, "insert")


def test_send_mail_refuses_an_address_no_contact_has(engine: Engine) -> None:
    seed_contact(engine, None, "anna@vega.example")

    outcome = _send(engine, "stranger@example.com")

    assert "field 'to': stranger@example.com is not the email of any contact" in incident(
        engine, outcome
    )
    assert count(engine, Interaction) == 0


def test_send_mail_refuses_a_malformed_address(engine: Engine) -> None:
    outcome = _send(engine, "anna@")

    assert "field 'to': not a valid email address: 'anna@'" in incident(engine, outcome)
    assert count(engine, Interaction) == 0
