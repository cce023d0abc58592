"""The new part of an email: quoted replies and signatures cut away for the summary."""

from __future__ import annotations

import re

SUMMARY_CHARS = 2000
_CUT = (
    re.compile(r"^On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(Original Message|Forwarded message)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(From|От):\s.+", re.IGNORECASE),
    re.compile(r"^-- ?$"),  # RFC 3676 signature separator
    re.compile(r"^(Sent from my|Отправлено с)\b", re.IGNORECASE),  # noqa: RUF001
    re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}.{0,120}(wrote|пишет|написал)", re.IGNORECASE),
)


def summarise(text: str) -> str:
    """Lines up to the first quote header or signature, quoted (``>``) lines dropped."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if any(pattern.match(stripped) for pattern in _CUT):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    summary = "\n".join(kept).strip()
    summary = re.sub(r"\n{3,}", "\n\n", summary)
    return summary[:SUMMARY_CHARS]
