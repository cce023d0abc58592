"""Correlation rules: who calls or writes decides which process starts or hears of it."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from crm.models import Interaction
from engine import Engine
from engine.models import WorkItem
from integrations import Integrations, email_event, parse_email, parse_generic
from integrations.models import EventStatus

from .conftest import BPMN, count, events, instances_of, open_complaint, seed_contact
from .mail import email

PHONE = "+79123456789"


def call(service: Integrations, **fields: object) -> list[object]:
    event = {"event_id": "e", "type": "ringing", "call_id": "c", "from": PHONE,
             "to": "+74950000000", **fields}  # fmt: skip
    event_id, _ = service.ingest(parse_generic(json.dumps(event).encode()))
    return list(events(service.engine)[-1].outcome or []) if event_id else []


def mail(service: Integrations, raw: bytes, envelope_from: str | None = None) -> int:
    parsed = parse_email(raw, envelope_from=envelope_from)
    event_id, _ = service.ingest(email_event(parsed, raw, via="hook"))
    return event_id


def open_tasks(engine: Engine, instance_id: str) -> list[str]:
    with engine.session() as session:
        rows = session.scalars(
            sa.select(WorkItem.task_name).where(
                WorkItem.instance_id == uuid.UUID(instance_id), WorkItem.status == "open"
            )
        )
        return list(rows)


def test_a_call_from_a_customer_with_an_open_case_reaches_that_case(
    service: Integrations, engine: Engine
) -> None:
    seed_contact(engine, first_name="Ivan", phone=PHONE, email="ivan@example.com", company="Acme")
    complaint = open_complaint(engine, "ivan@example.com")
    case_number = complaint["data"]["case_number"]
    call(service, event_id="r", type="ringing")
    call(service, event_id="x", type="ended", duration=95, recording_url="https://rec.test/1.mp3")
    assert open_tasks(engine, complaint["id"]) == ["take_call"]
    with engine.session() as session:
        logged = session.scalars(sa.select(Interaction).where(Interaction.kind == "call")).one()
    assert (logged.duration_s, logged.recording_url) == (95, "https://rec.test/1.mp3")
    assert logged.case_id == complaint["data"]["case_id"] and logged.customer_id is not None
    assert engine.instance(complaint["id"])["status"] == "running"
    assert case_number.startswith("CASE-")
    assert instances_of(engine, "lead_qualification") == 0


def test_a_missed_call_from_a_customer_leaves_a_callback_in_the_sales_queue(
    service: Integrations, engine: Engine
) -> None:
    seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    call(service, event_id="m", type="missed")
    [item] = engine.tasks("anna", scope="group")
    assert (item["process"], item["group"], item["title"]) == (
        "integration_callback",
        "sales",
        f"Call back {PHONE}",
    )
    assert item["due_at"] is not None  # the SLA
    assert instances_of(engine, "lead_qualification") == 0
    with engine.session() as session:
        missed = session.scalars(sa.select(Interaction)).one()
    assert (missed.subject, missed.duration_s) == (f"Missed call from {PHONE}", 0)


def test_an_outbound_call_starts_nothing_and_is_logged_outbound(
    service: Integrations, engine: Engine
) -> None:
    call(service, event_id="o1", direction="outbound", **{"from": "+74950000000", "to": PHONE})
    call(service, event_id="o2", type="ended", duration=12, direction="outbound",
         **{"from": "+74950000000", "to": PHONE})  # fmt: skip
    assert instances_of(engine, "lead_qualification") == 0
    with engine.session() as session:
        logged = session.scalars(sa.select(Interaction)).one()
    assert (logged.direction, logged.subject) == ("out", f"Call to {PHONE}")


def test_new_mail_to_support_opens_a_complaint_and_to_sales_starts_a_lead(
    service: Integrations, engine: Engine
) -> None:
    mail(service, email(to="support@demo.clientflow.test").as_bytes())
    mail(service, email(to="sales@demo.clientflow.test", sender="b@example.com").as_bytes())
    mail(service, email(to="nobody@demo.clientflow.test", sender="c@example.com").as_bytes())
    assert instances_of(engine, "complaint_resolution") == 1
    assert instances_of(engine, "lead_qualification") == 1
    assert count(engine, Interaction, Interaction.kind == "email") == 3 + 1  # + the acknowledgement


def test_a_reply_naming_the_case_in_its_subject_reaches_the_case(
    service: Integrations, engine: Engine
) -> None:
    seed_contact(engine, first_name="Ivan", email="ivan@example.com", company="Acme")
    complaint = open_complaint(engine, "ivan@example.com")
    number = complaint["data"]["case_number"]
    mail(
        service,
        email("still broken", subject=f"Re: [{number}] We received your request").as_bytes(),
    )
    assert open_tasks(engine, complaint["id"]) == ["read_reply"]
    assert instances_of(engine, "complaint_resolution") == 1  # no second complaint
    data = engine.instance(complaint["id"])
    assert "still broken" in json.dumps(data)


def test_auto_replies_and_bounces_start_nothing(service: Integrations, engine: Engine) -> None:
    ids = [
        mail(service, email(Auto_Submitted="auto-replied").as_bytes()),
        mail(service, email(Precedence="junk").as_bytes()),
        mail(service, email().as_bytes(), envelope_from=""),
    ]
    assert instances_of(engine, "complaint_resolution") == 0
    assert [e.status for e in events(engine)] == [EventStatus.IGNORED] * 3
    assert len(ids) == 3
    assert count(engine, Interaction) == 0


def test_the_loop_guard_limits_processes_one_sender_starts_per_hour(
    service: Integrations, engine: Engine
) -> None:
    for n in range(7):
        mail(service, email(f"message {n}", subject=f"Help {n}").as_bytes())
    assert instances_of(engine, "complaint_resolution") == 5
    skipped = [o for e in events(engine) for o in e.outcome or [] if "loop guard" in str(o)]
    assert len(skipped) == 2


def test_the_loop_guard_also_holds_for_a_number_that_keeps_calling(
    service: Integrations, engine: Engine
) -> None:
    for n in range(6):
        call(service, event_id=f"m{n}", call_id=f"call-{n}", type="missed")
    started = instances_of(engine, "lead_qualification") + instances_of(
        engine, "integration_callback"
    )
    assert started == service.rules.starts_per_sender_per_hour
    assert count(engine, Interaction) == 6  # every call is still on the record


def test_a_reply_to_mail_about_a_lead_reaches_the_waiting_lead_process(
    service: Integrations, engine: Engine
) -> None:
    engine.deploy({"nurture.bpmn": (BPMN / "nurture.bpmn").read_text()})
    nurture = engine.start("t_nurture", {"email": "lena@example.com"}, "anna")
    assert nurture["status"] == "running", nurture["incident"]
    sent_id = nurture["data"]["sent"]["message_id"]
    reply = email(
        "Yes, call me", sender="lena@example.com", to="anna@demo.clientflow.test",
        subject="Re: Still interested?", In_Reply_To=sent_id,
    )  # fmt: skip
    mail(service, reply.as_bytes())
    assert open_tasks(engine, nurture["id"]) == ["follow_up"]
    with engine.session() as session:
        logged = session.scalars(sa.select(Interaction).where(Interaction.direction == "in")).one()
    assert logged.lead_id == nurture["data"]["lead_id"]
