"""complaint_resolution as a file: it validates, and its drawing is whole and readable.

bpmn-js shows what the diagram interchange draws, so every node must have a
shape inside its lane and every boundary event must sit on its task's border;
tests/e2e/test_diagrams.py checks the page itself in a browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from clientflow_cli.main import cli

from ._complaints import KEY
from .conftest import BPMN_NS, PROCESSES, assert_diagram_complete, assert_drawn_in_lanes

# the "customer wrote" task of each wait a reply lands on, and the lane (group) it goes to
REVIEWS = {
    "review_respond_reply": "support",
    "review_resolve_reply": "support",
    "review_respond_lead_reply": "support_leads",
    "review_take_over_reply": "support_leads",
    "review_refund_reply": "support",
    "review_call_proposal_contact": "support",
    "review_respond_call": "support",
    "review_resolve_call": "support",
    "review_respond_lead_call": "support_leads",
    "review_take_over_call": "support_leads",
    "review_refund_call": "support",
    "review_take_call_reply": "support",
    "review_ask_score_reply": "support",
}
# every wait the customer may write (or call) during, and its catching boundary events
WAITS = {
    "respond": {"respond_reply", "respond_call"},
    "resolve": {"resolve_reply", "resolve_call"},
    "respond_lead": {"respond_lead_reply", "respond_lead_call"},
    "take_over": {"take_over_reply", "take_over_call"},
    "approve_refund": {"refund_reply", "refund_call"},
    "call_proposal": {"call_proposal_reply", "call_proposal_call"},
    "take_call": {"take_call_reply"},
    "ask_score": {"ask_score_reply"},
}


def test_the_process_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    result = CliRunner().invoke(cli, ["validate", str(PROCESSES / KEY)])

    assert result.exit_code == 0, result.output


def test_every_wait_catches_the_customer_without_interrupting_it() -> None:
    root = etree.parse(str(PROCESSES / KEY / f"{KEY}.bpmn")).getroot()
    ns = {"bpmn": BPMN_NS}
    catches: dict[str, set[str]] = {}
    for event in root.iterfind(".//bpmn:boundaryEvent", ns):
        message = event.find("bpmn:messageEventDefinition", ns)
        if message is None or event.get("attachedToRef") == "await_reply":
            continue  # after the proposal a reply or a call answers it: interrupting
        assert event.get("cancelActivity") == "false", event.get("id")
        catches.setdefault(event.get("attachedToRef"), set()).add(event.get("id"))

    assert catches == WAITS


def test_the_diagram_draws_every_node_in_its_lane_and_events_on_borders() -> None:
    """bpmn-js shows what the DI draws: every node inside its lane, boundary events on
    their task's border (the reply events share the lower border with the SLA timers)."""
    path = PROCESSES / KEY / f"{KEY}.bpmn"
    assert_diagram_complete(path)
    lanes = assert_drawn_in_lanes(path)

    for activity in ("respond", "resolve"):
        for kind in ("reply", "call"):
            path_nodes = {
                f"{activity}_{kind}",
                f"note_{activity}_{kind}",
                f"review_{activity}_{kind}",
            }
            assert path_nodes | {f"end_{activity}_{kind}"} <= lanes["support"]
    for review, lane in REVIEWS.items():
        assert review in lanes[lane], f"{review} is not in {lane}"
