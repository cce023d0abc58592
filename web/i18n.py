"""English and Russian UI (Flask-Babel), chosen per user.

The catalogue is the committed ``translations/<lang>/LC_MESSAGES/messages.po``;
its ``.mo`` is compiled here at start-up when missing or older than the ``.po``,
so a fresh clone needs no extra build step.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

from babel.dates import get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request
from flask_babel import Babel, format_date, format_datetime, get_locale
from flask_login import current_user

LANGUAGES = ("en", "ru")
TRANSLATIONS = Path(__file__).parent / "translations"


def init_i18n(app: Flask) -> None:
    compile_catalogues(TRANSLATIONS)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=select_locale)
    app.add_template_filter(when)
    app.add_template_filter(month_title)
    app.add_template_global(current_locale)
    app.add_template_global(weekday_names)
    app.add_template_global(has_endpoint)
    app.add_template_global(timedelta)


def current_locale() -> str:
    return str(get_locale() or "en")


def when(value: datetime | str | None) -> str:
    """A date-time in the user's language (ISO strings from JSON dumps are accepted)."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "short")


def month_title(value: date) -> str:
    return format_date(value, "LLLL yyyy")


def weekday_names() -> list[str]:
    names = get_day_names("abbreviated", locale=current_locale())
    return [names[day] for day in range(7)]


def has_endpoint(name: str) -> bool:
    """Whether a view exists (pages link to areas only when they are installed)."""
    return name in current_app.view_functions


def select_locale() -> str:
    """The signed-in user's profile language, else the browser's preference."""
    language = getattr(current_user, "language", None)
    if language in LANGUAGES:
        return str(language)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def compile_catalogues(root: Path) -> None:
    """Write each ``.mo`` beside its ``.po`` if it is missing or stale."""
    for po in root.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)
        tmp.replace(mo)  # atomic: concurrent app starts never read half a file
