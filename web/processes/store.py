"""Read-only access to deployed versions: the rows ``engine.deploy`` wrote.

The engine's façade lists processes but not versions nor their files, so the
process pages read ``process_version`` here through the engine's own session,
and never write it: deploying goes through ``Engine.deploy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from lxml import etree

from engine import Engine, NotFound
from engine.models import Instance, ProcessVersion

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Version:
    """One deployed version with its files (the whole bundle as deployed)."""

    id: int
    key: str
    number: int
    name: str
    content_hash: str
    files: dict[str, str]
    deployed_at: datetime
    deployed_by: str | None

    @property
    def bpmn_file(self) -> str:
        """The .bpmn file that defines this version's process (its key)."""
        return bpmn_file_of(self.files, self.key)

    @property
    def bpmn(self) -> str:
        return self.files[self.bpmn_file]


def _version(row: ProcessVersion) -> Version:
    return Version(
        id=row.id,
        key=row.key,
        number=row.version,
        name=row.name,
        content_hash=row.content_hash,
        files=dict(row.files),
        deployed_at=row.deployed_at,
        deployed_by=row.deployed_by,
    )


def versions(engine: Engine, key: str) -> list[Version]:
    """Every version of ``key``, oldest first; NotFound if none is deployed."""
    with engine.session() as session:
        rows = session.scalars(
            sa.select(ProcessVersion)
            .where(ProcessVersion.key == key)
            .order_by(ProcessVersion.version)
        ).all()
        found = [_version(r) for r in rows]
    if not found:
        raise NotFound(f"no process '{key}' is deployed")
    return found


def version(engine: Engine, key: str, number: int | None = None) -> Version:
    """Version ``number`` of ``key``, or its newest when ``number`` is None."""
    query = sa.select(ProcessVersion).where(ProcessVersion.key == key)
    if number is None:
        query = query.order_by(ProcessVersion.version.desc()).limit(1)
    else:
        query = query.where(ProcessVersion.version == number)
    with engine.session() as session:
        row = session.scalars(query).first()
        if row is None:
            which = f"version {number} of " if number is not None else ""
            raise NotFound(f"{which}process '{key}' is not deployed")
        return _version(row)


def version_by_id(engine: Engine, version_id: int) -> Version:
    with engine.session() as session:
        row = session.get(ProcessVersion, version_id)
        if row is None:
            raise NotFound(f"process version {version_id} does not exist")
        return _version(row)


def instance_counts(engine: Engine, key: str) -> dict[int, dict[str, int]]:
    """Instances per version id and status, for the versions table."""
    query = (
        sa.select(Instance.version_id, Instance.status, sa.func.count())
        .where(Instance.process_key == key)
        .group_by(Instance.version_id, Instance.status)
    )
    counts: dict[int, dict[str, int]] = {}
    with engine.session() as session:
        for version_id, status, n in session.execute(query):
            counts.setdefault(version_id, {})[status] = n
    return counts


def bpmn_file_of(files: dict[str, str], key: str) -> str:
    """The file holding ``<bpmn:process id=key>``; the first .bpmn if none parses."""
    candidates = sorted(name for name in files if name.endswith(".bpmn"))
    for name in candidates:
        try:
            root = etree.fromstring(files[name].encode())
        except etree.XMLSyntaxError:
            continue
        if root.xpath("//b:process[@id=$key]", namespaces={"b": BPMN_NS}, key=key):
            return name
    if not candidates:
        raise NotFound(f"process '{key}' has no .bpmn file")
    return candidates[0]
