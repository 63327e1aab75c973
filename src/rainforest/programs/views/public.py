"""Public guideline pages: anyone may read them without signing in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from rainforest.programs import domain_formal_review, selectors


@require_safe
def call_list(request: HttpRequest) -> HttpResponse:
    calls = list(selectors.public_calls()[:200])
    return render(
        request, "programs/public_call_list.html", {"calls": calls, "now": timezone.now()}
    )


@require_safe
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.public_call(call_id)
    return render(
        request,
        "programs/public_call_detail.html",
        {
            "call": call,
            "now": timezone.now(),
            "is_open": call.opens_at <= timezone.now() <= call.closes_at,
            "attachment_names": [
                domain_formal_review.ATTACHMENT_KINDS.get(k, (k, k))[0]
                for k in call.required_attachments
            ],
        },
    )
