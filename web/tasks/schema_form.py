"""HTML forms from a task's JSON Schema, and submitted form fields back into data.

Supported: strings (text, long text, date, date-time, email), numbers and
integers (``format: money`` shows a currency amount), enums (select; with
``x-labels`` or ``oneOf`` titles), booleans (checkbox), arrays of enums
(checkboxes) and arrays of objects (repeated rows, e.g. quote lines). Titles
and descriptions can be translated in the schema (see :func:`localised`).
Only the engine validates: this module converts text to types and reports
what it cannot convert, keyed like the engine's errors (``lines/0/qty``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

MAX_ROWS = 200


@dataclass
class Field:
    """One input as the template draws it."""

    name: str  # the HTML name: ``amount``, ``lines-0-qty``
    path: str  # the engine's error key: ``amount``, ``lines/0/qty``
    # text, textarea, number, integer, money, date, datetime, email, enum, boolean, multi, rows
    kind: str
    label: str
    description: str = ""
    required: bool = False
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    read_only: bool = False
    minimum: Any = None
    maximum: Any = None
    columns: list[Field] = field(default_factory=list)  # for rows: the template row
    rows: list[list[Field]] = field(default_factory=list)

    def text(self) -> str:
        """The value as an option's text (``true``/``false`` for booleans)."""
        return _text(self.value)

    def texts(self) -> list[str]:
        return [_text(v) for v in self.value] if isinstance(self.value, list) else []


def localised(node: Mapping[str, Any], key: str, locale: str) -> str:
    """``title``/``description`` in ``locale``: ``x-title-ru`` (processes/README.md),
    ``title_ru``, ``x-i18n.ru.title``, else the English ``title``."""
    for candidate in (
        node.get(f"x-{key}-{locale}"),  # processes/README.md: ``x-title-ru``
        node.get(f"{key}_{locale}"),
        (node.get("x-i18n") or {}).get(locale, {}).get(key),
        (node.get(f"x-{key}") or {}).get(locale)
        if isinstance(node.get(f"x-{key}"), dict)
        else None,
        node.get(key),
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return ""


def _by_locale(value: Any, locale: str) -> Any:
    return value.get(locale) if isinstance(value, dict) else None


def build_fields(
    schema: Mapping[str, Any] | None,
    data: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    locale: str,
) -> list[Field]:
    """The form's fields with their current values and errors, in schema order."""
    if not schema:
        return []
    required = set(schema.get("required", []))
    return [
        _field(name, name, node, data.get(name), name in required, errors, locale)
        for name, node in (schema.get("properties") or {}).items()
        if isinstance(node, Mapping) and not node.get("x-hidden")
    ]


def _field(
    name: str,
    path: str,
    node: Mapping[str, Any],
    value: Any,
    required: bool,
    errors: Mapping[str, list[str]],
    locale: str,
) -> Field:
    kind = kind_of(node)
    result = Field(
        name=name,
        path=path,
        kind=kind,
        label=localised(node, "title", locale) or name.replace("_", " ").capitalize(),
        description=localised(node, "description", locale),
        required=required,
        value=node.get("default") if value is None else value,
        errors=list(errors.get(path, [])),
        read_only=bool(node.get("readOnly")),
        minimum=node.get("minimum"),
        maximum=node.get("maximum"),
    )
    if kind in ("enum", "multi"):
        result.options = options_of(node if kind == "enum" else node["items"], locale)
    if kind == "rows":
        result.columns, result.rows = _rows(name, path, node, value, errors, locale)
    return result


def _rows(
    name: str,
    path: str,
    node: Mapping[str, Any],
    value: Any,
    errors: Mapping[str, list[str]],
    locale: str,
) -> tuple[list[Field], list[list[Field]]]:
    items = node["items"]
    required = set(items.get("required", []))
    props = items.get("properties") or {}

    def row(index: str, data: Mapping[str, Any]) -> list[Field]:
        return [
            _field(
                f"{name}-{index}-{col}",
                f"{path}/{index}/{col}",
                sub,
                data.get(col),
                col in required,
                errors,
                locale,
            )
            for col, sub in props.items()
        ]

    values = value if isinstance(value, list) else []
    rows = [row(str(i), v if isinstance(v, Mapping) else {}) for i, v in enumerate(values)]
    if not rows and node.get("minItems", 0) > 0:
        rows = [row("0", {})]
    return row("__index__", {}), rows


def kind_of(node: Mapping[str, Any]) -> str:
    kind = node.get("type")
    if "enum" in node or "oneOf" in node:
        return "enum"
    if kind == "boolean":
        return "boolean"
    if kind in ("number", "integer"):
        if node.get("format") == "money" or node.get("x-widget") == "money":
            return "money"
        return str(kind)
    if kind == "array":
        items = node.get("items") or {}
        if items.get("type") == "object":
            return "rows"
        return "multi" if "enum" in items or "oneOf" in items else "text"
    fmt = node.get("format")
    if fmt in ("date", "email"):
        return str(fmt)
    if fmt == "date-time":
        return "datetime"
    if node.get("x-widget") == "textarea" or node.get("maxLength", 0) > 200:
        return "textarea"
    return "text"


def options_of(node: Mapping[str, Any], locale: str) -> list[tuple[str, str]]:
    """(value, label) pairs: labels from ``oneOf`` titles or ``x-labels``/``x-labels_<locale>``."""
    if "oneOf" in node:
        return [
            (_text(o.get("const")), localised(o, "title", locale) or _text(o.get("const")))
            for o in node["oneOf"]
            if isinstance(o, Mapping) and "const" in o
        ]
    labels = (
        node.get(f"x-enum-titles-{locale}")  # processes/README.md
        or node.get(f"x-labels_{locale}")
        or node.get("x-enum-titles")
        or node.get("x-labels")
        or {}
    )
    if isinstance(labels, list):
        labels = dict(zip((_text(v) for v in node["enum"]), labels, strict=False))
    return [(_text(v), str(labels.get(_text(v), _text(v)))) for v in node["enum"]]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def parse_submission(
    schema: Mapping[str, Any] | None, form: MultiDict[str, str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Typed data from the submitted fields, and the fields that could not be converted."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, node in ((schema or {}).get("properties") or {}).items():
        if not isinstance(node, Mapping) or node.get("readOnly") or node.get("x-hidden"):
            continue
        _parse_into(data, errors, name, name, node, form)
    return data, errors


def _parse_into(
    data: dict[str, Any],
    errors: dict[str, list[str]],
    key: str,
    name: str,
    node: Mapping[str, Any],
    form: MultiDict[str, str],
) -> None:
    kind = kind_of(node)
    path = name.replace("-", "/")
    if kind == "rows":
        data[key] = _parse_rows(errors, name, node, form)
        return
    if kind == "multi":
        data[key] = [_typed_option(node["items"], v) for v in form.getlist(name)]
        return
    if kind == "boolean":
        data[key] = form.get(name) in ("on", "true", "1", "yes")
        return
    raw = (form.get(name) or "").strip()
    if raw == "":
        return  # absent: the schema's ``required`` decides whether that is an error
    try:
        data[key] = convert(kind, node, raw)
    except ValueError as exc:
        data[key] = raw  # kept so the page shows what was typed; the error is reported
        errors.setdefault(path, []).append(str(exc))


def _parse_rows(
    errors: dict[str, list[str]], name: str, node: Mapping[str, Any], form: MultiDict[str, str]
) -> list[dict[str, Any]]:
    """Rows are numbered by the page (gaps allowed after removals); renumber them 0..n."""
    prefix = f"{name}-"
    indices = sorted({int(k[len(prefix) :].split("-", 1)[0]) for k in form if _row_key(k, prefix)})[
        :MAX_ROWS
    ]
    rows: list[dict[str, Any]] = []
    props = node["items"].get("properties") or {}
    for position, index in enumerate(indices):
        row: dict[str, Any] = {}
        row_errors: dict[str, list[str]] = {}
        for col, sub in props.items():
            _parse_into(row, row_errors, col, f"{name}-{index}-{col}", sub, form)
        for path, messages in row_errors.items():
            errors[path.replace(f"/{index}/", f"/{position}/", 1)] = messages
        rows.append(row)
    return rows


def _row_key(key: str, prefix: str) -> bool:
    head = key[len(prefix) :].split("-", 1)[0] if key.startswith(prefix) else ""
    return head.isdigit()


def convert(kind: str, node: Mapping[str, Any], raw: str) -> Any:
    """One text value into the schema's type; ``ValueError`` says what is wrong."""
    if kind == "enum":
        return _typed_option(node, raw)
    if kind in ("number", "money"):
        try:
            number = float(raw.replace(" ", "").replace(",", "."))
        except ValueError:
            raise ValueError(_("enter a number")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("enter a number"))
        return int(number) if number.is_integer() and kind == "number" else round(number, 2)
    if kind == "integer":
        try:
            return int(raw.replace(" ", ""))
        except ValueError:
            raise ValueError(_("enter a whole number")) from None
    if kind == "datetime" and len(raw) == 16:
        return raw + ":00Z"  # the browser's datetime-local has no seconds nor zone
    return raw


def _typed_option(node: Mapping[str, Any], raw: str) -> Any:
    values = node.get("enum") or [o.get("const") for o in node.get("oneOf", [])]
    for value in values:
        if _text(value) == raw:
            return value
    return raw  # not an option: the engine's validation names the choices
