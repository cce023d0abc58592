"""Each shipped process renders on its process page: every shape and flow of the
diagram is drawn by bpmn-js, every task shows its name, the import reports no
warning, and a screenshot of the page is kept (``test-artifacts/e2e/diagram-*.png``).

The one warning allowed is SpiffWorkflow's convention of naming a multi-instance
collection after a task-data variable (``<loopDataInputRef>call_lists</...>``),
which bpmn-js reports as an unresolved reference (the modeler keeps it on save)."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .conftest import NewPage, shot, sign_in
from .site import PROCESSES, SHIPPED, Site

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
TASKS = ("userTask", "serviceTask", "scriptTask", "businessRuleTask", "receiveTask", "sendTask")
# Import the page's XML again in a detached viewer: importXML resolves with the
# warnings (unknown elements, broken references) the page's viewer swallows.
IMPORT_WARNINGS = """async (el) => {
  const xml = await (await fetch(el.dataset.xmlUrl)).text();
  const viewer = new window.BpmnJS({container: document.createElement("div")});
  const result = await viewer.importXML(xml);
  viewer.destroy();
  return result.warnings.map((w) => w.message);
}"""


def drawn_in_file(key: str) -> tuple[set[str], dict[str, str], set[str]]:
    """The ids the file's diagram draws, each task's name, and the import warnings
    its multi-instance variables cause."""
    root = etree.parse(str(PROCESSES / key / f"{key}.bpmn")).getroot()
    ids = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    ids |= {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    names = {
        task.get("id"): task.get("name")
        for kind in TASKS
        for task in root.iterfind(f".//bpmn:{kind}", NS)
    }
    refs = root.iterfind(".//bpmn:multiInstanceLoopCharacteristics/*", NS)
    variables = {r.text.strip() for r in refs if r.tag.endswith(("DataInputRef", "DataOutputRef"))}
    return ids, names, {f"unresolved reference <{v}>" for v in variables}


def rendered(page: Any) -> dict[str, tuple[str, bool]]:
    """Element id -> (the text of its label, whether it has a box), for every element
    bpmn-js drew (one round trip to the browser)."""
    return {
        key: (text, boxed)
        for key, (text, boxed) in page.eval_on_selector_all(
            "#live-diagram .djs-element[data-element-id]",
            """els => Object.fromEntries(els.map(e => [e.dataset.elementId, [
              e.querySelector(".djs-visual")?.textContent || "",
              !!e.querySelector(".djs-visual rect")]]))""",
        ).items()
    }


def problems_on_page(page: Any, key: str) -> list[str]:
    """What is missing or wrong in the drawing of ``key`` on its process page."""
    ids, names, variables = drawn_in_file(key)
    page.goto(f"/processes/{key}")
    page.wait_for_selector("#live-diagram[data-rendered=done]")
    on_page = rendered(page)
    problems = [f"not drawn: {sorted(ids - set(on_page))}"] if ids - set(on_page) else []
    if not names:
        problems.append("no task in the file")
    for task, name in names.items():
        label, boxed = on_page.get(task, ("", False))
        if not boxed:
            problems.append(f"{task}: no shape")
        if re.sub(r"\s+", "", label) != re.sub(r"\s+", "", name):
            problems.append(f"{task}: label {label!r}, name {name!r}")
    box = page.locator("#live-diagram svg").first.bounding_box()
    if box is None or box["width"] < 300 or box["height"] < 150:
        problems.append(f"the drawing is too small: {box}")
    warnings = page.evaluate(IMPORT_WARNINGS, page.locator("#live-diagram").element_handle())
    problems += [f"import warning: {w}" for w in warnings if w not in variables]
    if page.locator("#live-diagram .cf-diagram-status.error").count():
        problems.append(page.inner_text("#live-diagram .cf-diagram-status"))
    return problems


def test_every_shipped_process_page_draws_its_whole_diagram(site: Site, new_page: NewPage) -> None:
    assert set(SHIPPED) >= {
        "lead_qualification",
        "deal_approval",
        "campaign_execution",
        "complaint_resolution",
        "campaign_response",
        "contact_import",
    }
    olga = new_page("olga")
    sign_in(olga, "olga")
    found = {}
    for key in SHIPPED:
        found[key] = problems_on_page(olga, key)
        shot(olga, f"diagram-{key}")
    assert {key: p for key, p in found.items() if p} == {}
