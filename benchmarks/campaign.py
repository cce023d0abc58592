"""Campaign benchmark: a 10,000-member email campaign run to its results task.

The ``campaign_execution`` process is deployed from ``processes/`` on fresh
tables (SQLite, and PostgreSQL when ``CLIENTFLOW_TEST_DATABASE_URL`` is set).
10,000 contacts with an email in one segment (plus 1% opted out) are seeded,
then, on a manual clock: the brief, the target list and its review, the start
timer, every email batch (500 members a step, through ``mail.send`` into the
outbox), 5% of members responding (each message starts its own small
``campaign_response`` instance that makes a lead and a follow-up task), and
the end-date timer up to the results task. Timings are
wall-clock for those engine calls, committed. Seeding runs in one child
process and the campaign in another, so memory is the campaign run's own peak RSS
(``ru_maxrss``) against the RSS it started with; and the stored state of the
campaign instance shows the task tree stays small whatever the member count.

Run ``python -m benchmarks.campaign [--json] [--quick]`` or ``clientflow bench campaign``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console

import crm
import handlers
from crm.models import Contact, ContactEmail, Customer, Lead, OutboxMessage
from engine import Engine, ManualClock, add_user, using_clock
from engine.models import Instance, WorkItem, WorkItemStatus

from . import _standalone
from ._targets import PG_ENV, code_revision, load_average, machine, server_version
from .imports import postgresql_url

ROOT = Path(__file__).resolve().parents[1] / "processes"
PROCESSES = (ROOT / "campaign_execution", ROOT / "campaign_response")
SEGMENT = "bench"
RESPONSE_PCT = 5
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
BRIEF = {
    "name": "Benchmark campaign",
    "segment": SEGMENT,
    "channel": "email",
    "budget": 90000,
    "expected_response_pct": 5,
    "start_date": "2026-03-09",
    "end_date": "2026-03-20",
    "email_subject": "Our spring offer",
    "email_body": "Reply if you are interested.",
}


@dataclass(frozen=True)
class SeedStep:
    instance_id: str = "bench-seed"
    task_id: str = "bench-seed"
    user: str | None = "bench"


def prepare(url: str, members: int) -> None:
    """Tables, the processes deployed, staff, and the segment's contacts (1% opted out)."""
    engine = handlers.build_engine(url)
    engine.create_schema()
    crm.metadata.create_all(engine.db.engine)
    for folder in PROCESSES:
        engine.deploy(
            {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*.*")}
        )
    add_user(engine, "vera", groups=["marketing"])
    add_user(engine, "anna", groups=["sales"])
    with engine.db.session() as session:
        session.info[crm.STEP_KEY] = SeedStep()
        for n in range(members + members // 100):
            if n % 10 == 0:
                customer = Customer(name=f"Shop {n // 10}", segment=SEGMENT)
            contact = Contact(first_name=f"Buyer{n}", customer=customer, opt_out=n >= members)
            contact.emails.append(ContactEmail(address=f"buyer{n}@bench.example"))
            session.add(contact)
            if n % 1000 == 999:
                session.flush()
        session.flush()
        session.info.pop(crm.STEP_KEY)
    engine.db.dispose()


def _rss_mb() -> float:
    """Resident set size now, from /proc (ru_maxrss only gives the peak)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _task(engine: Engine, iid: str, name: str) -> dict[str, Any]:
    """The open work item ``name`` (the inbox query pages; hundreds of follow-ups are open)."""
    with engine.session() as session:
        task_id = session.scalar(
            sa.select(WorkItem.id).where(
                WorkItem.instance_id == uuid.UUID(iid),
                WorkItem.task_name == name,
                WorkItem.status == WorkItemStatus.OPEN,
            )
        )
    assert task_id is not None, f"no open task {name}"
    return {"id": task_id}


def _fire_all(engine: Engine, clock: ManualClock, steps: list[float]) -> None:
    """Fire due timers until none are left, one step at a time, moving the clock on."""
    while True:
        started = time.perf_counter()
        fired = engine.fire_due_timers(limit=1)
        if not fired:
            return
        steps.append(time.perf_counter() - started)
        clock.advance(seconds=2)


def walk(engine: Engine, members: int) -> dict[str, Any]:
    """Run the campaign to its results task; timings per phase."""
    clock = ManualClock(START)
    figures: dict[str, Any] = {}
    with using_clock(clock):
        started = time.perf_counter()
        iid = str(engine.start("campaign_execution", {}, "vera")["id"])
        engine.complete_task(_task(engine, iid, "brief")["id"], BRIEF, "vera")
        figures["list_s"] = time.perf_counter() - started
        engine.complete_task(
            _task(engine, iid, "review_list")["id"], {"list_decision": "approve"}, "vera"
        )
        clock.current = datetime(2026, 3, 9, 6, 0, 1, tzinfo=UTC)
        batches: list[float] = []
        sent = time.perf_counter()
        _fire_all(engine, clock, batches)
        figures["send_s"] = time.perf_counter() - sent
        figures["batch_steps"] = len(batches)  # the start timer step sends the first batch
        figures["batch_step_max_s"] = max(batches)
        campaign_id = engine.instance(iid)["data"]["campaign_id"]
        latencies = []
        responded = time.perf_counter()
        for n in range(0, members, 100 // RESPONSE_PCT):
            one = time.perf_counter()
            outcome = engine.send_message(
                "campaign_response",
                {"campaign_id": campaign_id},
                {"email": f"buyer{n}@bench.example", "response": "interested"},
            )
            latencies.append(time.perf_counter() - one)
            assert outcome["instance"]["data"]["response_record"]["created"], outcome
        figures["responses_s"] = time.perf_counter() - responded
        figures["response_p50_ms"] = statistics.median(latencies) * 1000
        clock.current = datetime(2026, 3, 21, 6, 0, 1, tzinfo=UTC)
        ended = time.perf_counter()
        assert engine.fire_due_timers() == 1
        results = engine.task(_task(engine, iid, "review_results")["id"])["data"]["results"]
        figures["results_s"] = time.perf_counter() - ended
        figures["total_s"] = time.perf_counter() - started
    figures["results"] = results
    figures.update(_state_size(engine, iid, campaign_id))
    return figures


def _state_size(engine: Engine, iid: str, campaign_id: int) -> dict[str, Any]:
    with engine.session() as session:
        state = session.scalar(sa.select(Instance.state).where(Instance.id == uuid.UUID(iid)))
        outbox = session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign_id)
        )
        leads = session.scalar(
            sa.select(sa.func.count()).select_from(Lead).where(Lead.campaign_id == campaign_id)
        )
    return {
        "state_kb": round(len(state or "") / 1024, 1),
        "state_tasks": len(json.loads(state)["tasks"]) if state else 0,
        "outbox_rows": int(outbox or 0),
        "leads": int(leads or 0),
    }


def measure(label: str, url: str, members: int) -> dict[str, Any]:
    """Seed in one child process, run in another, so the run's peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pool.submit(prepare, url, members).result()
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_measure, label, url, members).result()


def _measure(label: str, url: str, members: int) -> dict[str, Any]:
    engine = handlers.build_engine(url)
    try:
        before = _rss_mb()
        figures = walk(engine, members)
        peak = _peak_rss_mb()
        version = server_version(engine) if label == "postgresql" else None
    finally:
        engine.db.dispose()
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    out = {f"{label}_{k}": v for k, v in rounded.items()}
    out[f"{label}_rss_before_mb"] = round(before, 1)
    out[f"{label}_peak_rss_mb"] = round(peak, 1)
    out[f"{label}_version"] = version
    return out


def run(*, json_output: bool = False, quick: bool = False) -> dict[str, Any]:
    """The campaign on SQLite and PostgreSQL; figures as one flat dict."""
    members = 2_000 if quick else 10_000
    console = Console(stderr=json_output)
    pg_url = os.environ.get(PG_ENV)
    load = load_average()
    notes: list[str] = []
    if not pg_url:
        notes.append(f"{PG_ENV} is not set: PostgreSQL figures are missing")
    figures: dict[str, Any] = {"members": members, "response_pct": RESPONSE_PCT}
    postgresql = None
    with tempfile.TemporaryDirectory(prefix="clientflow-bench-campaign-") as folder:
        if not json_output:
            console.print(f"campaign of {members:,} members on SQLite ...")
        figures.update(measure("sqlite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", members))
        figures.pop("sqlite_version")
    if pg_url:
        if not json_output:
            console.print(f"campaign of {members:,} members on PostgreSQL ...")
        with postgresql_url(pg_url) as url:
            figures.update(measure("postgresql", url, members))
        postgresql = figures.pop("postgresql_version")
    figures.update(
        machine=machine(postgresql, load),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        revision=code_revision(),
        notes=notes,
    )
    if not json_output:
        _print(console, figures)
    return figures


def _print(console: Console, figures: dict[str, Any]) -> None:
    for label in ("sqlite", "postgresql"):
        total = figures.get(f"{label}_total_s")
        if total is None:
            continue
        console.print(
            f"{label}: {figures['members']:,} members to the results task in {total:.1f} s "
            f"(emails {figures[f'{label}_send_s']:.1f} s in {figures[f'{label}_batch_steps']} "
            f"steps, responses {figures[f'{label}_responses_s']:.1f} s); peak RSS "
            f"{figures[f'{label}_peak_rss_mb']:.0f} MB (at the start "
            f"{figures[f'{label}_rss_before_mb']:.0f} MB); state "
            f"{figures[f'{label}_state_tasks']} tasks, {figures[f'{label}_state_kb']} kB"
        )
    for note in figures["notes"]:
        console.print(f"note: {note}")


if __name__ == "__main__":
    raise SystemExit(_standalone.main(run, __doc__, "2,000 members instead of 10,000"))
