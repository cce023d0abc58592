"""``demo``: the demo organisation of API.md, loaded idempotently.

Every group works on the ``office`` calendar, so ``dueIn`` SLAs count Moscow
office hours. Customers and running instances arrive with the processes.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine import DefinitionError, Engine, add_group, add_user, set_calendar
from engine._deploy import bundles_under

from ..context import open_engine
from ..demo_seed import seed_all

PASSWORD = "demo"
DOMAIN = "demo.clientflow.test"
CALENDAR = "office"
PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"
OFFICE_HOURS = {
    "timezone": "Europe/Moscow",
    "working_hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
}
# group -> (title, manager)
GROUPS = {
    "sales": ("Sales", "boris"),
    "sales_managers": ("Sales managers", None),
    "marketing": ("Marketing", None),
    "support": ("Support", "dina"),
    "support_leads": ("Support leads", None),
    "finance": ("Finance", None),
    "process_owners": ("Process owners", None),
    "admins": ("Administrators", None),
}
# user -> (full name, groups, manager)
USERS = {
    "anna": ("Anna Sokolova", ("sales",), "boris"),
    "boris": ("Boris Ivanov", ("sales_managers",), None),
    "vera": ("Vera Petrova", ("marketing",), None),
    "gleb": ("Gleb Smirnov", ("support",), "dina"),
    "dina": ("Dina Kuznetsova", ("support_leads",), None),
    "egor": ("Egor Popov", ("finance",), None),
    "olga": ("Olga Volkova", ("process_owners", "admins"), None),
}


def load_organisation(engine: Engine) -> None:
    """Create or update the calendar, groups and users; running it twice changes nothing."""
    set_calendar(engine, CALENDAR, OFFICE_HOURS)
    for name, (title, _manager) in GROUPS.items():
        add_group(engine, name, title=title, calendar=CALENDAR)
    for username, (full_name, groups, manager) in USERS.items():
        add_user(
            engine,
            username,
            groups=groups,
            password=PASSWORD,
            full_name=full_name,
            email=f"{username}@{DOMAIN}",
            manager=manager,
        )
    for name, (_title, manager) in GROUPS.items():
        if manager is not None:
            add_group(engine, name, manager=manager)


@click.command()
def demo() -> None:
    """Load the demo organisation (groups, users with password 'demo', the office calendar),
    deploy processes/ and seed customers and running instances; safe to run again."""
    with open_engine() as engine:
        load_organisation(engine)
        deployed = _deploy_processes(engine)
        seeded = seed_all(engine)
    click.echo(f"demo organisation: {len(USERS)} users, password '{PASSWORD}'")
    click.echo(f"processes: {', '.join(deployed) or 'none'}; demo data: {', '.join(seeded)}")
    for username, (_name, groups, _manager) in USERS.items():
        click.echo(f"  {username:<6} {', '.join(groups)}")


def _deploy_processes(engine: Engine) -> list[str]:
    """Deploy every valid bundle under processes/ (unchanged ones keep their version).

    A bundle that does not validate is reported and skipped, so the rest of
    the demo still loads; ``clientflow validate`` says what is wrong with it.
    """
    deployed: list[str] = []
    for name, files in bundles_under(PROCESSES_DIR).items():
        try:
            deployed.extend(str(v["key"]) for v in engine.deploy(files))
        except DefinitionError as exc:
            click.echo(f"skipped {name}: {exc}", err=True)
    return deployed


COMMANDS = (demo,)
