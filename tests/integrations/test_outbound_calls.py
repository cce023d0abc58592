"""Click-to-call in the integrations: the request is journaled, the provider asked, and the
status events that follow are correlated to it by call id, whatever number they report."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from crm.models import Interaction
from engine import Engine
from integrations import CallInProgress, Integrations, parse_generic, parse_twilio
from integrations import outbound_calls as calls
from integrations.models import OutboundCall
from integrations.outbound_calls import CallOrder
from integrations.providers import CallRequest, GenericPbx, PlacedCall, ProviderError, TwilioCalls

from .conftest import SECRET, instances_of, seed_contact
from .servers import http_stand_in

PHONE = "+79123456789"
AGENT = "+79990000001"
LINE = "+74950000000"


def order(customer: dict[str, Any], agent: str = "101") -> CallOrder:
    return CallOrder(customer["customer_id"], customer["contact_id"], PHONE, agent, "anna",
                     task_id=None, callback_url="http://crm.test/hooks/telephony")  # fmt: skip


def pbx_event(n: int, kind: str, call_id: str, **extra: Any) -> bytes:
    event = {"event_id": f"e{n}", "type": kind, "call_id": call_id, "from": "101",
             "to": PHONE, "direction": "outbound", **extra}  # fmt: skip
    return json.dumps(event).encode()


def interactions(engine: Engine) -> list[Interaction]:
    with engine.session() as session:
        return list(session.scalars(sa.select(Interaction).order_by(Interaction.id)))


def test_a_placed_pbx_call_is_logged_once_for_the_chosen_contact(
    service: Integrations, engine: Engine
) -> None:
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    with http_stand_in({"call_id": "pbx-77"}) as pbx:
        placed = calls.place(engine.db, GenericPbx(pbx.url, SECRET), order(ivan))
    assert calls.get(engine.db, placed.id) is not None
    assert calls.get(engine.db, placed.id)["status"] == "placed"  # type: ignore[index]
    assert json.loads(pbx.requests[0]["body"])["request_id"]  # our reference went along

    events = [
        pbx_event(1, "ringing", "pbx-77"),
        pbx_event(2, "answered", "leg-2", parent_call_id="pbx-77"),  # the customer's leg
        pbx_event(3, "answered", "pbx-77"),
        pbx_event(4, "ended", "leg-2", parent_call_id="pbx-77", duration=35),
        pbx_event(5, "ended", "pbx-77", duration=40, recording_url="https://pbx.test/r/77.mp3"),
        pbx_event(5, "ended", "pbx-77", duration=40),  # delivered twice
        pbx_event(6, "ended", "pbx-77", duration=40),  # the same end, another event id
    ]
    for body in events:
        service.ingest(parse_generic(body))

    [call] = interactions(engine)
    assert (call.customer_id, call.contact_id) == (ivan["customer_id"], ivan["contact_id"])
    assert (call.direction, call.duration_s, call.employee) == ("out", 40, "anna")
    assert call.recording_url == "https://pbx.test/r/77.mp3"
    assert call.subject == f"Call to {PHONE}" and call.external_id == "call:pbx-77"
    assert calls.get(engine.db, placed.id)["status"] == "ended"  # type: ignore[index]
    assert instances_of(engine, "lead_qualification") == 0


def test_twilio_callbacks_about_the_agents_leg_still_reach_the_customer(
    service: Integrations, engine: Engine
) -> None:
    """Twilio's call goes to the agent's number first: its callbacks report that number,
    which here even belongs to another customer; the call id decides, not the number."""
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    seed_contact(engine, first_name="Agent's namesake", phone=AGENT, company="Other")
    with http_stand_in({"sid": "CA9", "status": "queued"}, status=201) as api:
        twilio = TwilioCalls("AC1", "token", LINE, api.url)
        calls.place(engine.db, twilio, order(ivan, agent=AGENT))

    parent = {"CallSid": "CA9", "From": LINE, "To": AGENT, "Direction": "outbound-api"}
    leg = {"CallSid": "CA10", "ParentCallSid": "CA9", "From": LINE, "To": PHONE,
           "Direction": "outbound-dial"}  # fmt: skip
    for form in (
        {**parent, "CallStatus": "ringing"},
        {**parent, "CallStatus": "in-progress"},
        {**leg, "CallStatus": "ringing"},
        {**leg, "CallStatus": "completed", "CallDuration": "31"},
        {**parent, "CallStatus": "completed", "CallDuration": "38"},
    ):
        service.ingest(parse_twilio(form))

    [call] = interactions(engine)
    assert (call.customer_id, call.contact_id) == (ivan["customer_id"], ivan["contact_id"])
    assert (call.direction, call.duration_s, call.employee) == ("out", 38, "anna")
    assert call.recipients == [PHONE] and call.subject == f"Call to {PHONE}"
    assert instances_of(engine, "lead_qualification") == 0  # nobody unknown called in


def test_a_refused_call_is_recorded_with_its_reason(service: Integrations, engine: Engine) -> None:
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    with (
        http_stand_in({"error": "agent busy"}, status=486) as pbx,
        pytest.raises(ProviderError, match="HTTP 486"),
    ):
        calls.place(engine.db, GenericPbx(pbx.url, SECRET), order(ivan))
    with engine.session() as session:
        row = session.scalars(sa.select(OutboundCall)).one()
        assert (row.status, row.call_id, row.employee) == ("refused", None, "anna")
        assert row.error is not None and "HTTP 486" in row.error


class Broken:
    """A provider module with a bug of its own."""

    name = "broken"
    source = "telephony"

    def place_call(self, call: CallRequest) -> PlacedCall:
        raise KeyError("call_id")


def test_a_provider_bug_is_a_provider_error_not_a_crash(
    service: Integrations, engine: Engine
) -> None:
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    with pytest.raises(ProviderError, match="the broken provider failed"):
        calls.place(engine.db, Broken(), order(ivan))


class Repeating:
    """A PBX that hands out the same call id twice."""

    name = "repeating"
    source = "telephony"

    def place_call(self, call: CallRequest) -> PlacedCall:
        return PlacedCall(self.name, "same-id", "queued")


def test_a_call_id_given_twice_is_refused(service: Integrations, engine: Engine) -> None:
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    calls.place(engine.db, Repeating(), order(ivan))
    with pytest.raises(ProviderError, match="which an earlier call has"):
        calls.place(engine.db, Repeating(), replace(order(ivan), employee="boris"))


def test_status_moves_forward_only(service: Integrations, engine: Engine) -> None:
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    with http_stand_in({"call_id": "pbx-5"}) as pbx:
        placed = calls.place(engine.db, GenericPbx(pbx.url, SECRET), order(ivan))
    service.ingest(parse_generic(pbx_event(1, "missed", "pbx-5")))
    service.ingest(parse_generic(pbx_event(2, "ringing", "pbx-5")))  # late, out of order
    assert calls.get(engine.db, placed.id)["status"] == "missed"  # type: ignore[index]
    [call] = interactions(engine)
    assert (call.subject, call.duration_s) == (f"Call to {PHONE}: no answer", 0)


def test_two_clicks_at_once_place_one_call(service: Integrations, engine: Engine) -> None:
    """The second request arrives while the PBX is still answering the first."""
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    outcomes: list[object] = []

    def click(pbx: GenericPbx) -> None:
        try:
            outcomes.append(calls.place(engine.db, pbx, order(ivan)).call.call_id)
        except CallInProgress as exc:
            outcomes.append(exc.call["status"])

    with http_stand_in({"call_id": "pbx-slow"}) as stand_in:
        stand_in.delay = 0.5
        pbx = GenericPbx(stand_in.url, SECRET)
        clicks = [threading.Thread(target=click, args=(pbx,)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join(timeout=30)
        assert len(stand_in.requests) == 1
    assert sorted(map(str, outcomes)) == ["pbx-slow", "requested"]  # the first was in flight


def test_a_request_key_answers_a_repeat_with_the_first_call(
    service: Integrations, engine: Engine
) -> None:
    ivan = seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    keyed = replace(order(ivan), request_key="api:anna:k1")
    with http_stand_in({"call_id": "pbx-k"}) as pbx:
        first = calls.place(engine.db, GenericPbx(pbx.url, SECRET), keyed)
        again = calls.place(engine.db, GenericPbx(pbx.url, SECRET), keyed)
        with pytest.raises(CallInProgress, match="already used for a call to another number"):
            calls.place(engine.db, GenericPbx(pbx.url, SECRET), replace(keyed, phone=AGENT))
        assert len(pbx.requests) == 1
    assert (again.id, again.call.call_id, again.repeated) == (first.id, "pbx-k", True)
    assert not first.repeated

    refused = replace(keyed, employee="boris", request_key="api:boris:k2")
    with http_stand_in({"error": "down"}, status=503) as pbx:
        for _ in range(2):  # the refusal is the answer to a repeat, too
            with pytest.raises(ProviderError, match="HTTP 503"):
                calls.place(engine.db, GenericPbx(pbx.url, SECRET), refused)
        assert len(pbx.requests) == 1
