"""The channels page: failed inbound events and outbound messages, replayed and retried.

Every failure is made for real: a signed hook whose process is not deployed, an
email no mail server takes. The fixes are real too: deploy the process, start
the mail server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from integrations import sign
from integrations.models import EventStatus
from integrations.rules import RULES_ENV
from tests.integrations.conftest import SECRET, events, instances_of
from tests.integrations.servers import capturing_relay
from web import create_app

from ..api.world import World
from ..pages import parse, post_form, signed_in, texts
from .breakage import UNKNOWN_CALLER, call_event, deploy_stand_in, failed_message, status_of

PAGE = "/operations/channels"


pytestmark = pytest.mark.usefixtures("no_delivery_afterwards")


def make_app(world: World, **config: Any) -> Flask:
    app: Flask = create_app(world.engine, {"TESTING": True, "HOOK_SECRET": SECRET, **config})
    return app


@pytest.fixture
def admin(world: World) -> FlaskClient:
    return signed_in(make_app(world).test_client(), "olga")


def post_call(client: FlaskClient, body: bytes) -> int:
    headers = {"X-Clientflow-Signature": sign(SECRET, body)}
    response = client.post(
        "/hooks/telephony", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 202, response.json
    return int(response.json["event_id"])


def event_rows(page: Any) -> list[str]:
    return [str(i) for i in page.xpath("//table[@id='failed-events-table']//tr/@data-event")]


def message_rows(page: Any) -> list[str]:
    return [str(i) for i in page.xpath("//table[@id='failed-messages-table']//tr/@data-message")]


def flashes(page: Any) -> list[str]:
    return texts(page, "//p[contains(@class, 'flash')]")


def test_a_call_whose_process_is_missing_shows_up_and_replays_after_the_deploy(
    admin: FlaskClient, world: World
) -> None:
    event_id = post_call(admin, call_event())  # lead_qualification is not deployed
    page = parse(admin.get(PAGE))
    assert event_rows(page) == [str(event_id)]
    [row] = page.xpath(f"//tr[@data-event='{event_id}']")
    cells = texts(row, "./td")
    assert cells[2].startswith("telephony") and cells[3] == "call.ringing"
    assert (cells[4], cells[5]) == (UNKNOWN_CALLER, "3")  # the sender in E.164; three attempts
    assert "lead_qualification" in cells[6]
    assert texts(page, "//a[@id='nav-count-failures']") == ["1"]
    assert texts(page, "//span[@id='ops-count-failures']") == ["1"]

    deploy_stand_in(world.engine, "lead_qualification")  # the fix
    after = parse(admin.get(post_form(admin, f"{PAGE}/events/{event_id}/replay", {}).location))
    assert flashes(after) == [f"Event {event_id} replayed: processed."]
    assert event_rows(after) == [] and after.xpath("//p[@id='no-failed-events']")
    assert not after.xpath("//a[@id='nav-count-failures']")
    assert [e.status for e in events(world.engine)] == [EventStatus.PROCESSED]
    assert instances_of(world.engine, "lead_qualification") == 1


def test_a_failed_event_links_the_instance_it_started_before_it_failed(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"missed_call": {"process": "callbacks_not_deployed"}}))
    monkeypatch.setenv(RULES_ENV, str(rules))
    deploy_stand_in(world.engine, "lead_qualification")
    client = signed_in(make_app(world).test_client(), "olga")
    event_id = post_call(client, call_event("c2", "missed"))  # starts a lead, then no callback
    page = parse(client.get(PAGE))
    [link] = page.xpath(f"//tr[@data-event='{event_id}']//a[@class='event-instance']/@href")
    instance = world.engine.instance(link.rsplit("/", 1)[1])
    assert instance["process"] == "lead_qualification"
    assert "callbacks_not_deployed" in texts(page, f"//tr[@data-event='{event_id}']/td[7]")[0]
    assert client.get(link).status_code == 200


def test_an_email_no_server_took_shows_up_and_is_sent_on_retry(world: World) -> None:
    outbox_id = failed_message(world.engine)
    with capturing_relay() as (captured, port):
        app = make_app(world, SMTP_URL=f"smtp://127.0.0.1:{port}")  # the mail server is back
        client = signed_in(app.test_client(), "olga")
        page = parse(client.get(PAGE))
        assert message_rows(page) == [str(outbox_id)]
        [row] = page.xpath(f"//tr[@data-message='{outbox_id}']")
        cells = texts(row, "./td")
        assert cells[2] == "ivan@example.com" and "We received your request" in cells[3]
        assert cells[4] == "5" and "Connection" in cells[5]
        assert texts(row, ".//span[@class='message-case']")[0].startswith("case ")
        [customer] = row.xpath(".//a[@class='message-customer']/@href")
        assert client.get(customer).status_code == 200

        response = post_form(client, f"{PAGE}/messages/{outbox_id}/retry", {})
        after = parse(client.get(response.location))
    assert flashes(after) == [f"Message {outbox_id} sent."]
    assert message_rows(after) == [] and after.xpath("//p[@id='no-failed-messages']")
    [sent] = captured.messages
    assert sent["To"] == "ivan@example.com" and "We received your request" in sent["Subject"]
    assert status_of(world.engine, outbox_id) == "sent"


def test_without_outbound_mail_a_retry_queues_the_message_for_the_sweep(
    admin: FlaskClient, world: World
) -> None:
    outbox_id = failed_message(world.engine)
    response = post_form(admin, f"{PAGE}/messages/{outbox_id}/retry", {})
    page = parse(admin.get(response.location))
    assert flashes(page) == [
        f"Message {outbox_id} is queued again; the outbox delivers it shortly."
    ]
    assert message_rows(page) == []
    assert status_of(world.engine, outbox_id) == "queued"
    again = parse(admin.get(post_form(admin, f"{PAGE}/messages/{outbox_id}/retry", {}).location))
    assert flashes(again) == [
        f"Message {outbox_id} is queued, not failed: there is nothing to retry."
    ]


def test_replaying_an_event_that_did_not_fail_changes_nothing(
    admin: FlaskClient, world: World
) -> None:
    deploy_stand_in(world.engine, "lead_qualification")
    event_id = post_call(admin, call_event())  # processed at once
    page = parse(admin.get(post_form(admin, f"{PAGE}/events/{event_id}/replay", {}).location))
    assert flashes(page) == [
        f"Event {event_id} is processed, not failed: there is nothing to replay."
    ]
    assert instances_of(world.engine, "lead_qualification") == 1


def test_unknown_ids_are_404_and_a_bad_limit_is_400(admin: FlaskClient) -> None:
    assert post_form(admin, f"{PAGE}/events/987654/replay", {}).status_code == 404
    assert post_form(admin, f"{PAGE}/messages/987654/retry", {}).status_code == 404
    for limit in ("0", "x", "501"):
        assert admin.get(f"{PAGE}?limit={limit}").status_code == 400


def test_the_page_shows_the_newest_and_says_how_many_there_are(
    admin: FlaskClient, world: World
) -> None:
    first = post_call(admin, call_event("c1"))
    second = post_call(admin, call_event("c2"))
    page = parse(admin.get(f"{PAGE}?limit=1"))
    assert event_rows(page) == [str(second)]
    assert texts(page, "//p[@id='events-shown']") == ["Showing the newest 1 of 2."]
    everything = parse(admin.get(PAGE))
    assert event_rows(everything) == [str(second), str(first)]
    assert not everything.xpath("//p[@id='events-shown']")


def test_the_page_speaks_russian(admin: FlaskClient, world: World) -> None:
    post_call(admin, call_event())
    assert post_form(admin, "/profile", {"language": "ru", "substitute": ""}).status_code == 302
    page = parse(admin.get(PAGE))
    assert texts(page, "//h1") == ["Каналы"]
    assert texts(page, "//button[starts-with(@id, 'replay-')]") == ["Повторить обработку"]
    assert texts(page, "//p[@id='no-failed-messages']") == ["Сбойных исходящих сообщений нет."]


@pytest.mark.parametrize("user", ["anna", "boris", "dina"])
def test_only_admins_see_or_act(world: World, user: str) -> None:
    app = make_app(world)
    olga = signed_in(app.test_client(), "olga")
    event_id = post_call(olga, call_event())
    client = signed_in(app.test_client(), user)
    assert client.get(PAGE).status_code == 403
    assert post_form(client, f"{PAGE}/events/{event_id}/replay", {}).status_code == 403
    assert not parse(client.get("/inbox")).xpath("//a[@id='nav-count-failures']")
    anonymous = app.test_client().get(PAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert [e.status for e in events(world.engine)] == [EventStatus.FAILED]


def test_the_operations_navigation_links_the_channels(admin: FlaskClient) -> None:
    page = parse(admin.get("/operations/instances"))
    [link] = page.xpath("//nav[@id='operations-nav']/a[@id='ops-nav-channels']/@href")
    assert link == PAGE
