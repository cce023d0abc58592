"""A live server and a Chromium page for the modeler and operations browser tests.

Kept beside the page tests until the shared ``tests/e2e/conftest.py`` harness
exists; fixture names are prefixed (``bpm_``) so they never shadow its ones.
Skips with a printed reason when Debian's Chromium or Playwright is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from ..api.world import World, build_world, files
from .operators import install

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[3] / "test-artifacts" / "e2e"
BPMN = Path(__file__).parent / "bpmn"


@dataclass
class Live:
    world: World
    base: str


@pytest.fixture
def bpm_live(tmp_path: Path) -> Iterator[Live]:
    """The test world (demo organisation, processes, an incident) served over HTTP."""
    world = build_world(f"sqlite:///{tmp_path / 'e2e.sqlite'}")
    install(world.engine)
    world.engine.deploy(files(BPMN, "charge.bpmn"), user="olga")
    world.engine.deploy(files(BPMN, "scored.bpmn", "score.dmn"), user="olga")
    server = make_server("127.0.0.1", 0, world.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(world, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        world.engine.db.dispose()


@pytest.fixture
def bpm_page() -> Iterator[Any]:
    """A Chromium page (headless, Debian's binary); console errors are collected."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests skipped: playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(15_000)
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        try:
            yield page
        finally:
            browser.close()


def login(page: Any, live: Live, username: str, password: str = "demo") -> None:
    page.goto(f"{live.base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/e2e/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
