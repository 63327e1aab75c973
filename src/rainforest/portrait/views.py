"""Portrait pages: the enterprise's own portrait, consent and read log; the bank's view and
decisions; staff link review, runs and the dashboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.accounts.permissions import is_staff
from rainforest.core.errors import DomainError, NotFoundError
from rainforest.language import english
from rainforest.portrait import services
from rainforest.portrait.charts import line_chart
from rainforest.portrait.forms import ConsentForm, DecisionForm
from rainforest.portrait.models import LinkReview, Portrait
from rainforest.portrait.permissions import (
    banks_of,
    can_review_links,
    can_see_operations,
    enterprises_of,
)
from rainforest.portrait.selectors import (
    access_consent,
    bank_readable,
    consents_of,
    current_run,
    dashboard,
    grade_counts,
    open_link_reviews,
    reads_of,
    runs,
)
from rainforest.portrait.sources import SOURCES


def _portrait_context(p: Portrait) -> dict[str, Any]:
    en = english()
    t = p.trends or {}
    months = t.get("months", [])

    def last(series: str) -> Any:
        values = [v for v in t.get(series, []) if v is not None]
        return values[-1] if values else None

    tax_last = last("tax_12m_fen")
    charts = [
        line_chart(
            months,
            [None if v is None else v / 100 for v in t.get("tax_12m_fen", [])],
            title=_("近12个月纳税额（元）走势"),
            chart_id="chart-tax",
            label=f"{(tax_last or 0) / 100:,.0f} " + _("元"),
        ),
        line_chart(
            months,
            t.get("headcount", []),
            title=_("社保参保人数走势"),
            chart_id="chart-headcount",
            label=f"{last('headcount') or 0} " + _("人"),
        ),
        line_chart(
            months,
            t.get("utility_paid_months_12m", []),
            title=_("近12个月按时缴纳电费月数走势"),
            chart_id="chart-utility",
            label=f"{last('utility_paid_months_12m') or 0}/12",
        ),
        line_chart(
            months,
            t.get("court_open_defendant", []),
            title=_("作为被告的未结案件数走势"),
            chart_id="chart-court",
            label=f"{last('court_open_defendant') or 0} " + _("件"),
        ),
    ]
    contributions = [
        {
            "points": c["points"],
            "sentence": (
                f"{c['points']:+d}: {c['text_en']}" if en else f"{c['points']:+d}：{c['text_zh']}"
            ),
        }
        for c in p.contributions
    ]
    base = p.score - sum(c["points"] for c in p.contributions)
    report = p.run.report or {}
    fresh = report.get("freshness", {})
    freshness = [
        {
            "source": s.dataset_en if en else s.dataset_zh,
            "department": s.department_en if en else s.department_zh,
            "month": fresh.get(s.code, {}).get("month", "—"),
            "ingested_at": fresh.get(s.code, {}).get("ingested_at", "")[:16].replace("T", " "),
        }
        for s in SOURCES
    ]
    titles = [
        _("近12个月纳税额（元）"),
        _("社保参保人数"),
        _("近12个月按时缴纳电费月数"),
        _("作为被告的未结案件"),
    ]
    return {
        "portrait": p,
        "charts": [{"title": t, "svg": c} for t, c in zip(titles, charts, strict=True)],
        "contributions": contributions,
        "base": base,
        "freshness": freshness,
        "run": p.run,
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if enterprises_of(request.user):
        return redirect("portrait:mine")
    if banks_of(request.user):
        return redirect("portrait:bank")
    if is_staff(request.user):
        return redirect("portrait:runs")
    raise Http404


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    enterprises = enterprises_of(request.user)
    if not enterprises:
        raise Http404
    enterprise = enterprises[0]
    try:
        access = services.portrait_open(actor=request.user, uscc=enterprise.uscc, channel="web")
    except NotFoundError:
        return render(request, "portrait/mine_empty.html", {"enterprise": enterprise})
    return render(
        request,
        "portrait/mine.html",
        {"enterprise": enterprise, **_portrait_context(access.portrait)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest) -> HttpResponse:
    enterprises = enterprises_of(request.user)
    if not enterprises:
        raise Http404
    enterprise = enterprises[0]
    today = timezone.localdate()
    start, end = services.default_consent_period(today)
    form = ConsentForm(request.POST or None, initial={"valid_from": start, "valid_until": end})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            consent = services.consent_grant(
                actor=request.user,
                enterprise=enterprise,
                bank_uscc=d["bank_uscc"],
                purpose=d["purpose"],
                valid_from=d["valid_from"],
                valid_until=d["valid_until"],
            )
        except DomainError as exc:
            form.add_error(
                exc.field if exc.field in form.fields else None,
                exc.message_en if english() else exc.message_zh,
            )
        else:
            messages.success(
                request,
                _("已授权 %(bank)s 查看本企业画像，至 %(until)s。")
                % {"bank": consent.bank.name, "until": consent.valid_until.isoformat()},
            )
            return redirect("portrait:consents")
    rows = list(consents_of(enterprise)[:200])
    for c in rows:
        c.live = c.revoked_at is None and c.valid_from <= today <= c.valid_until
    return render(
        request,
        "portrait/consents.html",
        {"enterprise": enterprise, "form": form, "consents": rows},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def consent_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    try:
        consent = access_consent(request.user, consent_id)
        services.consent_revoke(actor=request.user, consent=consent)
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message_en if english() else exc.message_zh)
    else:
        messages.success(
            request,
            _("已撤销对 %(bank)s 的授权，该行已无法查看本企业画像。") % {"bank": consent.bank.name},
        )
    return redirect("portrait:consents")


@login_required
@require_GET
def reads(request: HttpRequest) -> HttpResponse:
    enterprises = enterprises_of(request.user)
    if not enterprises:
        raise Http404
    return render(
        request,
        "portrait/reads.html",
        {"enterprise": enterprises[0], "reads": list(reads_of(enterprises[0])[:500])},
    )


@login_required
@require_GET
def bank(request: HttpRequest) -> HttpResponse:
    if not banks_of(request.user):
        raise Http404
    return render(
        request,
        "portrait/bank.html",
        {"rows": bank_readable(request.user, today=timezone.localdate()), "run": current_run()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def view(request: HttpRequest, uscc: str) -> HttpResponse:
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not banks_of(request.user):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.credit_decision_record(
                    actor=request.user,
                    enterprise_uscc=uscc,
                    outcome=d["outcome"],
                    amount=d["amount"] or Decimal("0.00"),
                    note=d["note"],
                )
            except NotFoundError:
                raise Http404 from None
            except DomainError as exc:
                form.add_error(
                    exc.field if exc.field in form.fields else None,
                    exc.message_en if english() else exc.message_zh,
                )
            else:
                messages.success(request, _("授信决定已记录。"))
                return redirect("portrait:view", uscc=uscc)
    try:
        access = services.portrait_open(actor=request.user, uscc=uscc, channel="web")
    except NotFoundError:
        raise Http404 from None
    return render(
        request,
        "portrait/view.html",
        {
            **_portrait_context(access.portrait),
            "consent": access.consent,
            "form": form if access.bank else None,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    if not (banks_of(request.user) or can_see_operations(request.user)):
        raise Http404
    return render(
        request,
        "portrait/dashboard.html",
        {"d": dashboard(request.user), "grades": grade_counts() if is_staff(request.user) else []},
    )


@login_required
@require_http_methods(["GET", "POST"])
def links(request: HttpRequest) -> HttpResponse:
    if not can_review_links(request.user):
        raise Http404
    if request.method == "POST":
        review = LinkReview.objects.filter(pk=request.POST.get("review")).first()
        if review is None:
            raise Http404
        try:
            services.link_review_decide(
                actor=request.user, review=review, confirm=request.POST.get("do") == "confirm"
            )
        except DomainError as exc:
            messages.error(request, exc.message_en if english() else exc.message_zh)
        else:
            messages.success(request, _("已处理，下次运行时生效。"))
        return redirect("portrait:links")
    return render(request, "portrait/links.html", {"reviews": list(open_link_reviews()[:200])})


@login_required
@require_GET
def runs_page(request: HttpRequest) -> HttpResponse:
    if not can_see_operations(request.user):
        raise Http404
    rows = list(runs()[:50])
    for r in rows:
        r.quarantined_total = sum((r.report or {}).get("quarantined", {}).values())
    return render(request, "portrait/runs.html", {"runs": rows})
