"""The ``rainforest`` command: every operation has --help; demo data loads once."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from rainforest.cases.models import Case
from rainforest.cases.selectors import Sla, sla_of

RAINFOREST = Path(sys.executable).with_name("rainforest")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["demo", "--help"], "--no-serve"),
        (["seed-demo", "--help"], "demo data"),
        (["calendar", "--help"], "show"),
        (["audit", "--help"], "verify"),
        (["sla", "--help"], "tick"),
        (["serve", "--help"], "--port"),
    ],
)
def test_cli_command_has_help(args: list[str], expected: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(RAINFOREST), *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "RAINFOREST_DATA_DIR": str(tmp_path)},
    )

    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_cli_without_arguments_lists_commands() -> None:
    result = subprocess.run([str(RAINFOREST)], capture_output=True, text=True, check=False)

    assert result.returncode == 0
    for name in ("demo", "seed-demo", "calendar", "audit", "sla"):
        assert f"  {name} " in result.stdout


@pytest.mark.django_db
def test_seed_demo_holds_every_sla_state_and_runs_once() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = Case.objects.count()
    pledges = Case.objects.filter(process_code="ip_pledge").count()
    call_command("seed_demo", stdout=out)

    from django.utils import timezone

    now = timezone.now()
    states = {sla_of(c, now) for c in Case.objects.all()}
    assert states == set(Sla)
    assert Case.objects.count() == first
    assert pledges == 10
    assert "demo data already present" in out.getvalue()
