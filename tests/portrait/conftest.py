"""Portrait fixtures: small synthetic drops, a portrait row, a Spark session (if it can run)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from rainforest.accounts.roles import Role
from rainforest.portrait import domain
from rainforest.portrait.engines import spark_available
from tests.conftest import SHANGHAI
from tests.factories import person

AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    reason = spark_available()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"Spark cannot start here: {reason}")
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def spark_engine_ready() -> None:
    """Start the one Spark session of the test run (local[1]); later tests reuse it."""
    from rainforest.portrait.engines import spark_session

    spark_session("local[1]")


@pytest.fixture
def drops(tmp_path: Path) -> Any:
    """drops(**kw): write small synthetic drops into a new folder and return the result."""
    from rainforest.portrait.synth import generate

    counter = {"n": 0}

    def make(**kwargs: Any) -> Any:
        counter["n"] += 1
        options: dict[str, Any] = {"firms": 60, "months": 30, "as_of": date(2026, 6, 1), "seed": 11}
        options.update(kwargs)
        return generate(tmp_path / f"drops{counter['n']}", **options)

    return make


@pytest.fixture
def enterprise_user(firm: Any) -> Any:
    return person(Role.APPLICANT, firm, username="firm_user")


@pytest.fixture
def portrait_of() -> Any:
    """portrait_of(org): a current run with one portrait of the organisation (no pipeline)."""
    from rainforest.portrait.models import Portrait, PortraitRun

    def make(*orgs: Any, score_features: dict[str, int | None] | None = None) -> Any:
        run = PortraitRun.objects.filter(is_current=True).first()
        if run is None:
            run = PortraitRun.objects.create(
                engine="duckdb",
                data_dir="/nowhere",
                code_version="test",
                started_at=NOW,
                status=PortraitRun.Status.SUCCEEDED,
                is_current=True,
                scorecard_version="portrait.scorecard 2026.1",
                report={"freshness": {"tax": {"month": "2026-06", "ingested_at": NOW.isoformat()}}},
            )
        made = []
        for org in orgs:
            features = score_features or {
                "months_active": 40,
                "tax_12m_fen": 50_000_000,
                "headcount": 20,
            }
            s = domain.score(features, domain.default_scorecard(AS_OF))
            made.append(
                Portrait.objects.create(
                    run=run,
                    uscc=org.uscc,
                    name=org.name,
                    month=date(2026, 6, 1),
                    score=s.total,
                    grade=s.grade,
                    features=features,
                    contributions=[c.__dict__ for c in s.contributions],
                    trends={
                        "months": ["2026-05", "2026-06"],
                        "tax_12m_fen": [1, 2],
                        "headcount": [3, 4],
                    },
                )
            )
        return made[0] if len(made) == 1 else made

    return make


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", "spark: runs the pipeline on local PySpark (skipped without pyspark or Java)"
    )
