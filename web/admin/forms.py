"""Admin forms: users, groups, business calendars (Flask-WTF, each with its CSRF token)."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..auth.forms import LANGUAGE_CHOICES

NAME = Regexp(r"^[a-z0-9][a-z0-9_.-]{1,99}$", message=_l("lower-case letters, digits, _ . -"))
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("an address like anna@example.com"))
CALENDAR_EXAMPLE = {
    "timezone": "Europe/Moscow",
    "working_hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2027-01-01"],
}


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), NAME])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), EMAIL, Length(max=200)])
    groups = SelectMultipleField(_l("Add to groups"), choices=[])
    new_group = StringField(_l("…or a new group"), validators=[Optional(), NAME])
    password = PasswordField(_l("Password (empty: keep)"), validators=[Optional(), Length(4, 200)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="en")
    manager = SelectField(_l("Manager"), choices=[], default="")


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), NAME])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    calendar = SelectField(_l("Business calendar"), choices=[], default="")
    manager = SelectField(_l("Manager"), choices=[], default="")


class RemoveMemberForm(FlaskForm):
    """The confirmation of a membership removal: its CSRF token and the page to return to."""

    back = HiddenField(default="groups")


class CalendarForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), NAME])
    definition = TextAreaField(_l("Definition (JSON)"), validators=[DataRequired()])

    def validate_definition(self, field: Any) -> None:
        """The text must be a JSON object; the engine checks what it means."""
        try:
            value = json.loads(field.data)
        except ValueError as exc:
            raise ValidationError(f"not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ValidationError("must be a JSON object")
        field.parsed = value
