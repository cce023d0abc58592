"""mail.send and sms.send: an outbox row and a timeline entry, written in the step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import crm
from crm.models import Interaction, OutboxMessage
from engine import Engine
from handlers import mail

from .conftest import assert_recorded, count, get, incident, result, run
from .seeds import seed_case, seed_contact, seed_lead

MAIL = {"subject": "Your case CASE-900001", "body": "We are on it."}
MESSAGE_ID = re.compile(r"^<[0-9a-f]{32}@demo\.clientflow\.test>$")


def _send(engine: Engine, to: str, **params: Any) -> dict[str, Any]:
    names = [name for name in mail.SendParams().fields if name not in ("to", "subject", "body")]
    return run(engine, "send_mail", {**MAIL, **dict.fromkeys(names), "to": to, **params})


def _sms(engine: Engine, to: str, **params: Any) -> dict[str, Any]:
    names = [name for name in mail.SendSmsParams().fields if name not in ("to", "body")]
    return run(engine, "send_sms", {"body": "Your courier is on the way", **dict.fromkeys(names),
                                    "to": to, **params})  # fmt: skip


def _outbox(engine: Engine, outbox_id: int) -> OutboxMessage:
    row: OutboxMessage = get(engine, OutboxMessage, outbox_id)
    return row


@pytest.fixture
def delivered() -> Iterator[list[int]]:
    """Outbox ids handed to the delivery callback, after their step committed."""
    ids: list[int] = []
    mail.set_delivery(ids.append)
    yield ids
    mail.set_delivery(None)


def test_send_mail_queues_the_message_and_records_it_on_the_timeline(
    engine: Engine, delivered: list[int]
) -> None:
    customer_id, contact_id = seed_contact(engine, None, "anna@vega.example")
    case_id = seed_case(engine, customer_id=customer_id, contact_id=contact_id)

    outcome = _send(engine, "Anna@Vega.example", case_id=case_id, cc=["Boss@Vega.example"],
                    html="<p>We are on it.</p>",
                    attachments=[{"name": "act.pdf", "ref": "files/act.pdf"}])  # fmt: skip

    sent = result(outcome)
    assert sent["status"] == "queued" and sent["to"] == "anna@vega.example"
    assert MESSAGE_ID.match(sent["message_id"])
    assert (sent["contact_id"], sent["customer_id"]) == (contact_id, customer_id)
    row = _outbox(engine, sent["outbox_id"])
    assert (row.channel, row.recipient, row.cc) == (
        "email",
        "anna@vega.example",
        ["boss@vega.example"],
    )
    assert (row.subject, row.body_text, row.body_html) == (
        MAIL["subject"],
        MAIL["body"],
        "<p>We are on it.</p>",
    )
    assert row.attachments == [
        {"name": "act.pdf", "ref": "files/act.pdf", "content_type": "application/octet-stream"}
    ]
    assert (row.case_id, row.customer_id, row.interaction_id) == (
        case_id,
        customer_id,
        sent["interaction_id"],
    )
    assert (row.status, row.attempts, row.message_id) == ("queued", 0, sent["message_id"])
    assert row.instance_id == outcome["id"] and row.task_id
    note = get(engine, Interaction, sent["interaction_id"])
    assert (note.kind, note.direction, note.channel) == ("email", "out", "email")
    assert (note.subject, note.body, note.case_id, note.customer_id) == (
        MAIL["subject"],
        MAIL["body"],
        case_id,
        customer_id,
    )
    assert note.recipients == ["anna@vega.example", "boss@vega.example"]
    assert (note.instance_id, note.task_id) == (row.instance_id, row.task_id)
    assert_recorded(engine, outcome, OutboxMessage, row.id, "insert")
    assert_recorded(engine, outcome, Interaction, note.id, "insert")
    assert delivered == [row.id]  # fmt: skip


def test_the_message_id_takes_the_configured_domain(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(mail.DOMAIN_VARIABLE, "mail.example.org")
    seed_contact(engine, None, "anna@vega.example")

    sent = result(_send(engine, "anna@vega.example"))

    assert sent["message_id"].endswith("@mail.example.org>")


def test_mail_about_a_case_continues_its_thread(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine, None, "anna@vega.example")
    case_id = seed_case(engine, customer_id=customer_id, contact_id=contact_id)

    first = result(_send(engine, "anna@vega.example", case_id=case_id))
    second = result(_send(engine, "anna@vega.example", case_id=case_id))
    third = result(_send(engine, "anna@vega.example", case_id=case_id))

    row = _outbox(engine, third["outbox_id"])
    assert row.in_reply_to == second["message_id"]
    assert row.references == [first["message_id"], second["message_id"]]
    with engine.session() as session:
        found = crm.outbox.find_by_message_ids(session, [second["message_id"], "<x@y>"])
        assert found is not None and found.id == second["outbox_id"]


def test_explicit_threading_headers_are_kept(engine: Engine) -> None:
    seed_contact(engine, None, "anna@vega.example")

    sent = result(_send(engine, "anna@vega.example", references=["<a@x>", "<b@x>"]))

    row = _outbox(engine, sent["outbox_id"])
    assert (row.in_reply_to, row.references) == ("<b@x>", ["<a@x>", "<b@x>"])


def test_mail_to_a_leads_address_is_on_the_leads_record(engine: Engine) -> None:
    lead_id = seed_lead(engine, email="lead@orion.example")

    sent = result(_send(engine, "lead@orion.example", lead_id=lead_id))

    note = get(engine, Interaction, sent["interaction_id"])
    assert (note.lead_id, note.contact_id, note.customer_id) == (lead_id, None, None)


def test_mail_to_a_new_address_about_a_case_lands_on_the_cases_customer(engine: Engine) -> None:
    customer_id, _ = seed_contact(engine, None, "anna@vega.example")
    case_id = seed_case(engine, customer_id=customer_id)

    sent = result(_send(engine, "accounts@vega.example", case_id=case_id))

    assert (sent["customer_id"], sent["contact_id"]) == (customer_id, None)


def test_send_mail_refuses_an_address_on_no_timeline(engine: Engine) -> None:
    seed_contact(engine, None, "anna@vega.example")

    outcome = _send(engine, "stranger@example.com")

    message = incident(engine, outcome)
    assert "field 'to': stranger@example.com is not the email of any contact" in message
    assert (count(engine, Interaction), count(engine, OutboxMessage)) == (0, 0)


def test_send_mail_refuses_an_address_the_contact_does_not_have(engine: Engine) -> None:
    _, contact_id = seed_contact(engine, None, "anna@vega.example")

    outcome = _send(engine, "boris@vega.example", contact_id=contact_id)

    assert f"field 'to': boris@vega.example is not a known email of contact {contact_id}" in (
        incident(engine, outcome)
    )
    assert count(engine, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"to": "anna@"}, "field 'to': not a valid email address: 'anna@'"),
        ({"subject": ""}, "field 'subject': Length must be between 1 and 300."),
        ({"cc": ["ok@x.example", "nope"]}, "field 'cc[1]': not a valid email address: 'nope'"),
        ({"attachments": [{"name": "a.pdf"}]}, "field 'attachments[0].ref': Missing data"),
        ({"case_id": 999}, "field 'case_id': no case with id 999"),
        ({"quote_id": "x"}, "field 'quote_id': Not a valid id: 'x'."),
    ],
)
def test_send_mail_names_the_bad_parameter(
    engine: Engine, params: dict[str, Any], expected: str
) -> None:
    seed_contact(engine, None, "anna@vega.example")

    outcome = _send(engine, **{"to": "anna@vega.example", **params})

    assert expected in incident(engine, outcome)
    assert (count(engine, Interaction), count(engine, OutboxMessage)) == (0, 0)


def test_send_sms_queues_a_text_to_the_contacts_phone(engine: Engine) -> None:
    customer_id, contact_id = seed_contact(engine, "+79215550102")

    outcome = _sms(engine, "8 921 555 01 02")

    sent = result(outcome)
    row = _outbox(engine, sent["outbox_id"])
    assert (row.channel, row.recipient, row.subject) == ("sms", "+79215550102", None)
    assert (row.contact_id, row.customer_id) == (contact_id, customer_id)
    note = get(engine, Interaction, sent["interaction_id"])
    assert (note.kind, note.channel, note.recipients) == ("sms", "sms", ["+79215550102"])
    assert_recorded(engine, outcome, OutboxMessage, row.id, "insert")


def test_send_sms_refuses_a_bad_number(engine: Engine) -> None:
    outcome = _sms(engine, "12")

    assert "field 'to': not a valid phone number: '12'" in incident(engine, outcome)
    assert count(engine, OutboxMessage) == 0


def test_a_delivery_worker_marks_the_message_and_the_history_says_so(engine: Engine) -> None:
    seed_contact(engine, None, "anna@vega.example")
    outcome = _send(engine, "anna@vega.example")
    sent = result(outcome)

    with engine.db.session() as session:
        [due] = crm.outbox.queued(session, limit=10)
        crm.outbox.mark_sent(session, due.id, crm.base.utcnow(), provider_id="smtp-1")

    row = _outbox(engine, sent["outbox_id"])
    assert (row.status, row.attempts, row.provider_id) == ("sent", 1, "smtp-1")
    with engine.session() as session:
        latest = crm.history(session, OutboxMessage, row.id)[0]
        assert (latest.action, latest.instance_id, latest.username) == (
            "update",
            outcome["id"],
            crm.outbox.DELIVERY_USER,
        )
        assert latest.changes["status"] == {"old": "queued", "new": "sent"}
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
