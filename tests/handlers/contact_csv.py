"""A generated contacts CSV whose every bad row and duplicate is known in advance, by line.

Rows are written one at a time so the physical line each starts on is known,
also when a quoted title holds a line break. The mix: 5% bad rows of every
kind the importer rejects, 3% duplicates (half of contacts already in the CRM,
half of earlier rows, within a chunk and across chunks), a byte-order mark,
a column the importer ignores, and companies shared by many rows.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

HEADER = ["First Name", "Last Name", "Title", "Company", "Phone", "E-mail", "Notes"]
BAD_KINDS = (
    ("+7 912 12", "phone: not a valid phone number"),
    ("no-at-sign", "email: not a valid email address"),
    ("", "first_name is empty"),
    ("neither", "needs a phone or an email"),
    ("extra", "has 8 fields, the header has 7"),
    ("long", "first_name is longer than 100 characters"),
)


@dataclass(frozen=True)
class Existing:
    """A contact already in the CRM before the import."""

    first_name: str
    phone: str
    email: str


@dataclass
class ContactFile:
    path: Path
    rows: int = 0
    good: int = 0
    bad: dict[int, str] = field(default_factory=dict)  # line -> expected reason (a part of it)
    duplicates: dict[int, int | None] = field(default_factory=dict)  # line -> of_line or None
    existing: list[Existing] = field(default_factory=list)


def existing_contacts(count: int) -> list[Existing]:
    return [
        Existing(f"Old{i}", f"+7921{i:07d}", f"old{i}@crm.example") for i in range(1, count + 1)
    ]


def write_contact_file(
    path: Path, rows: int = 10_000, bad_pct: int = 5, dup_pct: int = 3, seed: int = 7
) -> ContactFile:
    """Write the file; ``existing`` lists the contacts to seed before importing it."""
    rng = random.Random(seed)
    n_bad, n_dup = rows * bad_pct // 100, rows * dup_pct // 100
    kinds = ["good"] * (rows - n_bad - n_dup) + ["bad"] * n_bad + ["dup"] * n_dup
    rng.shuffle(kinds)
    first_good = kinds.index("good")  # the first row must be good, for duplicates to repeat
    kinds[0], kinds[first_good] = kinds[first_good], kinds[0]
    result = ContactFile(path, rows=rows, existing=existing_contacts(n_dup // 2))
    companies = [f"Company {i} LLC" for i in range(300)]
    line = 2
    written: list[tuple[int, list[str]]] = []  # good rows so far: (line, fields)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        line += _write(out, HEADER) - 1
        for index, kind in enumerate(kinds):
            if kind == "good":
                fields = _good(index, rng, companies)
                written.append((line, fields))
                result.good += 1
            elif kind == "bad":
                fields, reason = _bad(index, rng)
                result.bad[line] = reason
            else:
                fields, of_line = _duplicate(index, rng, written, result.existing)
                result.duplicates[line] = of_line
            line += _write(out, fields)
    return result


def _write(out: io.TextIOBase, fields: list[str]) -> int:
    """Write one record; return how many lines it took."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields)
    text = buffer.getvalue()
    out.write(text)
    return text.count("\n")


def _good(index: int, rng: random.Random, companies: list[str]) -> list[str]:
    title = "Head of\nSales" if index % 97 == 0 else rng.choice(["", "CEO", "Buyer"])
    company = rng.choice(companies) if rng.random() < 0.7 else ""
    phone = f"8 912 {index // 10000:03d} {index // 100 % 100:02d} {index % 100:02d}"
    email = f"person{index}@mail.example" if index % 4 else ""
    return [f"Name{index}", f"Surname{index}", title, company, phone, email, "note"]


def _bad(index: int, rng: random.Random) -> tuple[list[str], str]:
    value, reason = BAD_KINDS[index % len(BAD_KINDS)]
    fields = [f"Bad{index}", "X", "", "", f"+7913{index:07d}", f"bad{index}@mail.example", ""]
    if reason.startswith("phone"):
        fields[4] = value
    elif reason.startswith("email"):
        fields[5] = value
    elif reason == "first_name is empty":
        fields[0] = value
    elif reason.startswith("needs"):
        fields[4] = fields[5] = ""
    elif reason.startswith("has 8"):
        fields.append("surplus")
    else:
        fields[0] = "L" * 101
    return fields, reason


def _duplicate(
    index: int, rng: random.Random, written: list[tuple[int, list[str]]], existing: list[Existing]
) -> tuple[list[str], int | None]:
    """Half repeat a contact already in the CRM, half an earlier good row of the file."""
    if index % 2 and existing:
        old = existing[index % len(existing)]
        by_phone = index % 4 == 1
        phone = old.phone if by_phone else ""
        email = "" if by_phone else old.email.upper()
        return [old.first_name, "Again", "", "", phone, email, ""], None
    line, fields = rng.choice(written[-600:])  # often in the same chunk, often not
    return [fields[0], "Twin", "", "", fields[4], "", ""], line
