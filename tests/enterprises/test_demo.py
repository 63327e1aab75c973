"""enterprises/demo.py and the ``enterprises import`` command."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rainforest.accounts.models import User
from rainforest.audit.models import AuditRecord
from rainforest.enterprises.demo import FIRM1_USCC, seed_enterprises_demo
from rainforest.enterprises.models import Enterprise, TierHolding
from rainforest.enterprises.selectors import enterprises_of
from tests.enterprises.conftest import row, xlsx

pytestmark = pytest.mark.django_db


def test_demo_seeds_about_sixty_enterprises_and_firm1_once() -> None:
    first = seed_enterprises_demo()
    counts = (Enterprise.objects.count(), TierHolding.objects.count(), AuditRecord.objects.count())

    second = seed_enterprises_demo()

    assert first["enterprises"] == 60
    assert second == {"enterprises": 0, "updated": 0, "holdings": 0}
    assert (
        Enterprise.objects.count(),
        TierHolding.objects.count(),
        AuditRecord.objects.count(),
    ) == counts
    firm1 = User.objects.get(username="firm1")
    assert firm1.check_password("rainforest-demo")
    assert [e.uscc for e in enterprises_of(firm1)] == [FIRM1_USCC]
    assert set(TierHolding.objects.values_list("tier", flat=True)) == {
        "hnte",
        "sme_specialised",
        "little_giant",
        "single_champion",
    }
    assert len(set(Enterprise.objects.values_list("district", flat=True))) >= 8


def test_command_imports_a_file(tmp_path: Any) -> None:
    path = tmp_path / "registry.xlsx"
    path.write_bytes(xlsx([row(1), row(2)]).getvalue())

    call_command("enterprises", "import", str(path))

    assert Enterprise.objects.count() == 2


def test_command_bad_file_imports_nothing_and_fails(tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "registry.xlsx"
    path.write_bytes(xlsx([row(1), row(2, size="巨型")]).getvalue())

    with pytest.raises(CommandError):
        call_command("enterprises", "import", str(path))

    assert Enterprise.objects.count() == 0
    assert "第 3 行 D列（规模）" in capsys.readouterr().err
