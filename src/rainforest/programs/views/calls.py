"""Guidelines for programme officers: draft from accepted proposals, publish."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.core.errors import DomainError
from rainforest.programs import selectors, services
from rainforest.programs.forms import CallForm, day_end, day_start
from rainforest.programs.views.common import message, require_officer

_FORM_FIELD = {
    "criteria": "criteria",
    "directions": "directions",
    "closes_at": "closes_on",
    "opens_at": "opens_on",
    "stage_limits.formal_review": "formal_review_limit",
    "stage_limits.expert_review": "expert_review_limit",
}


@login_required
@require_GET
def call_admin_list(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    return render(
        request,
        "programs/call_admin_list.html",
        {"calls": list(selectors.visible_calls(request.user)[:200])},
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_new(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    proposals = list(selectors.accepted_proposals()[:500])
    form = CallForm(request.POST or None, proposals=proposals)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = {int(i) for i in d["source_proposals"]}
        limits = {
            key: d[name]
            for key, name in (
                ("formal_review", "formal_review_limit"),
                ("expert_review", "expert_review_limit"),
            )
            if d[name]
        }
        try:
            call = services.call_create(
                actor=request.user,
                data=services.CallIn(
                    title=d["title"],
                    field=d["field"],
                    summary=d["summary"],
                    funding_per_project=d["funding_per_project"],
                    funding_total=d["funding_total"],
                    projects_planned=d["projects_planned"],
                    opens_at=day_start(d["opens_on"]),
                    closes_at=day_end(d["closes_on"]),
                    directions=[services.DirectionIn(t, i) for t, i in d["directions"]],
                    criteria=[services.CriterionIn(n, w) for n, w in d["criteria"]],
                    require_city_registration=d["require_city_registration"],
                    min_self_funding_percent=d["min_self_funding_percent"],
                    max_concurrent_per_pi=d["max_concurrent_per_pi"],
                    required_attachments=d["required_attachments"],
                    organisation_mode=d["organisation_mode"],
                    notice_period_workdays=d["notice_period_workdays"],
                    stage_limits=limits,
                    source_proposals=[p for p in proposals if p.pk in chosen],
                ),
            )
        except DomainError as exc:
            target = _FORM_FIELD.get(exc.field or "", exc.field)
            form.add_error(target if target in form.fields else None, message(exc))
        else:
            messages.success(request, _("指南草稿已保存，发布后才对外公开"))
            return redirect("programs:call_admin_detail", call_id=call.pk)
    return render(request, "programs/call_form.html", {"form": form})


@login_required
@require_GET
def call_admin_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    require_officer(request)
    call = selectors.access_call(request.user, call_id)
    return render(
        request,
        "programs/call_admin_detail.html",
        {"call": call, "proposals": list(call.source_proposals.select_related("case"))},
    )


@login_required
@require_POST
def call_publish(request: HttpRequest, call_id: int) -> HttpResponse:
    require_officer(request)
    call = selectors.access_call(request.user, call_id)
    try:
        services.call_publish(actor=request.user, call=call)
    except DomainError as exc:
        return render(
            request,
            "programs/call_admin_detail.html",
            {
                "call": call,
                "proposals": list(call.source_proposals.select_related("case")),
                "errors": [("publish", message(exc))],
            },
            status=exc.http_status,
        )
    messages.success(request, _("指南已发布，公众可在“申请指南”页面查看"))
    return redirect("programs:call_admin_detail", call_id=call.pk)
