"""An admin finds a complaint stopped in a service task (a customer number that does
not exist), retries it, fixes the data and retries again; suspends and resumes an
instance; employees cannot open operations."""

from __future__ import annotations

import json

from .conftest import NewPage, shot, sign_in
from .site import Site

COMPLAINT = "complaint_resolution"


def test_admin_fixes_the_customer_and_retries_an_incident(site: Site, new_page: NewPage) -> None:
    engine = site.engine
    known = site.open_task(COMPLAINT, "respond", "CASE-000001")  # seeded, for a demo customer
    customer_id = int(known["customer_id"])
    typo = {"customer_id": 999, "subject": "Invoice charged twice", "severity": "major"}
    failed = engine.start(COMPLAINT, {**typo, "channel": "agent"}, user="gleb")
    assert failed["status"] == "incident"

    olga = new_page("olga")
    sign_in(olga, "olga")
    olga.goto(f"/processes/{COMPLAINT}")
    olga.wait_for_selector("#live-diagram[data-rendered=done]")
    assert "errored" in olga.get_attribute(".cf-badge[data-element=load_context]", "class")
    olga.click("#nav-operations")
    olga.select_option("select[name=status]", "incident")
    olga.click("#filters button[type=submit]")
    olga.click(f"tr[data-instance='{failed['id']}'] a")
    olga.wait_for_selector("#instance-diagram[data-rendered=done]")
    olga.wait_for_selector(".djs-element.cf-errored[data-element-id=load_context]")
    assert olga.inner_text("#instance-status") == "incident"
    assert "no customer with id 999" in olga.inner_text(".incident-message")
    shot(olga, "operations-1-incident")

    olga.click("#retry")  # the same data fails the same way: a new incident
    olga.wait_for_selector(".incident[data-resolved=yes]")
    assert olga.inner_text("#instance-status") == "incident"
    assert olga.locator(".incident[data-resolved=no]").count() == 1

    olga.fill("#retry-data", json.dumps({"customer_id": customer_id}))
    olga.click("#retry")
    olga.wait_for_selector("#instance-status:has-text('running')")
    olga.wait_for_selector(".djs-element.cf-completed[data-element-id=load_context]")
    olga.wait_for_selector(".djs-element.cf-active[data-element-id=respond]")
    shot(olga, "operations-2-retried")
    detail = engine.instance(failed["id"])
    assert detail["status"] == "running"
    assert [i["resolution"] for i in detail["incidents"]] == ["retried", "retried"]
    [respond] = detail["active_tasks"]
    assert (respond["task"], respond["assignee"]) == ("respond", "gleb")
    assert respond["customer_id"] == str(customer_id)


def test_admin_suspends_and_resumes_from_the_instance_page(site: Site, new_page: NewPage) -> None:
    lead = site.open_task("lead_qualification", "first_contact", "Helix Ltd")["instance_id"]
    olga = new_page("olga")
    sign_in(olga, "olga")
    olga.goto(f"/operations/instances/{lead}")
    olga.click("#suspend")
    olga.wait_for_selector("#instance-status:has-text('suspended')")
    assert site.engine.instance(lead)["status"] == "suspended"
    olga.click("#resume")
    olga.wait_for_selector("#instance-status:has-text('running')")
    assert site.engine.instance(lead)["status"] == "running"


def test_employees_cannot_open_operations(site: Site, new_page: NewPage) -> None:
    anna = new_page("anna")
    sign_in(anna, "anna")
    response = anna.goto("/operations/instances")
    assert response.status == 403
    assert anna.locator("#nav-operations").count() == 0
