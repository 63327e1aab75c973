"""review/demo.py: twelve experts, two who can sign in; a second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from rainforest.review.demo import seed_review_demo
from rainforest.review.models import Expert

pytestmark = pytest.mark.django_db


def test_seed_review_demo_is_idempotent(officer: Any) -> None:
    # without the programme demo there is no call to set or to hear
    nothing = {"settings": 0, "panels": 0, "panel_scores": 0}
    assert seed_review_demo() == {"experts": 12, **nothing}
    assert seed_review_demo() == {"experts": 0, **nothing}
    assert Expert.objects.filter(status="active").count() == 12
    assert Expert.objects.filter(user__username__in=["expert01", "expert02"]).count() == 2
