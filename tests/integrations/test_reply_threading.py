"""An emailed reply to a quote reaches its deal, and is on the customer's timeline once.

On the shipped ``deal_approval`` (deployed as ``clientflow deploy`` reads it): a
deal's quote is emailed through the outbox; while the owner revises it at the
customer's request, or follows it up after it expired, the customer answers by
email through our SMTP receiver. The mailbox logs the email, and the process
puts the reply on the deal (``crm.log_interaction``) with the email's
``external_id`` (``reply_external_id`` in the ``quote_reply`` payload), so the
timeline shows it once, linked to the deal.

A reply that kept only its threading headers reaches the deal too: the quote
email names the deal, whose newest open quote the reply answers.

A lead that wrote to the sales address is acknowledged by ``lead_qualification``
with an outbox message about the lead (``lead_id``); the customer's answer to it
(``In-Reply-To`` that message) reaches the lead as ``lead_reply``: the owner is
shown it and the email is logged once, linked to the lead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa

import crm
from clientflow_cli.commands.demo import load_organisation
from crm.models import Deal, Direction, Interaction, Lead
from engine import Engine, ManualClock, using_clock
from integrations import Integrations
from integrations import outbox as delivery
from tests.conftest import make_crm_engine
from tests.processes._deals import converted_deal, quotes, set_up_sales, start
from tests.processes._support import complete, get, task

from .conftest import claims
from .mail import email
from .servers import capturing_relay
from .test_scenario import send

IVAN = "Ivan Petrov <ivan@vega.example>"  # the contact of the converted lead


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The engine's clock in this thread, standing at the real time until moved."""
    manual = ManualClock(datetime.now(UTC))
    with using_clock(manual):
        yield manual


@pytest.fixture
def engine(db_url: str, clock: ManualClock) -> Iterator[Engine]:
    """The demo organisation with the shipped lead_qualification and deal_approval."""
    eng = make_crm_engine(db_url, with_integrations=True)
    load_organisation(eng)
    set_up_sales(eng)  # anna sells, boris manages her, dmitry directs him
    yield eng
    eng.db.dispose()


def emailed_quote(engine: Engine, deal_id: int, **start_data: Any) -> tuple[str, EmailMessage]:
    """deal_approval started on the deal; its quote delivered: (instance id, the email)."""
    iid = str(start(engine, deal_id, **start_data)["id"])
    with capturing_relay() as (captured, port):
        relay = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{port}")
        assert delivery.deliver_due(engine.db, relay.send) == {"sent": 1}
    [quote_email] = captured.messages
    return iid, quote_email


def inbound_emails(engine: Engine, customer_id: int) -> list[dict[str, Any]]:
    """The inbound emails on the customer card's timeline, oldest first."""
    with engine.session() as session:
        card = crm.customer_card(session, customer_id)
    items = card["timeline"]["items"]
    return [i for i in reversed(items) if i["direction"] == Direction.INBOUND]


def quote_being_worked(
    engine: Engine, clock: ManualClock, wait: str
) -> tuple[Deal, str, str, EmailMessage]:
    """A deal whose quote was emailed and is now in anna's hands, the task ``wait`` open:
    ``revise`` (the customer asked for changes by phone) or ``followup`` (it expired
    unanswered). Returns the deal, the instance id, the quote number and the quote email."""
    deal_id = converted_deal(engine)
    iid, quote_email = emailed_quote(engine, deal_id, valid_days=10)
    [quote] = quotes(engine, deal_id)
    assert quote.number.startswith("Q-") and quote.status == "sent"
    assert quote_email["To"] == "ivan@vega.example"
    assert quote_email["From"] == "sales@demo.clientflow.test"  # sales mail, sales' address
    assert quote_email["Subject"] == f"Commercial offer {quote.number}"
    if wait == "revise":
        changes = {"customer_decision": "changes", "customer_comment": "12 seats, please"}
        complete(engine, iid, "customer_decision", changes, "anna")
    else:
        clock.advance(days=10, minutes=1)  # the receiver's thread keeps the real time
        assert engine.fire_due_timers() == 1
    assert task(engine, iid, wait)["assignee"] == "anna"
    return get(engine, Deal, deal_id), iid, quote.number, quote_email


def press_reply(service: Integrations, quote_email: EmailMessage, body: str, mid: str) -> None:
    """The customer answers the quote email: threading headers, its subject with "Re: "."""
    send(
        service,
        email(
            body + "\n\nOn Mon, Sales wrote:\n> " + quote_email.get_content(),
            sender=IVAN,
            to=quote_email["From"],
            subject=f"Re: {quote_email['Subject']}",
            message_id=mid,
            In_Reply_To=quote_email["Message-ID"],
            References=quote_email["Message-ID"],
        ),
    )


@pytest.mark.parametrize("wait", ["revise", "followup"])
def test_an_emailed_quote_reply_reaches_the_deal_and_is_on_the_timeline_once(
    service: Integrations, engine: Engine, clock: ManualClock, wait: str
) -> None:
    deal, iid, number, quote_email = quote_being_worked(engine, clock, wait)
    working = task(engine, iid, wait)

    press_reply(service, quote_email, "Can we have it before May?", "<quote-reply-1@vega.example>")
    send(  # a mail client that drops the headers: the quote number in the subject threads it
        service,
        email(
            "And a 5 % discount.",
            sender="ivan@vega.example",
            to=quote_email["From"],
            subject=f"Re: {number}",
            message_id="<quote-reply-2@vega.example>",
        ),
    )

    replies = [o for k, o in claims(engine).items() if k.endswith(":reply")]
    assert [(r["outcome"], r["instance_id"]) for r in replies] == [("delivered", iid)] * 2
    assert task(engine, iid, wait)["id"] == working["id"]  # the owner's work goes on
    wrote = [t for t in engine.tasks("anna", scope="mine") if t["task"] == f"review_{wait}_reply"]
    assert [(t["instance_id"], t["title"]) for t in wrote] == [
        (iid, f"Customer wrote about quote {number}")
    ] * 2
    texts = sorted(engine.task(t["id"])["data"]["reply_text"] for t in wrote)
    assert texts == ["And a 5 % discount.", "Can we have it before May?"]
    assert [h["action"] for h in engine.instance(iid)["history"]].count("message") == 2

    emails = inbound_emails(engine, deal.customer_id)
    assert [i["external_id"] for i in emails] == [  # each once: no note beside the email
        "email:quote-reply-1@vega.example",
        "email:quote-reply-2@vega.example",
    ]
    assert [(i["deal_id"], i["contact_id"], i["case_id"]) for i in emails] == [
        (deal.id, deal.contact_id, None)  # the deal's step put the mailbox's copy on the deal
    ] * 2
    assert [i["body"] for i in emails] == ["Can we have it before May?", "And a 5 % discount."]
    assert [i["subject"] for i in emails] == [  # the email as the mailbox logged it
        f"Re: Commercial offer {number}",
        f"Re: {number}",
    ]
    assert [i["sender"] for i in emails] == ["ivan@vega.example"] * 2
    assert [i["recipients"] for i in emails] == [[quote_email["From"]]] * 2


def test_the_merged_reply_names_the_deal_instance_that_noted_it(
    service: Integrations, engine: Engine, clock: ManualClock
) -> None:
    deal, iid, _number, quote_email = quote_being_worked(engine, clock, "revise")

    press_reply(service, quote_email, "Noted, thanks.", "<quote-reply-3@vega.example>")

    [reply] = inbound_emails(engine, deal.customer_id)
    assert (reply["external_id"], reply["deal_id"]) == ("email:quote-reply-3@vega.example", deal.id)
    assert reply["instance_id"] == iid


def test_a_reply_by_its_headers_alone_reaches_the_deal_not_a_new_complaint(
    service: Integrations, engine: Engine, clock: ManualClock
) -> None:
    deal, iid, number, quote_email = quote_being_worked(engine, clock, "revise")

    send(  # the subject lost the quote number; In-Reply-To names the quote email
        service,
        email(
            "Fine by us.",
            sender=IVAN,
            to=quote_email["From"],
            subject="Re: your offer",
            message_id="<quote-reply-4@vega.example>",
            In_Reply_To=quote_email["Message-ID"],
        ),
    )

    [reply] = [o for k, o in claims(engine).items() if k.endswith(":reply")]
    assert (reply["outcome"], reply["instance_id"]) == ("delivered", iid)
    assert not [k for k in claims(engine) if k.endswith(":start")]  # no complaint, no lead
    [email_row] = inbound_emails(engine, deal.customer_id)
    assert (email_row["deal_id"], email_row["instance_id"]) == (deal.id, iid)
    assert number in engine.task(task(engine, iid, "review_revise_reply")["id"])["title"]


def test_a_reply_naming_the_quote_a_revision_replaced_reaches_the_revised_one(
    service: Integrations, engine: Engine, clock: ManualClock
) -> None:
    deal, iid, old_number, quote_email = quote_being_worked(engine, clock, "revise")
    revised = {"lines": [{"sku": "CRM-SEAT", "qty": 12}], "revision_comment": "12 seats"}
    complete(engine, iid, "revise", revised, "anna")
    first, second = quotes(engine, deal.id)
    assert (first.number, second.status) == (old_number, "sent") and first.status != "sent"

    send(  # the customer answers the first email, which names the old quote
        service,
        email(
            "Looks good now.",
            sender=IVAN,
            to=quote_email["From"],
            subject=f"Re: {old_number}",
            message_id="<quote-reply-5@vega.example>",
        ),
    )

    [reply] = [o for k, o in claims(engine).items() if k.endswith(":reply")]
    assert (reply["outcome"], reply["instance_id"]) == ("delivered", iid)
    assert not [k for k in claims(engine) if k.endswith(":start")]
    [email_row] = inbound_emails(engine, deal.customer_id)
    assert (email_row["deal_id"], email_row["instance_id"]) == (deal.id, iid)


PETR = "Petr Sokolov <petr@orion.example>"  # nobody the CRM knows


def test_an_emailed_lead_is_acknowledged_and_its_reply_reaches_the_lead(
    service: Integrations, engine: Engine
) -> None:
    send(
        service,
        email(
            "We need CRM seats for 20 shops.",
            sender=PETR,
            to="sales@demo.clientflow.test",
            subject="20 seats",
            message_id="<lead-1@orion.example>",
        ),
    )
    [first] = engine.tasks("anna", scope="mine")
    assert (first["process"], first["task"]) == ("lead_qualification", "first_contact")
    iid = first["instance_id"]
    lead_id = engine.instance(iid)["data"]["lead_id"]
    lead = get(engine, Lead, lead_id)
    assert (lead.source, lead.email, lead.owner) == ("email", "petr@orion.example", "anna")

    with capturing_relay() as (captured, port):
        relay = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{port}")
        assert delivery.deliver_due(engine.db, relay.send) == {"sent": 1}
    [ack] = captured.messages
    assert ack["To"] == "petr@orion.example"
    assert ack["Subject"] == "Re: 20 seats"
    assert "anna will contact you shortly" in ack.get_content()

    send(  # the customer answers the acknowledgement: its Message-ID threads the reply
        service,
        email(
            "Also: can you call after 3 pm?\n\n> " + ack.get_content(),
            sender=PETR,
            to=ack["From"],
            subject=f"Re: {ack['Subject']}",
            message_id="<lead-reply-1@orion.example>",
            In_Reply_To=ack["Message-ID"],
            References=ack["Message-ID"],
        ),
    )

    replies = [o for k, o in claims(engine).items() if k.endswith(":reply")]
    assert [(r["outcome"], r["instance_id"]) for r in replies] == [("delivered", iid)]
    starts = [k for k in claims(engine) if k.endswith(":start")]
    assert starts == ["email:lead-1@orion.example:start"]  # the reply opened no second lead
    assert task(engine, iid, "first_contact")["id"] == first["id"]  # the contact task goes on
    [wrote] = [t for t in engine.tasks("anna", scope="mine") if t["task"] == "review_lead_reply"]
    assert (wrote["instance_id"], wrote["title"]) == (iid, "Petr Sokolov wrote back")
    assert engine.task(wrote["id"])["data"]["reply_text"] == "Also: can you call after 3 pm?"

    with engine.session() as session:
        inbound = session.scalars(
            sa.select(Interaction)
            .where(Interaction.direction == Direction.INBOUND)
            .order_by(Interaction.id)
        ).all()
        logged = [(i.external_id, i.subject, i.sender) for i in inbound]
        [reply] = [i for i in inbound if i.external_id == "email:lead-reply-1@orion.example"]
        linked = (reply.lead_id, reply.instance_id, reply.body)
    assert logged == [  # each email once: the lead's step linked the mailbox's copy, no note
        ("email:lead-1@orion.example", "20 seats", "petr@orion.example"),
        ("email:lead-reply-1@orion.example", "Re: Re: 20 seats", "petr@orion.example"),
    ]
    assert linked == (lead_id, iid, "Also: can you call after 3 pm?")  # the lead's step owns it
