"""Process pages: list, version with live overlays, diagram XML, download, diff, modeler."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from engine import Engine, ManualClock, using_clock
from web.processes import store
from web.processes.stats import element_stats, human_duration, overlays, wait_rows

from ..api.world import World
from ..pages import parse, signed_in, texts
from .helpers import renamed


def test_process_list_shows_every_deployed_process_to_process_owners(client: FlaskClient) -> None:
    page = parse(signed_in(client, "olga").get("/processes/"))
    keys = page.xpath("//table[@id='processes']//tr/@data-key")
    assert {"simple", "fragile", "customer_call", "reply_test"} <= set(keys)


@pytest.mark.parametrize("user", ["anna", "boris", "gleb"])
def test_process_pages_are_forbidden_to_employees(client: FlaskClient, user: str) -> None:
    signed_in(client, user)
    for path in (
        "/processes/",
        "/processes/simple",
        "/processes/simple/versions/1",
        "/processes/simple/versions/1/download",
        "/processes/simple/diff",
        "/processes/simple/versions/1/edit",
    ):
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_the_login_page(client: FlaskClient) -> None:
    for path in ("/processes/", "/processes/versions/1/diagram.bpmn"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_version_page_counts_who_waits_where(client: FlaskClient, world: World) -> None:
    page = parse(signed_in(client, "olga").get("/processes/simple"))
    assert texts(page, "//h1") == ["Simple approval v1"]
    [row] = page.xpath("//table[@id='element-stats']//tr[@data-element='enter']")
    assert row.xpath("string(td[@class='waiting'])") == "1"
    [diagram] = page.xpath("//div[@id='live-diagram']")
    assert '"enter"' in diagram.get("data-badges")
    assert diagram.get("data-xml-url").endswith("/diagram.bpmn")


def test_incidents_show_on_the_element_that_failed(client: FlaskClient) -> None:
    page = parse(signed_in(client, "olga").get("/processes/fragile"))
    [row] = page.xpath("//table[@id='element-stats']//tr[@data-element='divide']")
    assert row.xpath("string(td[@class='incidents'])") == "1"
    assert "errored" in page.xpath("//div[@id='live-diagram']/@data-badges")[0]


def test_average_wait_counts_open_and_done_work(world: World) -> None:
    """Done items count until completion, open ones until now; the slowest task is hottest."""
    engine = world.engine
    files = dict(store.version(engine, "simple", 1).files)
    files["simple.bpmn"] = renamed(files["simple.bpmn"], "Approve", "Approve it")
    [v2] = engine.deploy(files, user="olga")  # a version of its own: only these instances
    clock = ManualClock(datetime(2027, 3, 1, 9, tzinfo=UTC))
    with using_clock(clock):
        done = engine.start("simple", {"company": "A", "owner": "anna"}, user="anna")
        engine.start("simple", {"company": "B", "owner": "anna"}, user="anna")
        clock.advance(hours=2)
        [item] = [t for t in engine.tasks("anna") if t["instance_id"] == done["id"]]
        engine.complete_task(item["id"], {"amount": 5000}, user="anna")  # on to 'approve'
    stats = element_stats(engine, v2["id"], clock.current + timedelta(hours=4))
    enter, approve = stats["enter"], stats["approve"]
    assert (enter.open, enter.done, enter.waiting) == (1, 1, 1)
    assert enter.avg_wait_seconds == pytest.approx(4 * 3600, abs=1)  # (2 h done + 6 h open) / 2
    assert (approve.open, approve.done) == (1, 0)
    assert approve.avg_wait_seconds == pytest.approx(4 * 3600, abs=1)  # open since 11:00
    shown = overlays(stats)
    assert shown["heat"] == {"enter": 1.0, "approve": 1.0}
    assert shown["badges"]["approve"] == {"text": "1", "kind": "active", "title": "1 waiting"}
    assert human_duration(enter.avg_wait_seconds) == "4h 0m"
    chart = wait_rows(sorted(stats.items()), v2_bpmn(engine))
    assert chart["unit"] == "hours"
    assert {r["label"]: r["value"] for r in chart["rows"]} == {
        "Approve it": 4.0,
        "Enter amount for {company}": 4.0,
    }


def v2_bpmn(engine: Engine) -> str:
    return store.version(engine, "simple", 2).bpmn


def test_diagram_xml_is_readable_by_every_signed_in_user(client: FlaskClient, world: World) -> None:
    signed_in(client, "anna")
    version_id = world.engine.processes()[0]["id"]
    response = client.get(f"/processes/versions/{version_id}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert b"BPMNDiagram" in response.data  # a drawing was generated: the file had none
    assert client.get("/processes/versions/999999/diagram.bpmn").status_code == 404


def test_download_gives_the_bundle_or_one_file(client: FlaskClient) -> None:
    signed_in(client, "olga")
    response = client.get("/processes/simple/versions/1/download")
    assert response.status_code == 200
    assert 'filename="simple-v1.zip"' in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == ["approve.json", "enter.json", "simple.bpmn"]
    one = client.get("/processes/simple/versions/1/download?file=enter.json")
    assert one.status_code == 200 and one.mimetype == "application/json"
    assert client.get("/processes/simple/versions/1/download?file=nope.json").status_code == 404
    assert client.get("/processes/simple/versions/9/download").status_code == 404
    assert client.get("/processes/nosuch").status_code == 404


def test_diff_lists_changed_elements_and_file_lines(client: FlaskClient, world: World) -> None:
    engine = world.engine
    [v1] = [p for p in engine.processes() if p["key"] == "simple"]
    files = dict(store.version(engine, "simple", v1["version"]).files)
    files["simple.bpmn"] = renamed(files["simple.bpmn"], "Approve", "Approve the amount")
    engine.deploy(files, user="olga")
    page = parse(signed_in(client, "olga").get("/processes/simple/diff?a=1&b=2"))
    changes = {
        row.get("data-element"): row.get("data-change")
        for row in page.xpath("//table[@id='element-changes']//tr[@data-element]")
    }
    assert changes == {"approve": "changed"}
    [bpmn] = page.xpath("//section[@data-file='simple.bpmn']")
    assert bpmn.get("data-status") == "changed"
    assert any("Approve the amount" in t for t in bpmn.xpath(".//span[@class='add']/text()"))
    assert client.get("/processes/simple/diff").status_code == 200  # defaults: v1 -> v2
    assert client.get("/processes/simple/diff?a=x").status_code == 400
    assert client.get("/processes/simple/diff?a=1&b=7").status_code == 404


def test_modeler_page_carries_the_bundle_with_a_drawing(client: FlaskClient) -> None:
    import json

    page = parse(signed_in(client, "olga").get("/processes/simple/versions/1/edit"))
    files = json.loads(page.xpath("//script[@id='bundle-files']/text()")[0])
    assert sorted(files) == ["approve.json", "enter.json", "simple.bpmn"]
    assert "BPMNDiagram" in files["simple.bpmn"]
    [config] = page.xpath("//div[@id='modeler-config']")
    assert config.get("data-deploy-url") == "/processes/simple/versions/1/deploy"
    assert client.get("/processes/simple/versions/5/edit").status_code == 404
