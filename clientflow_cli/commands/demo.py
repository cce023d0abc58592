"""``demo``: the demo organisation of API.md, loaded idempotently.

Every group works on the ``office`` calendar, so ``dueIn`` SLAs count Moscow
office hours. Customers and running instances arrive with the processes.
"""

from __future__ import annotations

import click

from engine import Engine, add_group, add_user, set_calendar

from ..context import open_engine

PASSWORD = "demo"
DOMAIN = "demo.clientflow.test"
CALENDAR = "office"
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
    """Load the demo organisation: groups, users (password 'demo') and the office calendar."""
    with open_engine() as engine:
        load_organisation(engine)
    click.echo(f"demo organisation: {len(USERS)} users, password '{PASSWORD}'")
    for username, (_name, groups, _manager) in USERS.items():
        click.echo(f"  {username:<6} {', '.join(groups)}")


COMMANDS = (demo,)
