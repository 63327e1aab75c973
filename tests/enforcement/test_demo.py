"""enforcement/demo.py: the demo police legal officer and three requests, idempotent."""

from __future__ import annotations

import pytest

from rainforest.accounts.models import User
from rainforest.enforcement.demo import seed_enforcement_demo
from rainforest.enforcement.models import EnforcementRequest
from rainforest.web.demo import DEMO_PASSWORD, demo_totp_secret

pytestmark = pytest.mark.django_db


def test_seed_enforcement_demo_makes_three_levels_once() -> None:
    first = seed_enforcement_demo()
    second = seed_enforcement_demo()

    rows = list(
        EnforcementRequest.objects.order_by("received_at").values_list("level", "case__stage")
    )
    assert (first, second) == ({"requests": 3}, {"requests": 0})
    assert rows == [
        ("routine", "reported"),
        ("bureau_department", "department_approval"),
        ("bureau", "review"),
    ]


def test_seed_enforcement_demo_police_user_has_password_and_second_factor() -> None:
    seed_enforcement_demo()

    police = User.objects.get(username="police")

    assert (
        police.check_password(DEMO_PASSWORD),
        police.totp_secret,
        police.needs_second_factor(),
    ) == (
        True,
        demo_totp_secret("police"),
        True,
    )
