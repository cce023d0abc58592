"""Olga changes the shipped processes in the browser: renames a task of lead
qualification and deploys it (new instances take it, running ones keep theirs),
is stopped by a script error, edits the lead-scoring decision table, and edits
campaign execution without losing its multi-instance call task."""

from __future__ import annotations

from typing import Any

from web.processes import store

from .conftest import NewPage, shot, sign_in
from .site import Site

LEAD = "lead_qualification"
NEW_NAME = "Call the lead: {display_name}"


def new_lead(site: Site, company: str) -> dict[str, Any]:
    """A web lead for the Moscow team (routed to anna), as the web form would send it."""
    data = {
        "channel": "web",
        "first_name": "Nina",
        "last_name": "Orlova",
        "company_name": company,
        "email": f"nina@{company.split()[0].lower()}.example",
        "territory": "msk",
        "segment": "mid",
    }
    return site.engine.start(LEAD, data, user="vera")


def open_modeler(page: Any, key: str, version: int = 1) -> None:
    page.goto(f"/processes/{key}/versions/{version}/edit")
    page.wait_for_function("window.cfModeler && window.cfModeler.state.editor")


def test_olga_renames_a_task_and_only_new_instances_take_it(site: Site, new_page: NewPage) -> None:
    engine = site.engine
    before = site.open_task(LEAD, "first_contact", "Helix Ltd")  # started by the demo on v1
    olga = new_page("olga")
    sign_in(olga, "olga")
    olga.click("#nav-processes")
    olga.click(f"tr[data-key={LEAD}] a")
    olga.wait_for_selector("#live-diagram[data-rendered=done]")
    assert olga.inner_text(".cf-badge[data-element=first_contact]") == "2"  # Helix and Atlas
    shot(olga, "modeler-1-process-page")

    olga.click("#edit")
    olga.wait_for_function("window.cfModeler && window.cfModeler.state.editor")
    olga.dblclick(".djs-element[data-element-id=first_contact]")
    olga.wait_for_selector(".djs-direct-editing-parent")
    olga.keyboard.press("Control+A")
    olga.keyboard.type(NEW_NAME)
    olga.click(".djs-element[data-element-id=bant]")  # leaves the label, selects another task
    olga.click(".djs-element[data-element-id=first_contact]")
    assert olga.input_value("#prop-name") == NEW_NAME
    olga.click("#validate")
    olga.wait_for_selector("#status.cf-ok")
    shot(olga, "modeler-2-renamed-and-validated")
    olga.click("#deploy")
    olga.wait_for_selector("#deployed-version[data-version='2']")
    shot(olga, "modeler-3-deployed")

    v1, v2 = store.version(engine, LEAD, 1), store.version(engine, LEAD, 2)
    assert v2.deployed_by == "olga"
    assert 'name="form" value="forms/contact_attempt.json"' in v2.bpmn  # properties kept
    assert set(v2.files) == set(v1.files)  # the forms and decision tables went along
    fresh = new_lead(site, "Nova Trade")
    assert fresh["version_id"] == v2.id
    assert engine.instance(before["instance_id"])["version_id"] == v1.id

    anna = new_page("anna")
    sign_in(anna, "anna")
    titles = anna.locator("a.task-link").all_inner_texts()
    assert "Call the lead: Nova Trade" in titles  # the new version's name
    assert "First contact: Helix Ltd" in titles  # the running instance keeps its version
    shot(anna, "modeler-4-anna-sees-both-versions")

    olga.goto(f"/processes/{LEAD}/diff?a=1&b=2")
    assert olga.get_attribute("tr[data-element=first_contact]", "data-change") == "changed"
    shot(olga, "modeler-5-diff")


def test_a_script_error_is_marked_on_the_element_and_not_deployed(
    site: Site, new_page: NewPage
) -> None:
    olga = new_page("olga")
    sign_in(olga, "olga")
    open_modeler(olga, "deal_approval")
    olga.click(".djs-element[data-element-id=read]")
    olga.fill("#prop-script", "total = quote['total'] *")
    olga.dispatch_event("#prop-script", "change")
    olga.click("#validate")
    olga.wait_for_selector("#problems li[data-element=read]")
    assert "syntax error" in olga.inner_text("#problems li[data-element=read]")
    olga.wait_for_selector(".djs-element.cf-errored[data-element-id=read]")
    shot(olga, "modeler-6-validation-error")
    olga.click("#deploy")
    olga.wait_for_selector("#problems li[data-element=read]")
    versions = [p["version"] for p in site.engine.processes() if p["key"] == "deal_approval"]
    assert versions == [1]


def test_the_lead_score_table_is_edited_and_deployed(site: Site, new_page: NewPage) -> None:
    olga = new_page("olga")
    sign_in(olga, "olga")
    open_modeler(olga, LEAD)
    olga.select_option("#file-select", "lead_score.dmn")
    olga.wait_for_selector("td[data-element-id=r3_out0_lead_score]")  # mid segment: 60
    olga.click("td[data-element-id=r3_out0_lead_score]")
    olga.keyboard.press("Control+A")
    olga.keyboard.type("65")
    olga.click("td[data-element-id=r4_out0_lead_score]")
    shot(olga, "modeler-7-decision-table")
    olga.click("#deploy")
    olga.wait_for_selector("#deployed-version[data-version='2']")
    assert "<text>65</text>" in store.version(site.engine, LEAD, 2).files["lead_score.dmn"]
    assert new_lead(site, "Mid Size Co")["data"]["score"] == 65


def test_a_multi_instance_task_keeps_its_collection_through_the_modeler(
    site: Site, new_page: NewPage
) -> None:
    olga = new_page("olga")
    sign_in(olga, "olga")
    open_modeler(olga, "campaign_execution")
    olga.click(".djs-element[data-element-id=call]")
    olga.fill("#prop-name", "Phone the contacts of {name}")
    olga.dispatch_event("#prop-name", "change")
    olga.click("#deploy")
    olga.wait_for_selector("#deployed-version[data-version='2']")
    bpmn = store.version(site.engine, "campaign_execution", 2).bpmn
    assert "<bpmn:loopDataInputRef>call_lists</bpmn:loopDataInputRef>" in bpmn
    assert 'name="Phone the contacts of {name}"' in bpmn
