"""The call provider adapters against real local HTTP servers standing in for a PBX and for
Twilio's REST API: what each sends, and how a refusal or silence becomes a clear error."""

from __future__ import annotations

import base64
import json
import sys
import textwrap
import urllib.parse
from pathlib import Path

import pytest

from integrations import BadSignature, NotConfigured, verify
from integrations.providers import (
    CallRequest,
    GenericPbx,
    ProviderError,
    TwilioCalls,
    provider_from_config,
)

from .conftest import SECRET
from .servers import free_port, http_stand_in

PHONE = "+79123456789"
CALLBACK = "https://crm.test/hooks/telephony"
TWILIO = {
    "CALL_PROVIDER": "twilio",
    "TWILIO_ACCOUNT_SID": "AC1",
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_CALLER_ID": "+74950000000",
}


def request(callback: str | None = CALLBACK, agent: str = "101") -> CallRequest:
    return CallRequest(PHONE, agent, "ref-1", "anna", callback)


def test_the_generic_pbx_gets_a_request_signed_like_our_hooks() -> None:
    with http_stand_in({"call_id": "pbx-77", "status": "queued"}) as pbx:
        config = {"CALL_PROVIDER": "pbx", "PBX_ORIGINATE_URL": pbx.url + "/originate",
                  "HOOK_SECRET": SECRET}  # fmt: skip
        placed = provider_from_config(config).place_call(request())
    assert (placed.provider, placed.call_id, placed.status) == ("pbx", "pbx-77", "queued")
    [sent] = pbx.requests
    assert sent["path"] == "/originate"
    verify(SECRET, sent["body"], sent["headers"]["X-Clientflow-Signature"])  # raises if not
    with pytest.raises(BadSignature):
        verify("another secret", sent["body"], sent["headers"]["X-Clientflow-Signature"])
    assert json.loads(sent["body"]) == {
        "request_id": "ref-1",
        "to": PHONE,
        "agent": "101",
        "employee": "anna",
        "callback_url": CALLBACK,
    }


@pytest.mark.parametrize(
    ("status", "answer", "reason"),
    [
        (503, {"error": "busy"}, "refused the call: HTTP 503"),
        (200, b"<html>ok</html>", "not JSON"),
        (200, ["pbx-1"], "not an object"),
        (200, {"status": "queued"}, "without a call_id"),
        (200, {"call_id": "  "}, "without a call_id"),
    ],
)
def test_a_pbx_that_refuses_or_answers_nonsense_is_a_clear_error(
    status: int, answer: object, reason: str
) -> None:
    with http_stand_in(answer, status) as pbx, pytest.raises(ProviderError, match=reason):
        GenericPbx(pbx.url, SECRET).place_call(request())


def test_a_pbx_that_cannot_be_reached_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/originate"
    with pytest.raises(ProviderError, match="could not be reached"):
        GenericPbx(url, SECRET, timeout=2).place_call(request())


def test_twilio_places_the_call_through_its_rest_api() -> None:
    """The twilio package's own Client, its API base pointed at a local server."""
    answer = {"sid": "CA900", "status": "queued", "account_sid": "AC1"}
    with http_stand_in(answer, status=201) as api:
        twilio = provider_from_config({**TWILIO, "TWILIO_API_URL": api.url})
        callback = "https://crm.test/hooks/twilio/voice"
        placed = twilio.place_call(request(callback, agent="+79990000001"))
    assert (placed.provider, placed.call_id, placed.status) == ("twilio", "CA900", "queued")
    [sent] = api.requests
    assert sent["path"] == "/2010-04-01/Accounts/AC1/Calls.json"
    assert sent["headers"]["Authorization"] == "Basic " + base64.b64encode(b"AC1:token").decode()
    form = urllib.parse.parse_qs(sent["body"].decode())
    assert form["To"] == ["+79990000001"] and form["From"] == ["+74950000000"]
    assert form["StatusCallback"] == [callback]
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    [twiml] = form["Twiml"]
    assert f'statusCallback="{callback}"' in twiml and f">{PHONE}</Number>" in twiml
    assert 'callerId="+74950000000"' in twiml


def test_twilio_refusals_and_silence_are_clear_errors() -> None:
    refusal = {"code": 21211, "message": "The 'To' number 101 is not valid.", "status": 400}
    with (
        http_stand_in(refusal, status=400) as api,
        pytest.raises(
            ProviderError, match=r"HTTP 400, error 21211: .*The 'To' number 101 is not valid"
        ),
    ):
        TwilioCalls("AC1", "token", "+74950000000", api.url).place_call(request())
    silent = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProviderError, match="Twilio could not be reached"):
        TwilioCalls("AC1", "token", "+74950000000", silent).place_call(request())


def test_missing_settings_are_named() -> None:
    with pytest.raises(NotConfigured, match="CLIENTFLOW_CALL_PROVIDER"):
        provider_from_config({})
    with pytest.raises(NotConfigured, match="CLIENTFLOW_TWILIO_CALLER_ID"):
        provider_from_config({**TWILIO, "TWILIO_CALLER_ID": ""})
    with pytest.raises(NotConfigured, match="PBX_ORIGINATE_URL and CLIENTFLOW_HOOK_SECRET"):
        provider_from_config({"CALL_PROVIDER": "pbx"})
    with pytest.raises(NotConfigured, match="neither 'twilio', 'pbx' nor a module"):
        provider_from_config({"CALL_PROVIDER": "no_such_pbx_module"})
    with pytest.raises(NotConfigured, match="has no from_config"):
        provider_from_config({"CALL_PROVIDER": "json"})


def test_another_pbx_is_one_small_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "office_pbx.py").write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass
            from integrations.providers import CallRequest, PlacedCall

            @dataclass
            class OfficePbx:
                prefix: str
                name: str = "office"
                source: str = "telephony"

                def place_call(self, call: CallRequest) -> PlacedCall:
                    return PlacedCall(self.name, self.prefix + call.reference, "queued")

            def from_config(config):
                return OfficePbx(config["OFFICE_PREFIX"])
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    provider = provider_from_config({"CALL_PROVIDER": "office_pbx", "OFFICE_PREFIX": "o-"})
    assert provider.place_call(request()).call_id == "o-ref-1"
    sys.modules.pop("office_pbx", None)
