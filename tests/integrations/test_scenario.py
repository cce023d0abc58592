"""The issue's scenario, end to end over real HTTP signing and real SMTP.

An unknown caller rings: a lead appears in anna's inbox. A customer emails
support, gets an acknowledgement with a case number, replies "still broken" to
it, and the reply lands on the same case instance.
"""

from __future__ import annotations

import smtplib
from pathlib import Path

from engine import Engine
from integrations import Integrations
from integrations import outbox as delivery
from tests.web.hooks.conftest import make_app, post_call

from .conftest import instances_of
from .mail import email
from .servers import capturing_relay, receiver


def test_an_unknown_caller_becomes_a_lead_in_annas_inbox(engine: Engine, tmp_path: Path) -> None:
    client = make_app(engine, tmp_path).test_client()
    response = post_call(client, **{"from": "+7 (912) 000-11-22"})
    assert response.status_code == 202
    [task] = engine.tasks("anna", scope="mine")
    assert (task["process"], task["assignee"]) == ("lead_qualification", "anna")
    instance = engine.instance(task["instance_id"])
    assert "+79120001122" in str(instance)  # the number, normalised, is in the lead's data


def test_a_reply_to_the_acknowledgement_lands_on_the_same_case(
    service: Integrations, engine: Engine
) -> None:
    complaint = email(
        "My router is broken.",
        sender="Maria Ivanova <maria@example.com>",
        subject="Router broken",
    )
    with receiver(service) as port, smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(complaint)
    assert instances_of(engine, "complaint_resolution") == 1

    with capturing_relay() as (captured, relay_port):
        relay = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{relay_port}")
        assert delivery.deliver_due(engine.db, relay.send) == {"sent": 1}
    [ack] = captured.messages
    assert ack["To"] == "maria@example.com"
    case_number = ack["Subject"].split("]")[0].lstrip("[")
    assert case_number.startswith("CASE-") and case_number in ack.get_content()

    reply = email(
        "still broken\n\n-- \nMaria\n\nOn Tue, Support wrote:\n> " + ack.get_content(),
        sender="Maria Ivanova <maria@example.com>",
        subject="Re: your message",  # no case number: threading by the headers alone
        In_Reply_To=ack["Message-ID"],
        References=ack["Message-ID"],
    )
    with receiver(service) as port, smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(reply)

    assert instances_of(engine, "complaint_resolution") == 1
    [task] = engine.tasks("gleb", scope="group")
    assert (task["process"], task["task"]) == ("complaint_resolution", "read_reply")
    assert task["title"] == f"Read the reply on {case_number}"
    detail = engine.task(task["id"])
    data = detail.get("data", detail)
    assert data["reply_text"] == "still broken"
    assert data["case_number"] == case_number
