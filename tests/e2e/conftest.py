"""Browser tests: the real app served over HTTP, driven by Playwright in Debian's Chromium.

The app runs in a werkzeug server thread on a free port over a temporary SQLite
database holding the demo organisation and the web tests' processes. Without
``/usr/bin/chromium`` (``apt-get install -y chromium``) or the ``playwright``
package the tests are skipped with the reason printed. Screenshots go to
``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.web.api.world import World, build_world, files

CHROMIUM = Path(os.environ.get("CLIENTFLOW_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
WEB_BPMN = Path(__file__).parents[1] / "web" / "bpmn"


@pytest.fixture(scope="module")  # one Playwright at a time: other modules start their own
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests skipped: the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = build_world(f"sqlite:///{tmp_path / 'e2e.sqlite'}")
    built.engine.deploy(
        files(WEB_BPMN, "ask.bpmn", "ask_start.json", "ask_quote.json"), user="olga"
    )
    yield built
    built.engine.db.dispose()


@pytest.fixture
def server(world: World) -> Iterator[str]:
    """The app on a free port; yields its base URL."""
    app = world.app()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def new_page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Make pages in fresh browser contexts (one per user); screenshot each at the end."""
    contexts: list[Any] = []
    pages: list[tuple[str, Any]] = []

    def make(label: str) -> Any:
        context = browser.new_context(base_url=server, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append((label, page))
        return page

    yield make
    ARTIFACTS.mkdir(exist_ok=True)
    for label, page in pages:
        page.screenshot(
            path=str(ARTIFACTS / f"{request.node.name}-{label}-final.png"), full_page=True
        )
    for context in contexts:
        context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, username: str, password: str = "demo") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url("**/inbox")
