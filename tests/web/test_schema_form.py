"""The JSON Schema form renderer and parser, without a database."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from web.tasks.schema_form import build_fields, localised, parse_submission

SCHEMA = {
    "title": "Qualify",
    "x-title-ru": "Квалификация",
    "required": ["budget"],
    "properties": {
        "budget": {
            "type": "string",
            "title": "Budget",
            "x-title-ru": "Бюджет",
            "enum": ["confirmed", "none"],
            "x-enum-titles": ["Confirmed", "None"],
            "x-enum-titles-ru": ["Подтверждён", "Нет"],
        },
        "amount": {"type": "number", "format": "money", "title": "Amount"},
        "seats": {"type": "integer"},
    },
}


def test_titles_and_enum_labels_follow_the_locale() -> None:
    assert localised(SCHEMA, "title", "ru") == "Квалификация"
    assert localised(SCHEMA, "title", "en") == "Qualify"
    [budget, amount, seats] = build_fields(SCHEMA, {}, {}, "ru")
    assert budget.label == "Бюджет" and budget.required
    assert budget.options == [("confirmed", "Подтверждён"), ("none", "Нет")]
    assert (amount.kind, seats.kind, seats.label) == ("money", "integer", "Seats")
    [budget_en, *_] = build_fields(SCHEMA, {}, {}, "en")
    assert budget_en.options == [("confirmed", "Confirmed"), ("none", "None")]


def test_parse_converts_types_and_reports_what_it_cannot(app: object) -> None:
    from flask import Flask

    assert isinstance(app, Flask)
    with app.test_request_context():
        form = MultiDict({"budget": "none", "amount": "1 200,50", "seats": "many"})
        data, errors = parse_submission(SCHEMA, form)
    assert data == {"budget": "none", "amount": 1200.5, "seats": "many"}
    assert errors == {"seats": ["enter a whole number"]}
