"""Browser tests: the demo site served over HTTP, driven by Playwright in Debian's Chromium.

Each test gets its own copy of the database ``clientflow init-db`` and
``clientflow demo`` built (see :mod:`.site`): the demo users of API.md, the
shipped processes and their seeded instances. Tests parametrized with
``site=postgresql`` load the demo into a fresh PostgreSQL schema instead.
Without ``/usr/bin/chromium`` (``apt-get install -y chromium``) or the
``playwright`` package the tests are skipped with the reason printed.
Screenshots go to ``test-artifacts/e2e/`` (git-ignored): the named steps of
each flow, and every page's last state when a test fails. A JavaScript error
on any page fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .site import Site, copy_sqlite, load_demo, serve

CHROMIUM = Path(os.environ.get("CLIENTFLOW_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "e2e"
VIEWPORT = {"width": 1400, "height": 1000}

NewPage = Callable[[str], Any]
CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test body failed, for the fixtures' teardown."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture(scope="package")  # one Chromium for the package, closed before other suites
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests skipped: the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo loaded once into a SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    load_demo(f"sqlite:///{path}")
    return path


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The demo site on SQLite, or on PostgreSQL when parametrized ``postgresql``."""
    if getattr(request, "param", "sqlite") == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
        load_demo(url)
    else:
        target = tmp_path / "demo.sqlite"
        copy_sqlite(request.getfixturevalue("demo_sqlite"), target)
        url = f"sqlite:///{target}"
    with serve(url) as served:
        yield served


@pytest.fixture
def new_page(browser: Any, site: Site, request: pytest.FixtureRequest) -> Iterator[NewPage]:
    """Make pages in fresh browser contexts (one per user); JavaScript errors are collected."""
    contexts: list[Any] = []
    pages: list[tuple[str, Any]] = []

    def make(label: str) -> Any:
        context = browser.new_context(base_url=site.base, locale="en-US", viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        pages.append((label, page))
        return page

    yield make
    if request.node.stash.get(CALL_FAILED, False):  # the state each page was left in
        for label, page in pages:
            shot(page, f"{request.node.name}-{label}-failed")
    for context in contexts:
        context.close()
    errors = {label: page.errors for label, page in pages if page.errors}
    assert not errors, f"JavaScript errors: {errors}"


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/e2e/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name.replace('/', '-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, username: str, password: str = "demo") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def field_errors(page: Any) -> dict[str, str]:
    """The errors shown next to the form's fields, by field path."""
    shown = page.locator("p.error[data-field]")
    return {e.get_attribute("data-field"): e.inner_text() for e in shown.all()}
