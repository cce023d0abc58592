"""Calls nobody answered, from Twilio's status callbacks signed by Twilio's own validator.

Twilio ends an inbound call ``completed`` even when none of the employees its
``<Dial>`` rang picked up, and a click-to-call ``completed`` when the employee
answered but the customer did not: the legs tell. An inbound call nobody answered
is a missed call with a callback task (the customer's owner, else the sales
queue); our own unanswered attempt is logged as such, with no callback task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from clientflow_cli.demo_seed.sales import set_up_team
from crm.models import Interaction
from engine import Engine
from integrations import outbound_calls as calls
from integrations.models import OutboundCall
from integrations.outbound_calls import CallOrder
from integrations.providers import TwilioCalls
from tests.web.hooks.conftest import make_app, post_twilio

from .conftest import BPMN, TWILIO_TOKEN, instances_of, seed_contact
from .servers import http_stand_in

PHONE = "+79123456789"
LINE = "+74950000000"  # our Twilio number
AGENT = "+79990000001"


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> FlaskClient:
    return make_app(engine, tmp_path).test_client()


def customer(engine: Engine, owner: str | None = None) -> dict[str, Any]:
    """Ivan's company; owned by ``owner`` (an employee profile made by the sales setup)."""
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    if owner is not None:
        profile = {"username": owner, "full_name": owner.title(), "team": "sales"}
        set_up_team(engine, employees=[profile])
        engine.deploy({"own_customer.bpmn": (BPMN / "own_customer.bpmn").read_text()})
        owned = engine.start("t_own_customer", {"customer_id": ivan["customer_id"],
                                                "owner": owner}, "olga")  # fmt: skip
        assert owned["status"] == "completed", owned["incident"]
    return ivan


def calls_logged(engine: Engine) -> list[Interaction]:
    with engine.session() as session:
        query = sa.select(Interaction).where(Interaction.kind == "call").order_by(Interaction.id)
        return list(session.scalars(query))


def callbacks(engine: Engine) -> list[dict[str, Any]]:
    return [t for t in engine.tasks(None, scope="all") if t["process"] == "integration_callback"]


INBOUND = {"CallSid": "CA500", "AccountSid": "AC1", "From": PHONE, "To": LINE,
           "Direction": "inbound"}  # fmt: skip
DIAL_LEG = {**INBOUND, "CallSid": "CA501", "ParentCallSid": "CA500", "From": LINE,
            "To": AGENT, "Direction": "outbound-dial"}  # fmt: skip


def test_an_inbound_call_none_of_whose_legs_answered_is_missed_with_a_callback_for_the_owner(
    engine: Engine, client: FlaskClient
) -> None:
    ivan = customer(engine, owner="anna")
    forms = [
        {**INBOUND, "CallStatus": "ringing"},
        {**INBOUND, "CallStatus": "in-progress"},  # Twilio runs our TwiML: nobody talks yet
        {**DIAL_LEG, "CallStatus": "ringing"},
        {**DIAL_LEG, "CallStatus": "no-answer"},
        {**INBOUND, "CallStatus": "completed", "CallDuration": "32"},
    ]
    assert [post_twilio(client, form).status_code for form in forms] == [202] * 5
    [missed] = calls_logged(engine)
    assert (missed.subject, missed.duration_s, missed.direction) == (
        f"Missed call from {PHONE}", 0, "in"
    )  # fmt: skip
    assert missed.customer_id == ivan["customer_id"]
    [callback] = callbacks(engine)
    assert (callback["assignee"], callback["title"]) == ("anna", f"Call back {PHONE}")
    assert callback["due_at"] is not None  # the SLA
    assert engine.tasks("anna", scope="mine") == [callback]
    assert instances_of(engine, "lead_qualification") == 0


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed", "canceled"])
def test_an_inbound_call_ending_unanswered_goes_to_the_sales_queue(
    engine: Engine, client: FlaskClient, status: str
) -> None:
    customer(engine)  # no owner
    for form in ({**INBOUND, "CallStatus": "ringing"}, {**INBOUND, "CallStatus": status}):
        assert post_twilio(client, form).status_code == 202
    [missed] = calls_logged(engine)
    assert (missed.subject, missed.duration_s) == (f"Missed call from {PHONE}", 0)
    [callback] = callbacks(engine)
    assert (callback["group"], callback["assignee"]) == ("sales", None)


def test_an_inbound_call_an_employee_answered_on_a_leg_needs_no_callback(
    engine: Engine, client: FlaskClient
) -> None:
    customer(engine, owner="anna")
    forms = [
        {**INBOUND, "CallStatus": "in-progress"},
        {**DIAL_LEG, "CallStatus": "no-answer"},  # the first employee rung did not pick up
        {**DIAL_LEG, "CallSid": "CA502", "CallStatus": "in-progress"},  # the second did
        {**DIAL_LEG, "CallSid": "CA502", "CallStatus": "completed", "CallDuration": "40"},
        {**INBOUND, "CallStatus": "completed", "CallDuration": "45"},
    ]
    assert [post_twilio(client, form).status_code for form in forms] == [202] * 5
    [call] = calls_logged(engine)
    assert (call.subject, call.duration_s) == (f"Call from {PHONE}", 45)
    assert callbacks(engine) == []


@pytest.mark.parametrize(
    ("status", "shown"),
    [("no-answer", "no answer"), ("busy", "busy"), ("failed", "failed"), ("canceled", "canceled")],
)
def test_a_click_to_call_the_customer_did_not_answer_says_so_and_starts_nothing(
    engine: Engine, client: FlaskClient, status: str, shown: str
) -> None:
    ivan = customer(engine, owner="anna")
    order = CallOrder(ivan["customer_id"], ivan["contact_id"], PHONE, AGENT, "anna",
                      callback_url="http://localhost/hooks/twilio/voice")  # fmt: skip
    with http_stand_in({"sid": "CA600", "status": "queued"}, status=201) as api:
        placed = calls.place(engine.db, TwilioCalls("AC1", TWILIO_TOKEN, LINE, api.url), order)
    parent = {"CallSid": "CA600", "AccountSid": "AC1", "From": LINE, "To": AGENT,
              "Direction": "outbound-api"}  # fmt: skip
    leg = {**parent, "CallSid": "CA601", "ParentCallSid": "CA600", "To": PHONE,
           "Direction": "outbound-dial"}  # fmt: skip
    forms = [
        {**parent, "CallStatus": "initiated"},
        {**parent, "CallStatus": "in-progress"},  # anna answered her own phone
        {**leg, "CallStatus": "ringing"},
        {**leg, "CallStatus": status},  # ... the customer did not
        {**parent, "CallStatus": "completed", "CallDuration": "38"},
    ]
    assert [post_twilio(client, form).status_code for form in forms] == [202] * 5
    [attempt] = calls_logged(engine)
    assert (attempt.subject, attempt.duration_s) == (f"Call to {PHONE}: {shown}", 0)
    assert (attempt.direction, attempt.employee, attempt.contact_id) == (
        "out", "anna", ivan["contact_id"]
    )  # fmt: skip
    with engine.session() as session:
        row = session.get(OutboundCall, placed.id)
        assert row is not None and row.status == "missed"
    assert callbacks(engine) == []  # our own attempt: the employee decides what next
    assert instances_of(engine, "lead_qualification") == 0


def test_a_click_to_call_the_customer_answered_is_a_call(
    engine: Engine, client: FlaskClient
) -> None:
    ivan = customer(engine)
    order = CallOrder(ivan["customer_id"], ivan["contact_id"], PHONE, AGENT, "anna",
                      callback_url="http://localhost/hooks/twilio/voice")  # fmt: skip
    with http_stand_in({"sid": "CA700", "status": "queued"}, status=201) as api:
        calls.place(engine.db, TwilioCalls("AC1", TWILIO_TOKEN, LINE, api.url), order)
    parent = {"CallSid": "CA700", "From": LINE, "To": AGENT, "Direction": "outbound-api"}
    leg = {**parent, "CallSid": "CA701", "ParentCallSid": "CA700", "To": PHONE,
           "Direction": "outbound-dial"}  # fmt: skip
    for form in (
        {**parent, "CallStatus": "in-progress"},
        {**leg, "CallStatus": "in-progress"},
        {**parent, "CallStatus": "completed", "CallDuration": "90"},
        {**leg, "CallStatus": "completed", "CallDuration": "80"},  # late: changes nothing
    ):
        assert post_twilio(client, form).status_code == 202
    [call] = calls_logged(engine)
    assert (call.subject, call.duration_s) == (f"Call to {PHONE}", 90)
