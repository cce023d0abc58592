"""Every text the pages show through gettext has a Russian translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).parents[2] / "web"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def test_russian_catalogue_covers_every_message() -> None:
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(WEB), METHODS, keywords=keywords
        )
    }
    with (WEB / "translations" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    missing = sorted(m for m in found if m and not (catalogue.get(m) and catalogue.get(m).string))
    assert not missing, f"add Russian for these to web/translations/ru (.po): {missing}"
