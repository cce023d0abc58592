"""The issue's scenario, end to end over real HTTP signing and real SMTP, on the shipped processes.

An unknown caller rings: a lead appears in anna's inbox. A customer emails
support, gets an acknowledgement with a case number, replies "still broken" to
it, and the reply lands on the same case instance, once on the case's timeline.

Unlike the other integration tests (stand-in processes under ``bpmn/``), this
one deploys ``processes/lead_qualification`` and ``processes/complaint_resolution``
as ``clientflow deploy`` reads them, on the demo organisation of ``clientflow demo``.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import crm
from clientflow_cli.commands.demo import load_organisation
from clientflow_cli.demo_seed import service as service_seed
from clientflow_cli.demo_seed.sales import set_up_team
from crm.models import Case, CaseStatus, Direction, Lead
from engine import Engine
from engine._deploy import read_bundle
from integrations import Integrations
from integrations import outbox as delivery
from tests.conftest import make_crm_engine
from tests.web.hooks.conftest import make_app, post_call

from .conftest import claims, instances_of
from .mail import email
from .servers import capturing_relay, receiver

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
MARIA = {
    "company": "Orion Stores JSC",
    "first_name": "Maria",
    "last_name": "Orlova",
    "abc_class": "B",
    "email": "maria@example.com",
    "phone": None,
    "segment": "retail",
    "territory": "msk",
}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The demo organisation with the shipped processes (overrides the stand-ins' engine)."""
    eng = make_crm_engine(db_url, with_integrations=True)
    load_organisation(eng)
    set_up_team(eng)  # anna's employee profile: sales, Moscow
    for name in ("lead_qualification", "complaint_resolution"):
        eng.deploy(read_bundle(PROCESSES / name), user="olga")
    yield eng
    eng.db.dispose()


def add_customer(engine: Engine) -> dict[str, Any]:
    """Maria's company and contact, made by the demo's setup process as production makes them."""
    engine.deploy({service_seed.SETUP_BPMN.name: service_seed.SETUP_BPMN.read_text()}, "olga")
    outcome = engine.start(service_seed.SETUP_KEY, MARIA, user="olga")
    assert outcome["status"] == "completed", outcome["incident"]
    contact: dict[str, Any] = outcome["data"]["contact"]
    return contact


def send(service: Integrations, message: EmailMessage) -> None:
    with receiver(service) as port, smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message)


def test_an_unknown_caller_becomes_a_lead_in_annas_inbox(engine: Engine, tmp_path: Path) -> None:
    client = make_app(engine, tmp_path).test_client()

    response = post_call(client, **{"from": "+7 (912) 000-11-22"})

    assert response.status_code == 202
    [task] = engine.tasks("anna", scope="mine")
    assert (task["process"], task["task"], task["assignee"]) == (
        "lead_qualification",
        "first_contact",
        "anna",
    )
    assert task["title"] == "First contact: +79120001122"
    lead_id = engine.instance(task["instance_id"])["data"]["lead_id"]
    with engine.session() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        assert (lead.source, lead.owner) == ("phone", "anna")


def test_a_reply_to_the_acknowledgement_lands_on_the_same_case(
    service: Integrations, engine: Engine
) -> None:
    maria = add_customer(engine)
    send(
        service,
        email("My router is broken.", sender="Maria Orlova <maria@example.com>", subject="Router"),
    )
    assert instances_of(engine, "complaint_resolution") == 1
    [respond] = engine.tasks("gleb", scope="mine")  # gleb is the demo's support agent
    assert (respond["process"], respond["task"]) == ("complaint_resolution", "respond")
    iid = respond["instance_id"]
    complaint = engine.instance(iid)["data"]
    case_number = complaint["case_number"]
    assert (complaint["customer_id"], complaint["contact_id"]) == (
        maria["customer_id"],
        maria["contact_id"],
    )

    with capturing_relay() as (captured, relay_port):
        relay = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{relay_port}")
        assert delivery.deliver_due(engine.db, relay.send) == {"sent": 1}
    [ack] = captured.messages
    assert (ack["To"], ack["From"]) == ("maria@example.com", "support@demo.clientflow.test")
    assert ack["Subject"] == f"[{case_number}] We have received your complaint"
    assert case_number.startswith("CASE-") and case_number in ack.get_content()

    send(
        service,
        email(
            "still broken\n\n-- \nMaria\n\nOn Tue, Support wrote:\n> " + ack.get_content(),
            sender="Maria Orlova <maria@example.com>",
            subject="Re: your message",  # no case number: threading by the headers alone
            message_id="<reply-1@example.com>",
            In_Reply_To=ack["Message-ID"],
            References=ack["Message-ID"],
        ),
    )
    send(  # a mail client that drops the headers: the case number in the subject threads it
        service,
        email(
            "The lights are red now.",
            sender="maria@example.com",
            subject=f"Re: [{case_number}] We have received your complaint",
            message_id="<reply-2@example.com>",
            attachments=[("lights.pdf", b"%PDF-1.4 red")],
        ),
    )

    assert instances_of(engine, "complaint_resolution") == 1
    replies = [o for k, o in claims(engine).items() if k.endswith(":reply")]
    assert [(r["outcome"], r["instance_id"]) for r in replies] == [("delivered", iid)] * 2
    assert engine.tasks("gleb", scope="mine") == [respond]  # the first response is not interrupted
    reviews = [
        t for t in engine.tasks("gleb", scope="group") if t["task"] == "review_respond_reply"
    ]
    assert [(t["instance_id"], t["title"]) for t in reviews] == [
        (iid, f"Orion Stores JSC wrote about {case_number}")
    ] * 2
    texts = sorted(engine.task(t["id"])["data"]["reply_text"] for t in reviews)
    assert texts == ["The lights are red now.", "still broken"]
    with engine.session() as session:
        case = session.scalar(sa.select(Case).where(Case.number == case_number))
        assert case is not None and case.status == CaseStatus.NEW
        card = crm.customer_card(session, maria["customer_id"])
    emails = [i for i in card["timeline"]["items"] if i["direction"] == Direction.INBOUND]
    by_id = {i["external_id"]: i for i in emails}
    assert len(emails) == len(by_id) == 3  # the complaint and two replies: each once
    replies = [by_id["email:reply-1@example.com"], by_id["email:reply-2@example.com"]]
    assert [(i["case_id"], i["instance_id"], i["contact_id"]) for i in replies] == [
        (case.id, iid, maria["contact_id"])  # linked to the case by its own instance
    ] * 2
    assert replies[0]["body"] == "still broken"
    assert replies[1]["body"].startswith("The lights are red now.\n\nAttachments: lights.pdf")
    assert [i["subject"] for i in replies] == [  # the email as the mailbox logged it
        "Re: your message",
        f"Re: [{case_number}] We have received your complaint",
    ]
    assert [i["recipients"] for i in replies] == [["support@demo.clientflow.test"]] * 2
    history = [h["action"] for h in engine.instance(iid)["history"]]
    assert history.count("message") == 2
