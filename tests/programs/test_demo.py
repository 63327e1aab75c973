"""programs/demo.py: the demo covers every stage 1-5 state and seeding twice adds nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case
from rainforest.cases.selectors import Sla, due_soon_limit, sla_of
from rainforest.programs import demo
from rainforest.programs.models import (
    Application,
    Call,
    Field,
    OrganisationMode,
    Proposal,
    ProposalSimilarity,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setattr(demo, "LATER_STAGE_SEEDERS", [])
    return demo.seed_programs_demo()


def test_seed_programs_demo_makes_every_stage(seeded: dict[str, int]) -> None:
    now = timezone.now()
    soon = due_soon_limit(now)

    stages = Counter(
        Application.objects.filter(case__isnull=False).values_list("case__stage", flat=True)
    )
    drafts = Application.objects.filter(case__isnull=True).count()
    slas = Counter(sla_of(c, now, soon) for c in Case.objects.filter(stage="formal_review"))
    modes = sorted(Call.objects.values_list("organisation_mode", flat=True))

    assert dict(stages) == {
        "formal_review": 56,
        "correction": 24,
        "rejected": 15,
        "expert_review": 75,
    }
    assert drafts == 30
    assert seeded["applications"] == 200
    assert (slas[Sla.OVERDUE], slas[Sla.DUE_SOON]) == (20, 14)
    assert modes == sorted([OrganisationMode.STANDARD, OrganisationMode.CHALLENGE])
    assert (Field.objects.count(), Proposal.objects.count()) == (3, 6)
    assert ProposalSimilarity.objects.count() == 1  # the near-duplicate pair


def test_seed_programs_demo_twice_creates_nothing(seeded: dict[str, int]) -> None:
    before = (
        Application.objects.count(),
        Case.objects.count(),
        AuditRecord.objects.count(),
        Call.objects.count(),
    )

    again = demo.seed_programs_demo()

    after = (
        Application.objects.count(),
        Case.objects.count(),
        AuditRecord.objects.count(),
        Call.objects.count(),
    )
    assert again == {"applications": 0}
    assert after == before


CALLED: list[str] = []


def fake_later_seeder(progress: object) -> dict[str, int]:
    CALLED.append("later")
    return {"notices": 1}


def test_later_stage_seeders_run_when_present_and_skip_when_missing(
    seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        demo,
        "LATER_STAGE_SEEDERS",
        ["rainforest.programs.no_such_demo:seed", f"{__name__}:fake_later_seeder"],
    )
    CALLED.clear()

    counts = demo.seed_programs_demo()

    assert counts == {"applications": 0, "notices": 1}
    assert CALLED == ["later"]
