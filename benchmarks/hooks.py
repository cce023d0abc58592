"""Hook ingestion benchmark: events journaled per second through the real hooks.

Each operation is one signed request through the Flask app (WSGI, in process):
signature check, parsing, the journal insert and its commit, the 202 answer.
Processing is handed on to nobody (as with Celery, it happens elsewhere), so
the figures are what a provider sees: how fast we accept and how long it waits.
Measured on SQLite and, when ``CLIENTFLOW_TEST_DATABASE_URL`` is set, PostgreSQL:

- ``telephony``: generic call events (~200 B JSON), each new;
- ``email``: a 3 KB message with an attachment through ``/hooks/email``;
- ``duplicate``: the same call event again (the 200 path);
- ``telephony_4_threads`` (PostgreSQL): four clients at once, total events/s.

Run ``python -m benchmarks.hooks [--json] [--quick]`` or ``clientflow bench hooks``.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rich.console import Console

import integrations
from engine import Engine
from integrations import sign
from web import create_app
from web.hooks.service import SERVICE_KEY

from . import _standalone
from ._harness import Reporter, Series, time_round
from ._targets import PG_ENV, code_revision, load_average, machine, postgresql_engine, sqlite_engine

SECRET = "bench-secret"
ROUNDS, PER_ROUND = 5, 400
QUICK_ROUNDS, QUICK_PER_ROUND = 3, 60


def run(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    rounds, per_round = (QUICK_ROUNDS, QUICK_PER_ROUND) if quick else (ROUNDS, PER_ROUND)
    load = load_average()
    figures: dict[str, Any] = {}
    pg_url = os.environ.get(PG_ENV)
    with Reporter(not json_output) as reporter, ExitStack() as stack:
        targets: list[tuple[str, Engine]] = [("sqlite", stack.enter_context(sqlite_engine()))]
        if pg_url:
            targets.append(("postgresql", stack.enter_context(postgresql_engine(pg_url))))
        for name, engine in targets:
            client = _client(engine)
            for kind, make in (("telephony", _call), ("email", _email)):
                series = _measure(client, make, rounds, per_round, reporter, f"{name} {kind}")
                figures.update(_figures(f"{name}_{kind}", series))
            dup = _call(0, "dup")
            _post(client, dup)
            series = _measure(
                client, _same(dup), rounds, per_round, reporter, f"{name} duplicate", expect=200
            )
            figures.update(_figures(f"{name}_duplicate", series))
            if name == "postgresql":
                figures["postgresql_telephony_4_threads_per_s"] = _threads(
                    engine, 4, rounds * per_round // 4, reporter
                )
    figures.update(
        machine=machine(None, load), date=datetime.now(UTC).isoformat(), revision=code_revision()
    )
    if not json_output:
        _print(figures, Console())
    return figures


def _client(engine: Engine) -> FlaskClient:
    integrations.metadata.create_all(engine.db.engine)
    app: Flask = create_app(engine, {"TESTING": True, "SECRET_KEY": "bench", "HOOK_SECRET": SECRET})
    app.extensions[SERVICE_KEY].dispatch = lambda _event_id: True  # processing happens elsewhere
    return app.test_client()


Body = tuple[str, bytes, str]


def _call(n: int, tag: str) -> Body:
    event = {"event_id": f"{tag}-{n}", "type": "ringing", "call_id": f"call-{tag}-{n}",
             "from": "+79123456789", "to": "+74950000000", "direction": "inbound",
             "at": "2026-12-01T10:00:00+03:00"}  # fmt: skip
    return "/hooks/telephony", json.dumps(event).encode(), "application/json"


def _email(n: int, tag: str) -> Body:
    msg = EmailMessage()
    msg["From"] = "Ivan Petrov <ivan@example.com>"
    msg["To"] = "support@demo.clientflow.test"
    msg["Subject"] = "Order 1234 arrived broken"
    msg["Message-ID"] = f"<{tag}-{n}@example.com>"
    msg.set_content("The box was crushed.\n\n-- \nIvan\n" + "> quoted line\n" * 20)
    msg.add_attachment(b"%PDF-1.4 " + b"x" * 1500, maintype="application", subtype="pdf",
                       filename="photo.pdf")  # fmt: skip
    return "/hooks/email", msg.as_bytes(), "message/rfc822"


def _same(body: Body) -> Callable[[int, str], Body]:
    return lambda _n, _tag: body


def _post(client: FlaskClient, body: Body) -> int:
    path, data, content_type = body
    headers = {"X-Clientflow-Signature": sign(SECRET, data)}
    return int(client.post(path, data=data, content_type=content_type, headers=headers).status_code)


def _measure(
    client: FlaskClient,
    make: Callable[[int, str], Body],
    rounds: int,
    per_round: int,
    reporter: Reporter,
    label: str,
    expect: int = 202,
) -> Series:
    tag = label.replace(" ", "-")
    for n in range(20):  # warm-up: compiled SQL, the connection pool, imports
        _post(client, make(n, f"warm-{tag}"))
    series = Series()
    tick = reporter.phase(label, rounds * per_round)
    for r in range(rounds):
        bodies = [make(n, f"{tag}-{r}") for n in range(per_round)]
        codes = time_round(series, [functools.partial(_post, client, b) for b in bodies], tick)
        if set(codes) != {expect}:
            raise AssertionError(f"{label}: expected only {expect}, got {sorted(set(codes))}")
    return series


def _threads(engine: Engine, threads: int, each: int, reporter: Reporter) -> float:
    clients = [_client(engine) for _ in range(threads)]
    tick = reporter.phase(f"postgresql telephony x{threads} threads", threads * each)
    lock = threading.Lock()

    def work(i: int) -> None:
        for n in range(each):
            if _post(clients[i], _call(n, f"thread{i}")) != 202:
                raise AssertionError("a threaded post was not journaled")
            with lock:
                tick()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return round(threads * each / (time.perf_counter() - began), 1)


def _figures(prefix: str, series: Series) -> dict[str, float]:
    return {
        f"{prefix}_per_s": round(series.per_s, 1),
        f"{prefix}_p50_ms": round(series.p50_ms, 3),
        f"{prefix}_p99_ms": round(series.p99_ms, 3),
    }


def _print(figures: dict[str, Any], console: Console) -> None:
    console.print("\nHook ingestion (signed request → journal commit → answer)")
    for db in ("sqlite", "postgresql"):
        for kind in ("telephony", "email", "duplicate"):
            key = f"{db}_{kind}"
            if f"{key}_per_s" in figures:
                rate, p50, p99 = (figures[f"{key}_{s}"] for s in ("per_s", "p50_ms", "p99_ms"))
                console.print(
                    f"  {db:<10} {kind:<10} {rate:>8.1f} events/s"
                    f"  p50 {p50:.2f} ms  p99 {p99:.2f} ms"
                )
    if "postgresql_telephony_4_threads_per_s" in figures:
        value = figures["postgresql_telephony_4_threads_per_s"]
        console.print(f"  postgresql telephony, 4 threads: {value:.1f} events/s")


if __name__ == "__main__":
    raise SystemExit(_standalone.main(run, __doc__, "smaller sizes, for a smoke run"))
