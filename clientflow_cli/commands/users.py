"""``user add`` and ``token``: the people work is assigned to, and their API tokens."""

from __future__ import annotations

import click

from engine import add_user, issue_token

from ..context import open_engine


@click.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("name")
@click.option("--group", "-g", "groups", multiple=True, help="Group to join (repeatable).")
@click.option("--password", help="Password for signing in (none: API tokens only).")
@click.option("--full-name", default="", help="Name shown in the inbox.")
@click.option("--email", help="Email address.")
def add(
    name: str, groups: tuple[str, ...], password: str | None, full_name: str, email: str | None
) -> None:
    """Create user NAME, or update them; groups that do not exist are created."""
    with open_engine() as engine:
        add_user(engine, name, groups=groups, password=password, full_name=full_name, email=email)
    joined = f" in {', '.join(groups)}" if groups else ""
    click.echo(f"user {name}{joined}")


@click.command()
@click.argument("name")
def token(name: str) -> None:
    """Print a new API token for user NAME (shown once, stored hashed)."""
    with open_engine() as engine:
        click.echo(issue_token(engine, name))


COMMANDS = (user, token)
