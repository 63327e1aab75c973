"""Pages for IP-pledge registration: file (form, check, confirmation), list, resubmit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from rainforest.accounts.models import Organisation
from rainforest.accounts.roles import Role
from rainforest.cases import registry
from rainforest.core.errors import DomainError
from rainforest.finance import domain, services
from rainforest.finance.forms import PledgeForm
from rainforest.finance.selectors import access_pledge, monthly_totals, visible_pledges

DRAFT_KEY = "pledge_draft"


def _banks(request: HttpRequest) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            memberships__user=request.user, memberships__role=Role.BANK_OFFICER
        ).distinct()
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_new(request: HttpRequest) -> HttpResponse:
    banks = _banks(request)
    if not banks:
        raise Http404
    initial = request.session.get(DRAFT_KEY, {}).get("typed")
    form = PledgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        request.session[DRAFT_KEY] = {
            "typed": {k: request.POST.get(k, "") for k in form.fields},
            "clean": {
                "pledgor_uscc": d["pledgor_uscc"],
                "pledgor_name": d["pledgor_name"],
                "ip_items": d["ip_items"],
                "loan_amount": str(d["loan_amount"]),
                "term_months": d["term_months"],
                "bank_id": banks[0].pk,
            },
        }
        return redirect("finance:pledge_check")
    return render(request, "finance/pledge_form.html", {"form": form, "bank": banks[0]})


@login_required
@require_http_methods(["GET", "POST"])
def pledge_check(request: HttpRequest) -> HttpResponse:
    draft = request.session.get(DRAFT_KEY)
    if not draft:
        return redirect("finance:pledge_new")
    clean = draft["clean"]
    bank = next((b for b in _banks(request) if b.pk == clean["bank_id"]), None)
    if bank is None:
        raise Http404
    amount = Decimal(clean["loan_amount"])
    decision = domain.decide_inclusive(amount, domain.parameters_on(timezone.localdate()))
    if request.method == "POST":
        try:
            pledge = services.pledge_file(
                actor=request.user,
                bank=bank,
                pledgor_uscc=clean["pledgor_uscc"],
                pledgor_name=clean["pledgor_name"],
                ip_items=[tuple(i) for i in clean["ip_items"]],
                loan_amount=amount,
                term_months=clean["term_months"],
            )
        except DomainError as exc:
            return render(
                request,
                "finance/pledge_check.html",
                {
                    "clean": clean,
                    "bank": bank,
                    "amount": amount,
                    "decision": decision,
                    "errors": [("main", exc.message_zh)],
                },
                status=exc.http_status,
            )
        del request.session[DRAFT_KEY]
        return redirect("finance:pledge_done", pledge_id=pledge.pk)
    return render(
        request,
        "finance/pledge_check.html",
        {"clean": clean, "bank": bank, "amount": amount, "decision": decision},
    )


@login_required
@require_GET
def pledge_done(request: HttpRequest, pledge_id: int) -> HttpResponse:
    return render(
        request, "finance/pledge_done.html", {"pledge": access_pledge(request.user, pledge_id)}
    )


@login_required
@require_GET
def pledge_list(request: HttpRequest) -> HttpResponse:
    pledges = list(visible_pledges(request.user)[:200])
    for p in pledges:
        p.stage_name = (
            registry.get(p.case.process_code, p.case.process_version).stage(p.case.stage).name_zh
        )
    return render(
        request,
        "finance/pledge_list.html",
        {"pledges": pledges, "months": monthly_totals(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_resubmit(request: HttpRequest, pledge_id: int) -> HttpResponse:
    pledge = access_pledge(request.user, pledge_id)
    if pledge.case.stage != "correction" or not any(
        b.pk == pledge.pledgee_bank_id for b in _banks(request)
    ):
        raise Http404
    initial: dict[str, Any] = {
        "pledgor_uscc": pledge.pledgor_uscc,
        "pledgor_name": pledge.pledgor_name,
        "patents": "\n".join(i["number"] for i in pledge.ip_items if i["kind"] == "patent"),
        "trademarks": "\n".join(i["number"] for i in pledge.ip_items if i["kind"] == "trademark"),
        "loan_amount": str(pledge.loan_amount),
        "term_months": str(pledge.term_months),
    }
    form = PledgeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.pledge_resubmit(
                pledge=pledge,
                actor=request.user,
                changes={
                    k: d[k]
                    for k in (
                        "pledgor_uscc",
                        "pledgor_name",
                        "ip_items",
                        "loan_amount",
                        "term_months",
                    )
                },
            )
        except DomainError as exc:
            form.add_error(None, exc.message_zh)
        else:
            return redirect("web:case", case_id=pledge.case_id)
    last_return = pledge.case.timeline.filter(action="return").order_by("-at").first()
    return render(
        request,
        "finance/pledge_form.html",
        {"form": form, "bank": pledge.pledgee_bank, "resubmit": pledge, "last_return": last_return},
    )


@login_required
@require_GET
def certificate(request: HttpRequest, pledge_id: int) -> HttpResponse:
    pledge = access_pledge(request.user, pledge_id)
    if not pledge.certificate_pdf:
        raise Http404
    response = HttpResponse(bytes(pledge.certificate_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pledge.registration_number}.pdf"'
    return response
