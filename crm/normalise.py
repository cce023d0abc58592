"""Canonical forms of phones, emails and company names, so look-ups and dedup agree.

Phones become E.164 (``+79123456789``) with Russia as the default region, so
``8 912 345 67 89`` and ``+7 (912) 345-67-89`` are the same number. Emails are
stripped and lower-cased. Company names become a *key*: transliterated to
Latin, lower-cased, punctuation and legal forms (LLC, ООО, GmbH, ...) removed,
so "ООО «Ромашка»" and "Romashka, LLC" share the key ``romashka``.
"""

# ruff: noqa: RUF001, RUF002, RUF003  (Cyrillic letters here are meant)

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from .errors import InvalidEmailError, InvalidPhoneError

DEFAULT_REGION = "RU"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip

LEGAL_FORMS = frozenset(
    {
        # English-speaking and international
        "llc", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co",
        "company", "plc", "llp", "lp", "gmbh", "ag", "sa", "srl", "bv", "nv", "oy", "ab",
        # Russian, after transliteration: ООО, ЗАО, ОАО, ПАО, АО, НАО, ИП, АНО, НКО
        "ooo", "zao", "oao", "pao", "ao", "nao", "ip", "ano", "nko", "jsc", "cjsc", "pjsc",
        "ojsc",
    }
)  # fmt: skip


_E164_SEEN: set[str] = set()  # E.164 results: valid whatever the region, so they map to themselves
_E164_SEEN_MAX = 100_000


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number as people write it.

    Raises:
        InvalidPhoneError: the text is not a valid number for ``region`` (or, with a
            leading ``+``, for its country).
    """
    if raw in _E164_SEEN:  # already normal: models normalise what handlers just normalised
        return raw
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneError(raw) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError(raw)
    normal = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(_E164_SEEN) >= _E164_SEEN_MAX:
        _E164_SEEN.clear()
    _E164_SEEN.add(normal)
    return normal


def normalise_email(raw: str) -> str:
    """Stripped, lower-cased email address.

    Raises:
        InvalidEmailError: not of the form ``local@domain.tld``.
    """
    address = raw.strip().lower()
    if not _EMAIL.match(address):
        raise InvalidEmailError(raw)
    return address


def transliterate(text: str) -> str:
    """Lower-case Latin letters for Russian Cyrillic (BGN/PCGN-like) and without accents
    ("Müller" becomes "muller"); other scripts are kept as they are."""
    latin = "".join(_CYRILLIC_TO_LATIN.get(char, char) for char in text.lower())
    decomposed = unicodedata.normalize("NFKD", latin)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def company_key(name: str) -> str:
    """Comparison key of a company name: Latin, lower-case, no punctuation or legal forms.

    A name made only of a legal form keeps it, so "OOO" does not become empty.
    """
    words = re.findall(r"[^\W_]+", transliterate(name))
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)
