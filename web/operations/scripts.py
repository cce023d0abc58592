"""The code behind an incident: the failing element's scripts from the version's BPMN.

An incident stores its message, line number and line; showing the whole
script with that line marked lets the operator see what to fix before retrying.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SCRIPT_TAGS = ("script", "preScript", "postScript")


@dataclass(frozen=True)
class ScriptLine:
    number: int
    text: str
    failing: bool


@dataclass(frozen=True)
class Script:
    kind: str  # script | preScript | postScript
    lines: list[ScriptLine]


def scripts_of(
    xml: str, element_id: str, failing_line: int | None, error_line: str | None
) -> list[Script]:
    """The element's scripts, each line numbered; the failing line marked where it matches."""
    try:
        root = etree.fromstring(xml.encode())
    except etree.XMLSyntaxError:
        return []
    found = root.xpath("//*[@id=$id]", id=element_id)
    if not found:
        return []
    scripts = []
    for node in found[0].iter(etree.Element):
        kind = etree.QName(node).localname
        if kind in SCRIPT_TAGS and (node.text or "").strip():
            scripts.append(_numbered(kind, node.text or "", failing_line, error_line))
    return scripts


def _numbered(kind: str, code: str, failing_line: int | None, error_line: str | None) -> Script:
    lines = code.strip("\n").splitlines()
    wanted = (error_line or "").strip()
    lines_out = []
    for number, text in enumerate(lines, start=1):
        failing = number == failing_line and (not wanted or text.strip() == wanted)
        lines_out.append(ScriptLine(number, text, failing))
    if wanted and not any(line.failing for line in lines_out):
        lines_out = [ScriptLine(n.number, n.text, n.text.strip() == wanted) for n in lines_out]
    return Script(kind, lines_out)
