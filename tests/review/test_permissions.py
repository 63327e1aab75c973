"""review/permissions.py as a truth table."""

from __future__ import annotations

from typing import Any

import pytest

from rainforest.accounts.roles import Role
from rainforest.review.models import Expert, ExpertStatus
from rainforest.review.permissions import can_manage_review, expert_of, is_expert
from tests.conftest import at
from tests.factories import person
from tests.review.conftest import make_panel, org_uscc, rid

pytestmark = pytest.mark.django_db


def _expert(user: Any, status: str) -> Expert:
    return Expert.objects.create(
        user=user,
        name="x",
        id_number=rid(880 + user.pk % 100),
        employer_uscc=org_uscc(880),
        employer_name="x",
        title="x",
        fields=["AI"],
        status=status,
        created_at=at("2026-01-01 09:00"),
    )


@pytest.mark.parametrize(
    ("role", "status", "manage", "expert"),
    [
        (Role.PROGRAMME_OFFICER, None, True, False),
        (Role.ADMINISTRATOR, None, True, False),
        (Role.APPLICANT, None, False, False),
        (Role.BANK_OFFICER, None, False, False),
        (Role.EXPERT, ExpertStatus.ACTIVE, False, True),
        (Role.EXPERT, ExpertStatus.PENDING, False, False),
        (Role.EXPERT, ExpertStatus.SUSPENDED, False, False),
        (Role.EXPERT, None, False, False),
    ],
)
def test_review_permissions(role: str, status: str | None, manage: bool, expert: bool) -> None:
    user = person(role)
    if status is not None:
        _expert(user, status)
    assert (can_manage_review(user), is_expert(user)) == (manage, expert)


def test_anonymous_has_no_expert_profile() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert expert_of(AnonymousUser()) is None
    assert can_manage_review(AnonymousUser()) is False


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("officer", True),
        ("chair", True),
        ("member", False),
        ("other_expert", False),
        ("applicant", False),
        ("anonymous", False),
    ],
)
def test_who_records_panel_scores(world: Any, who: str, may: bool) -> None:
    from django.contrib.auth.models import AnonymousUser

    from rainforest.review.permissions import can_score_panel

    panel = make_panel(world)
    user = {
        "officer": world.officer,
        "chair": world.experts[0].user,
        "member": world.experts[1].user,
        "other_expert": world.experts[6].user,
        "applicant": world.applicants[0],
        "anonymous": AnonymousUser(),
    }[who]
    assert can_score_panel(user, panel) is may
