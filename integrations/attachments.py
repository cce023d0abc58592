"""Attachments of inbound mail, stored by content hash under one folder."""

from __future__ import annotations

from pathlib import Path

from .email_parse import parse_email


def store(folder: Path, raw: bytes | None) -> list[str]:
    """Write each attachment of ``raw`` to ``folder/<sha256>``; returns ``name (sha256)`` each.

    Content-addressed, so a replay or a second copy of the message writes nothing new.
    """
    if not raw:
        return []
    parsed = parse_email(raw)
    stored = []
    for attachment in parsed.attachments:
        path = folder / attachment.sha256[:2] / attachment.sha256
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(attachment.content)
            tmp.replace(path)
        stored.append(
            f"{attachment.filename} ({attachment.sha256[:12]}, {len(attachment.content)} B)"
        )
    return stored


def path_of(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256
