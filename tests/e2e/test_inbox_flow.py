"""A sales day in the browser on the shipped processes and the data of ``clientflow demo``:
anna contacts a lead and qualifies it, boris approves a discounted quote, and a
new lead appears in anna's open inbox without a reload."""

from __future__ import annotations

import pytest

from .conftest import NewPage, field_errors, shot, sign_in
from .site import Site

LEAD, DEAL = "lead_qualification", "deal_approval"
FAST_POLL = """new MutationObserver((_, watcher) => {
  const list = document.getElementById("inbox-list");
  if (list) { list.dataset.interval = "300"; watcher.disconnect(); }
}).observe(document, {childList: true, subtree: true});"""


@pytest.mark.parametrize("site", ["sqlite", "postgresql"], indirect=True)
def test_anna_contacts_a_lead_then_qualifies_it(site: Site, new_page: NewPage) -> None:
    contact = site.open_task(LEAD, "first_contact", "Helix Ltd")  # seeded, routed to anna
    anna = new_page("anna")
    sign_in(anna, "anna")
    row = anna.locator(f"tr[data-task='{contact['id']}']")
    assert row.locator("a.task-link").inner_text() == "First contact: Helix Ltd"
    shot(anna, "lead-1-anna-inbox")

    row.locator("a.task-link").click()
    anna.wait_for_selector("#task-form")
    anna.select_option("#f-channel_used", "call")
    anna.fill("#f-notes", "x" * 2001)
    anna.click("#complete")
    anna.wait_for_selector("#form-errors")
    errors = field_errors(anna)
    assert set(errors) == {"contact_outcome", "notes"}, errors
    assert "required" in errors["contact_outcome"]
    assert anna.input_value("#f-channel_used") == "call"  # what she chose is kept
    shot(anna, "lead-2-field-errors")

    anna.select_option("#f-contact_outcome", "reached")
    anna.fill("#f-notes", "Needs 20 seats before summer.")
    anna.click("#complete")
    bant = site.open_task(LEAD, "bant", "Helix Ltd")  # the next step, for the lead's owner
    assert (bant["instance_id"], bant["assignee"]) == (contact["instance_id"], "anna")
    anna.wait_for_url(f"**/tasks/{bant['id']}")  # she is taken straight to it
    assert anna.inner_text("#task-title") == "Qualify Helix Ltd (BANT)"
    anna.goto("/inbox")
    assert anna.locator(f"tr[data-task='{contact['id']}']").count() == 0
    link = anna.locator(f"tr[data-task='{bant['id']}'] a.task-link")
    assert link.inner_text() == "Qualify Helix Ltd (BANT)"
    shot(anna, "lead-3-bant-in-anna-inbox")

    link.click()
    anna.wait_for_selector("#task-form")
    for name, value in {
        "budget": "confirmed",
        "authority": "decision_maker",
        "need": "clear",
        "timeline": "within_3_months",
        "decision": "convert",
    }.items():
        anna.select_option(f"#f-{name}", value)
    anna.fill("#f-estimated_amount", "lots")
    anna.click("#complete")
    anna.wait_for_selector("#form-errors")
    assert set(field_errors(anna)) == {"deal_name", "estimated_amount"}  # convert needs a name
    shot(anna, "lead-4-bant-errors")

    anna.fill("#f-estimated_amount", "480000")
    anna.fill("#f-deal_name", "Helix: 20 seats")
    anna.click("#complete")
    anna.wait_for_url("**/inbox")
    converted = site.engine.instance(contact["instance_id"])
    assert converted["status"] == "completed"
    anna.goto(f"/customers/{converted['data']['customer_id']}")
    assert "Helix: 20 seats" in anna.inner_text("main")
    shot(anna, "lead-5-customer-card")


def test_boris_approves_a_discounted_quote_and_anna_awaits_the_customer(
    site: Site, new_page: NewPage
) -> None:
    approval = site.open_task(DEAL, "approve_sales", "Q-000002")  # seeded: 10% off for Orion
    assert approval["assignee"] == "boris"
    boris = new_page("boris")
    sign_in(boris, "boris")
    link = boris.locator(f"tr[data-task='{approval['id']}'] a.task-link")
    assert link.inner_text() == "Approve quote Q-000002 (sales_manager)"
    shot(boris, "deal-1-boris-inbox")

    link.click()
    boris.wait_for_selector("#task-form")
    boris.select_option("#f-approval_decision", "reject")
    boris.click("#complete")
    boris.wait_for_selector("#form-errors")
    assert list(field_errors(boris)) == ["approval_comment"]  # a rejection needs a reason
    shot(boris, "deal-2-reject-needs-a-comment")

    boris.select_option("#f-approval_decision", "approve")
    boris.fill("#f-approval_comment", "Fine for a 20-seat deal.")
    boris.click("#complete")
    boris.wait_for_url("**/inbox")
    assert boris.locator(f"tr[data-task='{approval['id']}']").count() == 0
    done = site.engine.tasks(None, scope="all", status="done", process=DEAL)
    assert [t["completed_by"] for t in done if t["id"] == approval["id"]] == ["boris"]

    decision = site.open_task(DEAL, "customer_decision", "Q-000002")
    assert (decision["instance_id"], decision["assignee"]) == (approval["instance_id"], "anna")
    anna = new_page("anna")
    sign_in(anna, "anna")
    link = anna.locator(f"tr[data-task='{decision['id']}'] a.task-link")
    assert link.inner_text() == "Customer's decision on Q-000002"
    shot(anna, "deal-3-anna-awaits-the-customer")


def test_a_new_lead_appears_in_the_open_inbox_without_reload(site: Site, new_page: NewPage) -> None:
    anna = new_page("anna")
    anna.add_init_script(FAST_POLL)
    sign_in(anna, "anna")
    anna.wait_for_selector("#tasks")
    lead = {
        "channel": "web",
        "first_name": "Nina",
        "last_name": "Orlova",
        "company_name": "Nova Trade",
        "email": "nina@nova.example",
        "territory": "msk",
        "segment": "mid",
    }
    site.engine.start(LEAD, lead, user="vera")
    anna.wait_for_selector("a.task-link:has-text('First contact: Nova Trade')")
    assert site.open_task(LEAD, "first_contact", "Nova Trade")["assignee"] == "anna"
    shot(anna, "lead-6-live-refresh")
