"""deal_approval: the customer writes while the quote is in approval.

While a quote (the first one, or one revised at the approver's request) waits
for the sales manager's, the sales director's or finance's approval, a
non-interrupting event on that approval catches every ``quote_reply`` to the
quote in approval: the reply is put on the deal once (the mailbox's row, by its
``reply_external_id``, is linked rather than repeated) and "Customer wrote
about quote ..." goes to the deal's owner, not the approver; the approval goes on.
"""

from __future__ import annotations

import sqlalchemy as sa

from crm.models import Deal, Direction, Interaction
from engine import Engine

from ._deals import APPROVE, quotes, reply, start
from ._support import (
    actions,
    complete,
    done_tasks,
    get,
    integration_logs,
    messages,
    reviews,
    rows,
    task,
)


def replies_on(engine: Engine, deal_id: int) -> list[Interaction]:
    """The customer's emails on the deal's timeline, oldest first."""
    query = sa.select(Interaction).where(
        Interaction.deal_id == deal_id, Interaction.direction == Direction.INBOUND
    )
    return rows(engine, query.order_by(Interaction.id))


def mailbox_logs(engine: Engine, customer_id: int, message_id: str, text: str) -> int:
    """The integrations' interaction process logs the email before the message goes out."""
    return integration_logs(
        engine,
        **{"kind": "email", "direction": "in", "channel": "email", "subject": "Re: offer"},
        **{"body": text, "customer_id": customer_id},
        **{"external_id": message_id, "sender": "ivan@vega.example"},
    )


def test_a_reply_while_the_manager_approves_goes_to_the_owner_and_the_approval_goes_on(
    deals: Engine, deal_id: int
) -> None:
    iid = start(deals, deal_id, discount_pct=10)["id"]
    approval = task(deals, iid, "approve_sales")
    [quote] = quotes(deals, deal_id)
    assert quote.status == "draft"
    deal = get(deals, Deal, deal_id)
    logged = mailbox_logs(deals, deal.customer_id, "email:q1@vega.example", "Any news?")

    sent = reply(
        deals,
        quote.number,
        reply_text="Any news?",
        reply_from="ivan@vega.example",
        reply_external_id="email:q1@vega.example",
    )

    assert (sent["outcome"], sent["instance"]["id"]) == ("delivered", iid)
    [noted] = replies_on(deals, deal_id)
    assert noted.id == logged  # the mailbox's row, linked to the deal, not a second one
    assert (noted.external_id, noted.body, noted.customer_id, noted.instance_id) == (
        "email:q1@vega.example",
        "Any news?",
        deal.customer_id,
        iid,
    )
    query = sa.select(Interaction).where(Interaction.external_id == "email:q1@vega.example")
    assert len(rows(deals, query)) == 1
    [review] = reviews(deals, iid)
    assert (review["task"], review["title"], review["group"], review["assignee"]) == (
        "review_approve_sales_reply",
        f"Customer wrote about quote {quote.number}",
        "sales",
        "anna",  # the owner, not boris who approves
    )
    assert deals.task(review["id"])["data"]["reply_text"] == "Any news?"
    still = task(deals, iid, "approve_sales")
    assert (still["id"], still["assignee"]) == (approval["id"], "boris")  # not interrupted
    assert ("message", None) in actions(deals, iid)

    reply(deals, quote.number, reply_text="Hello?")  # the event is armed again
    assert [r["assignee"] for r in reviews(deals, iid)] == ["anna", "anna"]
    assert [i.body for i in replies_on(deals, deal_id)] == ["Any news?", "Hello?"]
    complete(deals, iid, "approve_sales", APPROVE, "boris")
    assert quotes(deals, deal_id)[0].status == "sent"
    assert task(deals, iid, "customer_decision")["assignee"] == "anna"
    first = reviews(deals, iid)[0]
    deals.complete_task(first["id"], {"action": "answered"}, "anna")
    assert ("review_approve_sales_reply", "done", "anna") in done_tasks(deals, iid)
    assert messages(deals, iid) == 2


def test_a_reply_to_a_revised_quote_in_approval_is_caught(deals: Engine, deal_id: int) -> None:
    iid = start(deals, deal_id, discount_pct=10)["id"]
    changes = {"approval_decision": "changes", "approval_comment": "one more seat"}
    complete(deals, iid, "approve_sales", changes, "boris")
    complete(deals, iid, "revise", {"lines": [{"sku": "CRM-SEAT", "qty": 11}]}, "anna")
    old, new = quotes(deals, deal_id)
    assert (old.status, new.status) == ("rejected", "draft")
    approval = task(deals, iid, "approve_sales")

    sent = reply(deals, new.number, reply_text="Is 11 seats fine?", reply_from="ivan@vega.example")

    assert sent["outcome"] == "delivered"
    [review] = reviews(deals, iid)
    assert (review["task"], review["title"], review["assignee"]) == (
        "review_approve_sales_reply",
        f"Customer wrote about quote {new.number}",
        "anna",
    )
    [noted] = replies_on(deals, deal_id)
    assert (noted.subject, noted.sender, noted.instance_id) == (
        f"Re: Commercial offer {new.number}",
        "ivan@vega.example",
        iid,
    )
    assert task(deals, iid, "approve_sales")["id"] == approval["id"]
    stale = reply(deals, old.number, reply_text="about the first one")
    assert stale["outcome"] == "unmatched"  # the integration sends such an email on to `new`
    assert messages(deals, iid) == 1


def test_replies_while_the_director_and_finance_approve_go_to_the_owner(
    deals: Engine, deal_id: int
) -> None:
    iid = start(deals, deal_id, discount_pct=30)["id"]
    [quote] = quotes(deals, deal_id)
    complete(deals, iid, "approve_sales", APPROVE, "boris")
    assert task(deals, iid, "approve_sales")["assignee"] == "dmitry"

    reply(deals, quote.number, reply_text="Waiting for the director?")

    [review] = reviews(deals, iid)
    assert (review["task"], review["assignee"]) == ("review_approve_sales_reply", "anna")
    assert task(deals, iid, "approve_sales")["assignee"] == "dmitry"
    complete(deals, iid, "approve_sales", APPROVE, "dmitry")
    finance = task(deals, iid, "approve_finance")

    sent = reply(
        deals, quote.number, customer_comment="Please hurry", reply_from="ivan@vega.example"
    )

    assert sent["outcome"] == "delivered"
    found = [t for t in reviews(deals, iid) if t["task"] == "review_approve_finance_reply"]
    assert [(t["title"], t["group"], t["assignee"]) for t in found] == [
        (f"Customer wrote about quote {quote.number}", "sales", "anna")
    ]
    still = task(deals, iid, "approve_finance")
    assert (still["id"], still["group"], still["assignee"]) == (finance["id"], "finance", None)
    assert [i.body for i in replies_on(deals, deal_id)] == [
        "Waiting for the director?",
        "Please hurry",  # customer_comment when there is no reply_text
    ]
    assert all(i.instance_id == iid for i in replies_on(deals, deal_id))
    complete(deals, iid, "approve_finance", APPROVE, "egor")
    assert quotes(deals, deal_id)[0].status == "sent"
    assert messages(deals, iid) == 2
