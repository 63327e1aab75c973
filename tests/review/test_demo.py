"""review/demo.py: twelve experts, two who can sign in; a second run changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from rainforest.review.demo import seed_review_demo
from rainforest.review.models import Expert

pytestmark = pytest.mark.django_db


def test_seed_review_demo_is_idempotent(officer: Any) -> None:
    assert seed_review_demo() == {"experts": 12}
    assert seed_review_demo() == {"experts": 0}
    assert Expert.objects.filter(status="active").count() == 12
    assert Expert.objects.filter(user__username__in=["expert01", "expert02"]).count() == 2
