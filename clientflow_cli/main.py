"""The ``clientflow`` command: one click group over one small module per command family."""

from __future__ import annotations

import click

from .commands import bench, db, demo, events, outbox, processes, serve, smtpd, users
from .commands import imports as imports_command
from .errors import ClientflowGroup


@click.group(cls=ClientflowGroup)
def cli() -> None:
    """clientflow: a CRM in which every piece of customer work is a step of a BPMN process.

    Configuration comes from the environment (CLIENTFLOW_DATABASE_URL,
    CLIENTFLOW_BROKER_URL, ...); with none set, clientflow runs embedded on a
    SQLite file under instance/.
    """


for family in (serve, db, processes, users, demo, bench, imports_command, smtpd, events, outbox):
    for command in family.COMMANDS:
        cli.add_command(command)
