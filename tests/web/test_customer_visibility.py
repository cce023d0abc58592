"""Who may see a customer (``web.customers.queries.may_see``), each rule both ways.

The customers come from real processes: the world's Vega LLC has one open call
task in the sales queue; an account opened by ``owned_account`` has an owner and
no task at all. Users are the demo organisation as the web layer loads it, or a
:class:`WebUser` with exactly the groups a rule needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from web.auth.user import WebUser, load_user
from web.customers.queries import may_see

from .api.world import World, files

HERE = Path(__file__).parent / "bpmn"


def person(name: str, groups: set[str] | None = None, managed: set[str] | None = None) -> WebUser:
    return WebUser(
        username=name,
        full_name=name,
        language="en",
        groups=frozenset(groups or ()),
        managed_groups=frozenset(managed or ()),
    )


def demo(world: World, name: str) -> WebUser:
    user = load_user(world.engine, name)
    assert user is not None, name
    return user


def sees(world: World, user: WebUser, customer_id: int) -> bool:
    with world.engine.session() as session:
        return may_see(session, user, customer_id)


def open_account(world: World, owner: str | None) -> int:
    """A customer owned by ``owner``, converted from a lead, with no task about it."""
    world.engine.deploy(files(HERE, "owned_account.bpmn"), user="olga")
    started = world.engine.start(
        "owned_account", {"company": "Lyra JSC", "first_name": "Oleg", "owner": owner}, user="olga"
    )
    assert started["status"] == "completed", started
    customer_id = int(world.engine.instance(started["id"])["data"]["customer_id"])
    assert world.engine.tasks(None, scope="all", customer_id=str(customer_id)) == []
    return customer_id


def test_admins_see_every_customer(world: World) -> None:
    account = open_account(world, "vera")
    olga = demo(world, "olga")
    assert sees(world, olga, world.customer_id) and sees(world, olga, account)
    assert sees(world, person("zoe", {"admins"}), account)
    assert not sees(world, person("zoe", {"auditors"}), account)


def test_managers_see_every_customer(world: World) -> None:
    account = open_account(world, "vera")
    for name in ("boris", "dina"):  # sales_managers; support_leads, though support has no task
        manager = demo(world, name)
        assert manager.is_manager
        assert sees(world, manager, world.customer_id) and sees(world, manager, account), name
    assert sees(world, person("zoe", managed={"finance"}), account)
    assert not sees(world, person("zoe"), account)


def test_the_account_owner_sees_an_account_no_task_is_about(world: World) -> None:
    account = open_account(world, "vera")
    assert sees(world, demo(world, "vera"), account)
    assert not sees(world, demo(world, "anna"), account)  # sales, but no task about it
    assert not sees(world, demo(world, "gleb"), account)
    assert not sees(world, person("Vera"), account)  # usernames match exactly


def test_an_account_without_an_owner_is_seen_through_tasks_only(world: World) -> None:
    account = open_account(world, None)
    assert not sees(world, demo(world, "vera"), account)
    assert not sees(world, demo(world, "anna"), account)


def test_members_of_a_group_with_a_task_about_the_customer_see_it(world: World) -> None:
    assert sees(world, demo(world, "anna"), world.customer_id)  # sales: the open call
    assert sees(world, person("zoe", {"sales"}), world.customer_id)
    assert not sees(world, demo(world, "gleb"), world.customer_id)  # support
    assert not sees(world, person("zoe", {"marketing", "finance"}), world.customer_id)


def test_a_queue_task_about_an_account_opens_it_to_that_group(world: World) -> None:
    account = open_account(world, "vera")
    assert not sees(world, demo(world, "anna"), account)
    # ``simple``'s first task is in the sales lane, assigned to ``owner``: nobody here
    world.engine.start("simple", {"company": "Lyra JSC", "owner": None, "customer_id": account})
    assert sees(world, demo(world, "anna"), account)
    assert not sees(world, demo(world, "gleb"), account)


def test_the_assignee_sees_it_from_outside_the_group(world: World) -> None:
    egor = demo(world, "egor")  # finance: no sales task is his
    assert not sees(world, egor, world.customer_id)
    world.engine.assign(world.call_task, "egor", by_user="boris")
    assert sees(world, egor, world.customer_id)
    assert not sees(world, demo(world, "vera"), world.customer_id)


def test_who_completed_a_task_keeps_seeing_the_customer(world: World) -> None:
    world.engine.complete_task(world.call_task, {"outcome": "reached"}, user="anna")
    [done] = world.engine.tasks(
        None, scope="all", status="done", customer_id=str(world.customer_id)
    )
    assert done["completed_by"] == "anna" and done["assignee"] is None
    assert sees(world, person("anna"), world.customer_id)  # out of sales since: still sees it
    assert not sees(world, person("petr"), world.customer_id)
    assert sees(world, person("zoe", {"sales"}), world.customer_id)  # done tasks count too


@pytest.mark.parametrize("name", ["anna", "vera", "gleb"])
def test_nobody_but_admins_and_managers_sees_a_customer_that_does_not_exist(
    world: World, name: str
) -> None:
    assert not sees(world, demo(world, name), 987_654)
