"""BPMN messages over the API: delivered to the waiting instance or starting a process."""

from __future__ import annotations

from flask.testing import FlaskClient

from .world import World


def test_a_start_message_starts_then_a_reply_is_delivered(
    client: FlaskClient, world: World
) -> None:
    started = client.post(
        "/api/messages/new_request", json={"payload": {"seq": 7}}, headers=world.auth("olga")
    )
    assert started.status_code == 200
    assert started.json["outcome"] == "started"
    instance = started.json["instance"]
    assert instance["data"]["case_number"] == "CASE-7"
    reply = client.post(
        "/api/messages/customer_reply",
        json={"correlation": {"case_number": "CASE-7"}, "payload": {"text": "still broken"}},
        headers=world.auth("olga"),
    )
    assert reply.status_code == 200
    assert reply.json["outcome"] == "delivered"
    assert reply.json["instance"]["id"] == instance["id"]
    assert reply.json["instance"]["data"]["text"] == "still broken"


def test_a_message_nobody_waits_for_is_404(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/messages/customer_reply",
        json={"correlation": {"case_number": "CASE-404"}},
        headers=world.auth("olga"),
    )
    assert response.status_code == 404
    assert "customer_reply" in response.json["message"]


def test_only_admins_send_messages(client: FlaskClient, world: World) -> None:
    response = client.post("/api/messages/new_request", json={}, headers=world.auth("anna"))
    assert response.status_code == 403


def test_correlation_must_be_an_object(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/messages/customer_reply", json={"correlation": "CASE-7"}, headers=world.auth("olga")
    )
    assert response.status_code == 422
    assert "correlation" in response.json["errors"]["json"]
