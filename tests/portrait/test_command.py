"""`rainforest portrait run|fit|generate` and the demo seed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rainforest.portrait.models import Portrait, PortraitRun, ScorecardFit

pytestmark = pytest.mark.django_db


def test_generate_run_and_fit_from_the_command_line(tmp_path: Path) -> None:
    out = StringIO()
    data = tmp_path / "drops"

    call_command(
        "portrait",
        "generate",
        "--out",
        str(data),
        "--firms",
        "300",
        "--months",
        "30",
        "--bad-rows",
        stdout=out,
    )
    call_command("portrait", "run", "--data", str(data), "--as-of", "2026-06-30", stdout=out)
    call_command("portrait", "fit", "--data", str(data), "--activate", stdout=out)

    text = out.getvalue()
    run = PortraitRun.objects.get()
    assert (run.status, run.engine, run.portraits) == (
        "succeeded",
        "duckdb",
        Portrait.objects.count(),
    )
    assert "隔离 quarantined uscc_check_digit: 1" in text
    assert "held-out AUC" in text
    fit = ScorecardFit.objects.get()
    assert (fit.active, fit.n_train + fit.n_test > 100) == (True, True)


def test_run_on_a_missing_folder_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such folder"):
        call_command("portrait", "run", "--data", str(tmp_path / "nope"))


def test_failed_run_says_the_previous_portraits_stay(tmp_path: Path) -> None:
    (tmp_path / "tax").mkdir()

    with pytest.raises(CommandError, match="previous portraits stay"):
        call_command("portrait", "run", "--data", str(tmp_path), "--as-of", "2026-06-30")

    assert PortraitRun.objects.get().status == "failed"


def test_demo_seed_is_idempotent(settings: Any, tmp_path: Path) -> None:
    from rainforest.enterprises.demo import seed_enterprises_demo
    from rainforest.portrait.demo import seed_portrait_demo
    from rainforest.web.demo import seed_demo

    settings.DATA_DIR = tmp_path
    seed_demo()
    seed_enterprises_demo()  # the demo user firm1 of 深圳雨林智能科技有限公司（演示）

    first = seed_portrait_demo()
    second = seed_portrait_demo()

    assert first["portraits"] > 150
    assert first["consents"] >= 1
    assert second == {"portraits": 0, "consents": 0, "decisions": 0}
