"""What the review pages share."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from rainforest.core.policy import ParameterSet
from rainforest.review import domain as rules
from rainforest.review.permissions import can_manage_review


def lang() -> str:
    return get_language() or "zh-hans"


def scoring() -> ParameterSet:
    return rules.parameters_on(rules.SCORING, timezone.localdate())


def staff_only(request: HttpRequest) -> None:
    if not can_manage_review(request.user):
        raise Http404
