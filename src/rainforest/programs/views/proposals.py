"""Proposal windows, proposals and their review (项目建议征集、评审)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rainforest.accounts.models import Organisation
from rainforest.accounts.permissions import org_ids
from rainforest.core.errors import DomainError
from rainforest.programs import selectors, services
from rainforest.programs.forms import (
    ProposalDecisionForm,
    ProposalForm,
    WindowForm,
    day_end,
    day_start,
)
from rainforest.programs.permissions import can_propose, can_run_programme, can_see_similarity
from rainforest.programs.views.common import message, require_officer


@login_required
@require_GET
def window_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/window_list.html",
        {
            "windows": list(selectors.windows()[:200]),
            "now": timezone.now(),
            "can_open": can_run_programme(request.user),
            "can_propose": can_propose(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def window_new(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    form = WindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.window_open(
                actor=request.user,
                field=d["field"],
                title=d["title"],
                description=d["description"],
                opens_at=day_start(d["opens_on"]),
                closes_at=day_end(d["closes_on"]),
                review_limit_workdays=d["review_limit_workdays"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, message(exc))
        else:
            messages.success(request, _("项目建议征集已开启"))
            return redirect("programs:window_list")
    return render(request, "programs/window_form.html", {"form": form})


def _organisation(request: HttpRequest) -> Organisation:
    org = Organisation.objects.filter(pk__in=org_ids(request.user)).order_by("pk").first()
    if org is None:
        raise Http404
    return org


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, window_id: int) -> HttpResponse:
    window = selectors.access_window(window_id)
    organisation = _organisation(request)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.proposal_submit(
                actor=request.user,
                organisation=organisation,
                window=window,
                title=d["title"],
                problem=d["problem"],
                target_indicators=d["target_indicators"],
                why_now=d["why_now"],
                suggested_budget=d["suggested_budget"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, message(exc))
        else:
            messages.success(
                request, _("项目建议已提交，编号 %(number)s") % {"number": proposal.case.number}
            )
            return redirect("programs:proposal_detail", proposal_id=proposal.pk)
    return render(
        request,
        "programs/proposal_form.html",
        {"form": form, "window": window, "organisation": organisation, "now": timezone.now()},
    )


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    proposals = list(selectors.visible_proposals(request.user)[:200])
    return render(
        request,
        "programs/proposal_list.html",
        {"proposals": proposals, "staff": can_see_similarity(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = selectors.access_proposal(request.user, proposal_id)
    officer = can_run_programme(request.user)
    form = ProposalDecisionForm(request.POST or None, initial={"group": proposal.group})
    if request.method == "POST":
        if not officer:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.proposal_decide(
                    actor=request.user,
                    proposal=proposal,
                    accept=d["decision"] == "accept",
                    reason=d["reason"],
                    group=d["group"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, message(exc))
            else:
                messages.success(request, _("评审结论已记录"))
                return redirect("programs:proposal_detail", proposal_id=proposal.pk)
    return render(
        request,
        "programs/proposal_detail.html",
        {
            "proposal": proposal,
            "form": form,
            "can_decide": officer and proposal.decided_at is None,
            "similar": list(proposal.similar.all()) if can_see_similarity(request.user) else [],
        },
    )
