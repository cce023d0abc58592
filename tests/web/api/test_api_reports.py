"""Reports over the API: pipeline, SLA and campaigns, for managers, owners and admins."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from engine import ManualClock, using_clock

from .world import World, start_call


def test_pipeline_counts_deals_by_stage(client: FlaskClient, world: World) -> None:
    start_call(world.engine, company="Orion LLC", phone="+79215550777")
    response = client.get("/api/reports/pipeline", headers=world.auth("boris"))
    assert response.status_code == 200
    body = response.json
    assert body["report"] == "pipeline"
    assert body["rows"] == [
        {
            "stage": "qualification",
            "currency": "RUB",
            "deals": 2,
            "amount": "2400.00",
            "weighted": "240.00",
        }
    ]
    assert body["totals"] == {"open_deals": 2, "won_deals": 0, "lost_deals": 0}


def test_sla_counts_overdue_tasks_by_group(client: FlaskClient, world: World) -> None:
    fresh = client.get("/api/reports/sla", headers=world.auth("dina")).json["rows"]
    sales = next(r for r in fresh if r["group"] == "sales")
    assert (sales["open"], sales["overdue"]) == (2, 0)
    clock = ManualClock()
    clock.advance(timedelta(days=30))
    with using_clock(clock):
        later = client.get("/api/reports/sla", headers=world.auth("dina")).json
    sales = next(r for r in later["rows"] if r["group"] == "sales")
    assert (sales["open"], sales["overdue"]) == (2, 2)
    assert later["totals"]["overdue"] >= 2


def test_campaigns_report_is_empty_without_campaigns(client: FlaskClient, world: World) -> None:
    response = client.get("/api/reports/campaigns", headers=world.auth("olga"))
    assert response.status_code == 200
    assert response.json == {"report": "campaigns", "rows": [], "totals": {"campaigns": 0}}


def test_unknown_report_is_404_listing_the_known_ones(client: FlaskClient, world: World) -> None:
    response = client.get("/api/reports/nope", headers=world.auth("olga"))
    assert response.status_code == 404
    assert "pipeline" in response.json["message"]


def test_reports_are_not_for_every_employee(client: FlaskClient, world: World) -> None:
    for user in ("anna", "vera", "gleb", "egor"):
        response = client.get("/api/reports/pipeline", headers=world.auth(user))
        assert response.status_code == 403, user
