"""Mail through real SMTP: smtplib to our receiver; the outbox to a relay, threaded back."""

from __future__ import annotations

import smtplib

import pytest
import sqlalchemy as sa

from crm.models import OutboxMessage
from engine import Engine
from integrations import Integrations
from integrations import outbox as delivery
from integrations.models import EventStatus

from .conftest import events, instances_of, open_complaint, seed_contact
from .mail import email
from .servers import capturing_relay, free_port, receiver


def test_smtplib_to_our_receiver_journals_and_opens_a_complaint(
    service: Integrations, engine: Engine
) -> None:
    msg = email("My order never came.", attachments=[("photo.pdf", b"%PDF fake")])
    with receiver(service) as port, smtplib.SMTP("127.0.0.1", port) as smtp:
        refused = smtp.send_message(msg)
        smtp.send_message(msg)  # the sending server retries: the same Message-ID
    assert refused == {}
    [event] = events(engine)
    assert (event.source, event.via, event.status) == ("email", "smtp", EventStatus.PROCESSED)
    assert instances_of(engine, "complaint_resolution") == 1
    stored = list((service.attachments_dir).rglob("*"))
    assert any(p.is_file() and p.read_bytes() == b"%PDF fake" for p in stored)


def test_the_receiver_refuses_an_unreadable_message_with_554(service: Integrations) -> None:
    with (
        receiver(service) as port,
        smtplib.SMTP("127.0.0.1", port) as smtp,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        smtp.sendmail(
            "x@example.com", ["support@demo.clientflow.test"], b"Subject: hi\r\n\r\nno From"
        )
    assert refused.value.smtp_code == 554


def test_a_bounce_through_smtp_is_journaled_and_starts_nothing(
    service: Integrations, engine: Engine
) -> None:
    with receiver(service) as port, smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail("", ["support@demo.clientflow.test"], email().as_bytes())
    assert [e.status for e in events(engine)] == [EventStatus.IGNORED]
    assert instances_of(engine, "complaint_resolution") == 0


def outbox(engine: Engine) -> list[OutboxMessage]:
    with engine.session() as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_outbox_is_delivered_over_smtp_with_its_message_id(engine: Engine) -> None:
    seed_contact(engine, first_name="Ivan", email="ivan@example.com", company="Acme")
    complaint = open_complaint(engine, "ivan@example.com")
    [queued] = outbox(engine)
    with capturing_relay() as (captured, port):
        relay = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{port}")
        assert delivery.deliver_due(engine.db, relay.send) == {"sent": 1}
        assert delivery.deliver_due(engine.db, relay.send) == {}  # nothing twice
    [sent] = captured.messages
    assert sent["Message-ID"] == queued.message_id
    assert complaint["data"]["case_number"] in sent["Subject"]
    assert captured.recipients == [["ivan@example.com"]]
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_failed_delivery_is_retried_later_then_failed_visibly(engine: Engine) -> None:
    seed_contact(engine, first_name="Ivan", email="ivan@example.com", company="Acme")
    open_complaint(engine, "ivan@example.com")
    dead = delivery.SmtpRelay.from_url(f"smtp://127.0.0.1:{free_port()}")  # nothing listens
    assert delivery.deliver_due(engine.db, dead.send) == {"retrying": 1}
    [row] = outbox(engine)
    assert row.status == "queued" and row.next_attempt_at is not None and row.last_error
    assert delivery.deliver_due(engine.db, dead.send) == {}  # held back until its retry time
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        delivery.deliver_one(engine.db, row.id, dead.send)
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    [shown] = delivery.failed_messages(engine.db)
    assert shown["to"] == "ivan@example.com" and "Connection" in shown["error"]


def test_bad_smtp_urls_say_what_is_expected() -> None:
    with pytest.raises(Exception, match="smtp://host:25"):
        delivery.SmtpRelay.from_url("http://mail.example.com")
