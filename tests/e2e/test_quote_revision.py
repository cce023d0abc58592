"""A quote sent back for changes: boris asks, anna edits the quote lines in the browser
(adding a row), and the new quote goes to the customer without another approval."""

from __future__ import annotations

from .conftest import NewPage, field_errors, shot, sign_in
from .site import Site

DEAL = "deal_approval"


def test_boris_asks_for_changes_and_anna_revises_the_lines(site: Site, new_page: NewPage) -> None:
    approval = site.open_task(DEAL, "approve_sales", "Q-000002")  # seeded: 10% off for Orion
    boris = new_page("boris")
    sign_in(boris, "boris")
    boris.goto(f"/tasks/{approval['id']}")
    boris.select_option("#f-approval_decision", "changes")
    boris.fill("#f-approval_comment", "No discount, but add premium support.")
    boris.click("#complete")
    boris.wait_for_url("**/inbox")

    revise = site.open_task(DEAL, "revise")
    assert (revise["instance_id"], revise["assignee"]) == (approval["instance_id"], "anna")
    anna = new_page("anna")
    sign_in(anna, "anna")
    anna.click(f"tr[data-task='{revise['id']}'] a.task-link")
    anna.wait_for_selector("#task-form")
    assert anna.input_value("#f-lines-0-sku") == "CRM-SEAT"  # the current lines, to edit
    assert anna.input_value("#f-lines-1-sku") == "CRM-ONB"
    anna.click("button.add-row")
    anna.fill("#f-lines-2-sku", "CRM-SUP")
    anna.fill("#f-lines-2-qty", "0")
    anna.fill("#f-discount_pct", "0")
    anna.click("#complete")
    anna.wait_for_selector("#form-errors")
    assert list(field_errors(anna)) == ["lines/2/qty"]  # a quantity must be above zero
    assert anna.input_value("#f-lines-2-sku") == "CRM-SUP"  # the added row is kept
    shot(anna, "revise-1-row-error")

    anna.fill("#f-lines-2-qty", "1")
    anna.click("#complete")
    # 690,000 at list price: no approval, straight to the customer
    decision = site.open_task(DEAL, "customer_decision", instance_id=approval["instance_id"])
    anna.wait_for_url(f"**/tasks/{decision['id']}")
    data = site.engine.instance(approval["instance_id"])["data"]
    assert decision["title"] == f"Customer's decision on {data['quote_number']}"
    assert data["quote_number"] != "Q-000002" and data["revision"] == 1
    assert data["quote"]["total"] == "690000.00"
    assert [line["qty"] for line in data["quote"]["lines"]] == ["20.000", "1.000", "1.000"]
    shot(anna, "revise-2-new-quote-sent")
