"""The customer card over the API: for those whose work touches the customer."""

from __future__ import annotations

from flask.testing import FlaskClient

from .world import World


def test_card_shows_contacts_deals_open_tasks_and_running_instances(
    client: FlaskClient, world: World
) -> None:
    response = client.get(f"/api/customers/{world.customer_id}", headers=world.auth("anna"))
    assert response.status_code == 200
    card = response.json
    assert card["customer"]["name"] == "Vega LLC"
    assert [c["phones"][0]["number"] for c in card["contacts"]] == ["+79215550102"]
    assert [(d["name"], d["amount"]) for d in card["deals"]] == [("Vega LLC", "1200.00")]
    assert [t["id"] for t in card["open_tasks"]] == [world.call_task]
    assert [i["id"] for i in card["running_instances"]] == [world.call_instance]
    assert card["running_instances"][0]["process"] == "customer_call"
    assert card["timeline"] == {"items": [], "next_before": None}


def test_customers_beyond_my_work_are_403(client: FlaskClient, world: World) -> None:
    for user in ("vera", "gleb", "egor"):
        response = client.get(f"/api/customers/{world.customer_id}", headers=world.auth(user))
        assert response.status_code == 403, user
    for user in ("boris", "dina", "olga"):  # managers and the admin, as on the customer page
        response = client.get(f"/api/customers/{world.customer_id}", headers=world.auth(user))
        assert response.status_code == 200, user


def test_done_tasks_keep_the_customer_visible_to_who_did_them(
    client: FlaskClient, world: World
) -> None:
    client.post(f"/api/tasks/{world.call_task}/claim", headers=world.auth("anna"))
    done = client.post(
        f"/api/tasks/{world.call_task}/complete",
        json={"data": {"outcome": "reached"}},
        headers=world.auth("anna"),
    )
    assert done.status_code == 200
    card = client.get(f"/api/customers/{world.customer_id}", headers=world.auth("anna"))
    assert card.status_code == 200
    assert card.json["open_tasks"] == []


def test_unknown_customers_are_404(client: FlaskClient, world: World) -> None:
    for customer_id in (999_999, 10**30):
        response = client.get(f"/api/customers/{customer_id}", headers=world.auth("olga"))
        assert response.status_code == 404


def test_a_bad_timeline_cursor_is_422(client: FlaskClient, world: World) -> None:
    response = client.get(
        f"/api/customers/{world.customer_id}?before=yesterday", headers=world.auth("olga")
    )
    assert response.status_code == 422
    assert "before" in response.json["errors"]["query"]
