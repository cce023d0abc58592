"""The demo site the browser tests drive: ``clientflow init-db`` and ``clientflow demo``
on a real database, served over HTTP by the app ``clientflow serve`` runs.

The demo organisation (users of API.md, password ``demo``), the shipped
processes under ``processes/`` and their seeded instances are loaded by the CLI
itself, so the tests see what a user of ``make run`` sees. Loading takes a few
seconds, so on SQLite it happens once and each test gets a copy of the file.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from werkzeug.serving import WSGIRequestHandler, make_server

from clientflow_cli.main import cli
from engine import Engine
from handlers import build_engine
from web import create_app

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
SHIPPED = tuple(sorted(p.name for p in PROCESSES.iterdir() if p.is_dir()))


@dataclass
class Site:
    """A served demo site: its engine (for setting up and checking) and its base URL."""

    engine: Engine
    base: str

    def open_task(
        self, process: str, task: str, title_part: str = "", instance_id: str | None = None
    ) -> dict[str, Any]:
        """The one open work item of ``process``/``task`` whose title holds ``title_part``
        (of the instance ``instance_id``, if given)."""
        items = self.engine.tasks(None, scope="all", process=process, limit=200)
        found = [
            i
            for i in items
            if i["task"] == task
            and title_part in i["title"]
            and instance_id in (None, i["instance_id"])
        ]
        assert len(found) == 1, [(i["task"], i["title"]) for i in items]
        return found[0]


def clientflow(url: str, *args: str) -> str:
    """Run a ``clientflow`` command against ``url``; fail with its output if it fails."""
    env = {"CLIENTFLOW_DATABASE_URL": url, "CLIENTFLOW_BROKER_URL": None}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def load_demo(url: str) -> None:
    """What ``make run`` does before serving: create the schema, load the demo."""
    clientflow(url, "init-db")
    clientflow(url, "demo")


def copy_sqlite(template: Path, target: Path) -> None:
    """Copy a closed SQLite database (with its write-ahead log, if one is left)."""
    shutil.copyfile(template, target)
    for suffix in ("-wal", "-shm"):
        extra = template.with_name(template.name + suffix)
        if extra.exists():
            shutil.copyfile(extra, target.with_name(target.name + suffix))


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output shows its assertion, not every request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(url: str, config: Mapping[str, Any] | None = None) -> Iterator[Site]:
    """The web app over ``url`` on a free port, in a server thread (as ``clientflow serve``),
    with ``config`` added to the app's configuration (e.g. ``HOOK_SECRET``)."""
    engine = build_engine(url)
    app = create_app(engine, {"TESTING": True, **(config or {})})
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(engine, f"http://127.0.0.1:{httpd.server_port}")
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        engine.db.dispose()
