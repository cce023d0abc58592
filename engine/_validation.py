"""Deploy-time checks: refuse what SpiffWorkflow would skip, mis-run, or fail on later.

Spiff parses link events, compensation and complex gateways but does not run
them correctly, so a process using them would stall or skip work silently in
production. We reject them by name and line. Gateway loops are allowed:
``_pruning`` keeps the task tree flat, so they run any number of turns.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import jsonschema
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from . import _events
from ._calendar import parse_duration
from ._errors import Problem

if TYPE_CHECKING:
    from ._definitions import ParsedVersion
    from ._operators import OperatorRegistry

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}

UNSUPPORTED = {
    ".//bpmn:linkEventDefinition": "link events are not executed by the engine; "
    "draw the sequence flow instead",
    ".//bpmn:compensateEventDefinition": "compensation is not supported; "
    "model the undo work as explicit tasks",
    ".//bpmn:*[@isForCompensation='true']": "compensation handlers are not supported",
    ".//bpmn:complexGateway": "complex gateways are not supported; "
    "use an inclusive or exclusive gateway",
}


def check_bundle(files: Mapping[str, str]) -> list[Problem]:
    """File-level checks: well-formed XML, unsupported elements, forms."""
    problems: list[Problem] = []
    if not any(name.endswith(".bpmn") for name in files):
        problems.append(Problem("the bundle has no .bpmn file"))
    for name, text in sorted(files.items()):
        if name.endswith(".bpmn") or name.endswith(".dmn"):
            problems.extend(_check_xml(name, text))
        elif name.endswith(".json"):
            problems.extend(_check_form(name, text))
        else:
            problems.append(Problem("unknown file type: expected .bpmn, .dmn or .json", file=name))
    problems.extend(_check_form_references(files))
    return problems


def _check_xml(name: str, text: str) -> Iterator[Problem]:
    try:
        root = etree.fromstring(text.encode())
    except etree.XMLSyntaxError as exc:
        yield Problem(f"not well-formed XML: {exc.msg}", file=name, line=exc.lineno)
        return
    if not name.endswith(".bpmn"):
        return
    for xpath, reason in UNSUPPORTED.items():
        for node in root.xpath(xpath, namespaces=NS):
            element = _owning_element(node)
            yield Problem(reason, element_id=element.get("id"), file=name, line=element.sourceline)


def _owning_element(node: Any) -> Any:
    """The flow element that carries an event definition (the definition has no useful id)."""
    if node.tag.endswith("EventDefinition") and node.getparent() is not None:
        return node.getparent()
    return node


def _check_form(name: str, text: str) -> Iterator[Problem]:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Problem(f"form is not valid JSON: {exc.msg}", file=name, line=exc.lineno)
        return
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        path = "/".join(str(p) for p in exc.path) or "(root)"
        yield Problem(f"form is not a valid JSON Schema at {path}: {exc.message}", file=name)


def _check_form_references(files: Mapping[str, str]) -> Iterator[Problem]:
    """Every user task that names a form must find it in the bundle."""
    for name, text in files.items():
        if not name.endswith(".bpmn"):
            continue
        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError:
            continue
        for task in root.xpath(".//bpmn:userTask", namespaces=NS):
            for prop in task.xpath(".//*[local-name()='property'][@name='form']"):
                form = prop.get("value")
                if form not in files:
                    yield Problem(
                        f"form file '{form}' is not in the bundle",
                        element_id=task.get("id"),
                        file=name,
                        line=task.sourceline,
                    )


def check_specs(version: ParsedVersion, operators: OperatorRegistry | None) -> list[Problem]:
    """Spec-level checks: operators exist, expressions compile, task properties parse."""
    problems: list[Problem] = []
    for process_spec in [version.spec, *version.subprocess_specs.values()]:
        for spec in process_spec.task_specs.values():
            problems.extend(_check_task(spec, operators, process_spec.file))
    for meta in version.user_tasks.values():
        if meta.due_in:
            try:
                parse_duration(meta.due_in)
            except ValueError as exc:
                problems.append(Problem(f"dueIn: {exc}", element_id=meta.name))
        for prop in ("assignee", "priority"):
            expr = meta.properties.get(prop)
            if expr:
                problems.extend(_check_expression(expr, meta.name, f"{prop} property"))
    return problems


def _check_task(
    spec: Any, operators: OperatorRegistry | None, file: str | None
) -> Iterator[Problem]:
    element = getattr(spec, "bpmn_id", None) or spec.name
    if isinstance(spec, ServiceTask):
        if operators is not None and spec.operation_name not in operators:
            yield Problem(
                f"service task calls operator '{spec.operation_name}', which is not registered",
                element_id=element,
                file=file,
            )
        for pname, param in spec.operation_params.items():
            yield from _check_expression(param["value"], element, f"parameter '{pname}'", file)
    for attr in ("script", "prescript", "postscript"):
        code = getattr(spec, attr, None)
        if code:
            yield from _check_script(code, element, attr, file)
    if isinstance(spec, ExclusiveGateway | InclusiveGateway):
        for condition, _target in getattr(spec, "cond_task_specs", []):
            expr = condition.args[0] if condition is not None and condition.args else None
            if isinstance(expr, str):
                yield from _check_expression(expr, element, "condition", file)
    yield from _check_timers(spec, element, file)


def _check_timers(spec: Any, element: str, file: str | None) -> Iterator[Problem]:
    timers = _events.timers(spec)  # behind an event-based gateway too
    for timer in timers:
        yield from _check_expression(timer.expression, element, "timer expression", file)
    if not _events.waits_for_several(spec):
        return
    if len(timers) > 1:  # Spiff keeps one due time per waiting task: the timers would share it
        yield Problem(
            "an event-based gateway (or multiple event) may wait for one timer only; "
            "merge the timers or race them in separate branches",
            element,
            file,
        )
    if any(isinstance(timer, CycleTimerEventDefinition) for timer in timers):
        yield Problem(  # Spiff never arms a cycle that a gateway waits for
            "a cycle timer never fires after an event-based gateway (or in a multiple event); "
            "use a duration or a date, or a boundary timer",
            element,
            file,
        )


def _check_script(code: str, element: str, what: str, file: str | None = None) -> Iterator[Problem]:
    try:
        ast.parse(code, mode="exec")
    except SyntaxError as exc:
        yield Problem(f"{what} has a syntax error on line {exc.lineno}: {exc.msg}", element, file)


def _check_expression(
    expr: str, element: str, what: str, file: str | None = None
) -> Iterator[Problem]:
    try:
        ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        yield Problem(f"{what} '{expr}' is not a valid expression: {exc.msg}", element, file)
