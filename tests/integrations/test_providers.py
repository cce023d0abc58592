"""Click-to-call through the provider adapters, against local HTTP servers standing in for
the PBX and for Twilio's REST API; the placed call is then tracked by its status hooks."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from twilio.http.http_client import TwilioHttpClient

from crm.models import Interaction
from engine import Engine
from integrations import Integrations, parse_generic, sign
from integrations.providers import GenericPbx, ProviderError, TwilioCalls

from .conftest import SECRET, instances_of, seed_contact

PHONE = "+79123456789"


@contextmanager
def http_server(answer: Any, status: int = 200) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP server that records each request and answers ``answer`` as JSON."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_the_generic_pbx_gets_a_signed_request_and_the_call_is_tracked(
    service: Integrations, engine: Engine
) -> None:
    seed_contact(engine, first_name="Ivan", phone=PHONE, company="Acme")
    with http_server({"call_id": "pbx-77", "status": "queued"}) as (url, seen):
        placed = GenericPbx(url + "/call", SECRET).place_call(PHONE, "anna-101")
    assert (placed.provider, placed.call_id) == ("pbx", "pbx-77")
    [request] = seen
    assert request["headers"]["X-Clientflow-Signature"] == sign(SECRET, request["body"])
    assert json.loads(request["body"])["to"] == PHONE

    for n, kind in enumerate(["ringing", "answered", "ended"]):
        event = {"event_id": f"p{n}", "type": kind, "call_id": placed.call_id, "duration": 40,
                 "from": "+74950000000", "to": PHONE, "direction": "outbound"}  # fmt: skip
        service.ingest(parse_generic(json.dumps(event).encode()))
    with engine.session() as session:
        call = session.scalars(sa.select(Interaction)).one()
    assert (call.direction, call.duration_s, call.external_id) == ("out", 40, "call:pbx-77")
    assert call.customer_id is not None
    assert instances_of(engine, "lead_qualification") == 0


def test_a_pbx_that_refuses_is_a_clear_error() -> None:
    with (
        http_server({"error": "busy"}, status=503) as (url, _),
        pytest.raises(ProviderError, match="HTTP 503"),
    ):
        GenericPbx(url, SECRET).place_call(PHONE, "101")
    with pytest.raises(ProviderError, match="could not be reached"):
        GenericPbx("http://127.0.0.1:1/call", SECRET).place_call(PHONE, "101")


class LocalTwilio(TwilioHttpClient):
    """The twilio package's own HTTP client, sent to a local server instead of api.twilio.com."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().request(
            method, url.replace("https://api.twilio.com", self.base), *args, **kwargs
        )


def test_twilio_places_the_call_through_its_rest_api() -> None:
    answer = {"sid": "CA900", "status": "queued", "account_sid": "AC1"}
    with http_server(answer, status=201) as (url, seen):
        calls = TwilioCalls("AC1", "token", "+74950000000", "https://crm.test/hooks/twilio/voice",
                            http_client=LocalTwilio(url))  # fmt: skip
        placed = calls.place_call(PHONE, "+79990000001")
    assert (placed.provider, placed.call_id, placed.status) == ("twilio", "CA900", "queued")
    [request] = seen
    assert request["path"] == "/2010-04-01/Accounts/AC1/Calls.json"
    form = urllib.parse.parse_qs(request["body"].decode())
    assert form["To"] == ["+79990000001"] and form["From"] == ["+74950000000"]
    assert PHONE in form["Twiml"][0]
    assert form["StatusCallback"] == ["https://crm.test/hooks/twilio/voice"]
