"""The support and marketing demo data: every story lands at its stage, and only once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from clientflow_cli.demo_seed.service import seed
from crm.models import Campaign, CampaignStatus, Case, CaseStatus
from engine import Engine, ManualClock, using_clock
from engine.models import Incident


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """Today: the demo dates its campaigns from the real date."""
    manual = ManualClock()
    with using_clock(manual):
        yield manual


def test_demo_seed_plays_each_story_once(crm_engine: Engine) -> None:
    seed(crm_engine)
    seed(crm_engine)

    with crm_engine.session() as session:
        cases = {c.subject: c for c in session.scalars(sa.select(Case))}
        campaigns = {c.name: c.status for c in session.scalars(sa.select(Campaign))}
        assert session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
    assert len(cases) == 4
    assert sorted(c.status for c in cases.values()) == sorted(
        [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER, CaseStatus.CLOSED]
    )
    assert cases["Wrong item in the order"].satisfaction == 5
    assert campaigns["Winter newsletter"] == CampaignStatus.COMPLETED
    assert campaigns["Spring offer"] in (CampaignStatus.ACTIVE, CampaignStatus.APPROVED)
    inbox = {(t["task"], t["group"]) for t in crm_engine.tasks(None, scope="all")}
    assert inbox >= {("respond", "support"), ("approve_refund", "finance")}
    assert ("approve_budget", "finance") in inbox
