"""What changed between two versions: a unified diff per file and a list of elements.

The element list compares the semantic BPMN (not the diagram layout): each
element with an id is summarised by its tag, attributes, text and id-less
children (extension properties, scripts, conditions), so moving a shape is no
change but renaming a task or editing its script is.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from lxml import etree

DI_NAMESPACES = (
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
)


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # added | removed | changed
    tag: str
    name: str


@dataclass(frozen=True)
class FileDiff:
    name: str
    status: str  # added | removed | changed | same
    lines: list[str]


def file_diffs(
    old: dict[str, str], new: dict[str, str], old_label: str, new_label: str
) -> list[FileDiff]:
    """A unified diff per file of the two bundles (unchanged files listed as ``same``)."""
    out = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        status = (
            "added"
            if before is None
            else "removed"
            if after is None
            else ("same" if before == after else "changed")
        )
        lines = list(
            difflib.unified_diff(
                (before or "").splitlines(),
                (after or "").splitlines(),
                f"{old_label}/{name}",
                f"{new_label}/{name}",
                lineterm="",
            )
        )
        out.append(FileDiff(name, status, lines))
    return out


def element_changes(old_xml: str, new_xml: str) -> list[ElementChange]:
    """Elements added, removed or changed between two BPMN/DMN documents."""
    before, after = _elements(old_xml), _elements(new_xml)
    changes = []
    for element_id in sorted(set(before) | set(after)):
        a, b = before.get(element_id), after.get(element_id)
        if a is None and b is not None:
            changes.append(ElementChange(element_id, "added", b[0], b[1]))
        elif b is None and a is not None:
            changes.append(ElementChange(element_id, "removed", a[0], a[1]))
        elif a is not None and b is not None and a[2] != b[2]:
            changes.append(ElementChange(element_id, "changed", b[0], b[1]))
    return changes


def _elements(xml: str) -> dict[str, tuple[str, str, str]]:
    """id -> (tag, name, signature) for every semantic element with an id."""
    try:
        root = etree.fromstring(xml.encode())
    except etree.XMLSyntaxError:
        return {}
    found = {}
    for node in root.iter(etree.Element):
        element_id = node.get("id")
        if element_id is None or _namespace(node) in DI_NAMESPACES:
            continue
        found[element_id] = (etree.QName(node).localname, node.get("name") or "", _signature(node))
    return found


def _namespace(node: etree._Element) -> str:
    return etree.QName(node).namespace or ""


def _signature(node: etree._Element) -> str:
    """Tag, sorted attributes, text, and the signatures of children that have no id."""
    attrs = ",".join(f"{k}={v}" for k, v in sorted(node.attrib.items()))
    parts = [f"{etree.QName(node).localname}[{attrs}]{(node.text or '').strip()}"]
    for child in node.iterchildren(etree.Element):
        if child.get("id") is None:
            parts.append(_signature(child))
    return "(" + "".join(parts) + ")"
