"""Process definitions: parse, validate, and cache deployed versions.

A bundle is the set of files of one process folder: BPMN, DMN and JSON-Schema
forms. It is parsed with the spiff parser (lanes, pre/post scripts, service-task
operators, task properties) once per content hash and kept in memory, so a step
never parses XML.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from . import _events
from ._errors import DefinitionError, Problem
from ._validation import check_bundle, check_specs


@dataclass(frozen=True)
class TaskMeta:
    """What the inbox needs to know about a user task, read once from the BPMN."""

    name: str
    title: str
    lane: str | None
    form_file: str | None
    form_schema: Mapping[str, Any] | None
    assignee: str | None
    due_in: str | None
    priority: str | None
    instructions: str | None
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedVersion:
    """A parsed bundle: the spec objects plus the metadata steps need."""

    key: str
    name: str
    content_hash: str
    spec: Any
    subprocess_specs: Mapping[str, Any]
    user_tasks: Mapping[str, TaskMeta]
    start_messages: tuple[str, ...]
    # (process, catching element) -> keys; see _events.element_key
    correlation_keys: Mapping[tuple[str, str], tuple[str, ...]]
    files: Mapping[str, str]


def content_hash(files: Mapping[str, str]) -> str:
    """SHA-256 over the files' names and contents, independent of their order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(files[name].encode())
        digest.update(b"\0")
    return digest.hexdigest()


def parse_bundle(files: Mapping[str, str], operators: Any) -> list[ParsedVersion]:
    """Parse and validate a bundle; raise :class:`DefinitionError` listing every problem."""
    problems = check_bundle(files)
    if problems:
        raise DefinitionError(problems)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        for name, text in sorted(files.items()):
            if name.endswith(".bpmn"):
                parser.add_bpmn_str(text.encode(), filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_str(text.encode(), filename=name)
        keys = parser.get_process_ids()
        if not keys:
            raise DefinitionError([Problem("no executable process (isExecutable='true') found")])
        versions = [_build_version(parser, key, files) for key in keys]
    except ValidationException as exc:
        raise DefinitionError([_problem_from(exc)]) from exc
    problems = [p for v in versions for p in check_specs(v, operators)]
    if problems:
        raise DefinitionError(problems)
    return versions


def _problem_from(exc: ValidationException) -> Problem:
    line = exc.line_number if isinstance(exc.line_number, int) else None
    message = str(exc).split("\n")[0]
    return Problem(message, element_id=exc.id or None, file=exc.file_name or None, line=line)


def _build_version(parser: SpiffBpmnParser, key: str, files: Mapping[str, str]) -> ParsedVersion:
    spec = parser.get_spec(key)
    subprocess_specs = parser.get_subprocess_specs(key)
    all_specs = [spec, *subprocess_specs.values()]
    user_tasks: dict[str, TaskMeta] = {}
    correlation_keys: dict[tuple[str, str], tuple[str, ...]] = {}
    start_messages: list[str] = []
    for process_spec in all_specs:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, UserTask):
                user_tasks[task_spec.name] = _task_meta(task_spec, files)
            for element, event in _events.definitions(task_spec):  # gateways: each branch
                if not isinstance(event, MessageEventDefinition):
                    continue
                correlation_keys[_events.element_key(element)] = _correlation_keys(element)
                if isinstance(task_spec, StartEvent) and process_spec is spec:
                    start_messages.append(event.name)
    return ParsedVersion(
        key=key,
        name=spec.description or key,
        content_hash=content_hash(files),
        spec=spec,
        subprocess_specs=subprocess_specs,
        user_tasks=user_tasks,
        start_messages=tuple(start_messages),
        correlation_keys=correlation_keys,
        files=dict(files),
    )


def _correlation_keys(element: Any) -> tuple[str, ...]:
    props = element.extensions.get("properties", {})
    return tuple(k.strip() for k in props.get("correlationKeys", "").split(",") if k.strip())


def _task_meta(task_spec: Any, files: Mapping[str, str]) -> TaskMeta:
    props: dict[str, str] = dict(task_spec.extensions.get("properties", {}))
    form_file = props.get("form")
    schema = None
    if form_file and form_file in files:
        schema = json.loads(files[form_file])
    return TaskMeta(
        name=task_spec.name,
        title=task_spec.bpmn_name or task_spec.name,
        lane=task_spec.lane,
        form_file=form_file,
        form_schema=schema,
        assignee=props.get("assignee"),
        due_in=props.get("dueIn"),
        priority=props.get("priority"),
        instructions=task_spec.extensions.get("instructionsForEndUser") or task_spec.documentation,
        properties=props,
    )


class DefinitionCache:
    """Parsed versions by content hash: parse once per process, not per step."""

    def __init__(self) -> None:
        self._by_hash: dict[tuple[str, str], ParsedVersion] = {}

    def get(self, key: str, digest: str) -> ParsedVersion | None:
        return self._by_hash.get((key, digest))

    def put(self, version: ParsedVersion) -> None:
        self._by_hash[(version.key, version.content_hash)] = version

    def __len__(self) -> int:
        return len(self._by_hash)
