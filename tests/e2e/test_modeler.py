"""Olga changes processes in the browser: rename a task, deploy; validate errors; a DMN table."""

from __future__ import annotations

from typing import Any

from tests.web.admin.live import Live, bpm_live, bpm_page, login, shot
from web.processes import store

__all__ = ["bpm_live", "bpm_page"]  # fixtures used below


def _open_modeler(page: Any, live: Live, key: str) -> None:
    page.goto(f"{live.base}/processes/{key}/versions/1/edit")
    page.wait_for_function("window.cfModeler && window.cfModeler.state.editor")


def test_olga_renames_a_task_and_new_instances_take_the_new_version(
    bpm_live: Live, bpm_page: Any
) -> None:
    live, page, engine = bpm_live, bpm_page, bpm_live.world.engine
    login(page, live, "olga")
    page.click("#nav-processes")
    page.click("tr[data-key=simple] a")
    page.wait_for_selector("#live-diagram[data-rendered=done]")
    assert page.inner_text(".cf-badge[data-element=enter]") == "1"  # the world's open task
    shot(page, "modeler-1-process-page")
    page.click("#edit")
    page.wait_for_function("window.cfModeler && window.cfModeler.state.editor")
    page.dblclick(".djs-element[data-element-id=enter]")
    page.wait_for_selector(".djs-direct-editing-parent")
    page.keyboard.press("Control+A")
    page.keyboard.type("Type the amount for {company}")
    page.click(".djs-container svg", position={"x": 400, "y": 520})  # leave the label
    page.click(".djs-element[data-element-id=enter]")
    assert page.input_value("#prop-name") == "Type the amount for {company}"
    page.click("#validate")
    page.wait_for_selector("#status.cf-ok")
    shot(page, "modeler-2-renamed-and-validated")
    page.click("#deploy")
    page.wait_for_selector("#deployed-version[data-version='2']")
    shot(page, "modeler-3-deployed")
    assert page.errors == []

    v1, v2 = store.version(engine, "simple", 1), store.version(engine, "simple", 2)
    assert v2.deployed_by == "olga"
    assert 'spiffworkflow:property name="form" value="enter.json"' in v2.bpmn  # kept
    fresh = engine.start("simple", {"company": "Nova", "owner": "anna"}, user="anna")
    old = engine.instance(live.world.enter_instance)
    assert (fresh["version_id"], old["version_id"]) == (v2.id, v1.id)
    titles = {t["instance_id"]: t["title"] for t in engine.tasks("anna")}
    assert titles[fresh["id"]] == "Type the amount for Nova"
    assert titles[live.world.enter_instance] == "Enter amount for Orion"

    page.click("#deployed-version")
    page.wait_for_selector("#live-diagram[data-rendered=done]")
    assert page.inner_text("h1") == "Simple approval v2"
    page.goto(f"{live.base}/processes/simple/diff?a=1&b=2")
    assert page.get_attribute("tr[data-element=enter]", "data-change") == "changed"
    shot(page, "modeler-4-diff")


def test_validation_errors_are_marked_on_the_element(bpm_live: Live, bpm_page: Any) -> None:
    live, page = bpm_live, bpm_page
    login(page, live, "olga")
    _open_modeler(page, live, "simple")
    page.click(".djs-element[data-element-id=calc]")
    page.fill("#prop-script", "total = amount *")
    page.dispatch_event("#prop-script", "change")
    page.click("#validate")
    page.wait_for_selector("#problems li[data-element=calc]")
    assert "syntax error" in page.inner_text("#problems li[data-element=calc]")
    page.wait_for_selector(".djs-element.cf-errored[data-element-id=calc]")
    shot(page, "modeler-5-validation-error")
    page.click("#deploy")
    page.wait_for_selector("#problems li[data-element=calc]")
    assert [p["version"] for p in live.world.engine.processes() if p["key"] == "simple"] == [1]


def test_a_decision_table_is_edited_and_deployed(bpm_live: Live, bpm_page: Any) -> None:
    live, page, engine = bpm_live, bpm_page, bpm_live.world.engine
    login(page, live, "olga")
    _open_modeler(page, live, "scored")
    page.select_option("#file-select", "score.dmn")
    page.wait_for_selector("td[data-element-id=rule_big_out]")
    page.click("td[data-element-id=rule_big_out]")
    page.keyboard.press("Control+A")
    page.keyboard.type("95")
    page.click("td[data-element-id=rule_small_out]")
    shot(page, "modeler-6-decision-table")
    page.click("#deploy")
    page.wait_for_selector("#deployed-version[data-version='2']")
    assert "<text>95</text>" in store.version(engine, "scored", 2).files["score.dmn"]
    assert engine.start("scored", {"budget": 20000})["data"]["score"] == 95
    assert page.errors == []
