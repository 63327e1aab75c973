"""Staff pages of a call's review: the overview, settings, the draw and the ranking."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from rainforest.core.errors import DomainError
from rainforest.review import adapters, services
from rainforest.review import domain_scoring as scoring_rules
from rainforest.review.domain_assignment import Infeasible
from rainforest.review.forms import (
    DrawForm,
    SettingsForm,
    add_domain_error,
)
from rainforest.review.models import AggregationMethod, Draw, Expert
from rainforest.review.permissions import can_manage_review, expert_of
from rainforest.review.selectors import (
    access_draw,
    draw_assignments,
    my_assignments,
    visible_panels,
)
from rainforest.review.views._common import lang, scoring, staff_only


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Staff: calls in expert review and the pool; experts: their assignments."""
    context: dict[str, Any] = {"expert": expert_of(request.user)}
    if can_manage_review(request.user):
        calls = adapters.calls_in_review(scoring())
        refs = [c.ref for c, _ in calls]
        draws = {d.call_ref: d for d in Draw.objects.filter(call_ref__in=refs)}
        presets = services.settings_for_calls(refs)
        context["calls"] = [(c, n, draws.get(c.ref), presets[c.ref]) for c, n in calls]
        context["pending"] = Expert.objects.filter(status="pending").count()
    elif context["expert"] is None:
        pending = Expert.objects.filter(user=request.user).first()
        return render(request, "review/not_expert.html", {"pending": pending})
    if context["expert"] is not None:
        rows = list(my_assignments(request.user))
        views = adapters.item_views([a.item_ref for a in rows], blind=True)
        context["assignments"] = [(a, views.get(a.item_ref)) for a in rows]
        context["panels"] = list(visible_panels(request.user).filter(members=context["expert"]))
    return render(request, "review/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def call_settings(request: HttpRequest, call_id: int) -> HttpResponse:
    """Staff set the call's review settings before the draw; locked once experts are drawn."""
    staff_only(request)
    info = adapters.call_info(str(call_id), scoring())
    if info is None:
        raise Http404
    current = services.settings_for(str(call_id))
    locked = services.settings_locked(str(call_id))
    form = SettingsForm(
        request.POST or None,
        initial={
            "k": current.k,
            "load": current.load,
            "q": current.q_text,
            "method": current.method,
            "normalise": current.normalise,
            "blind": current.blind,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.call_settings_save(
                actor=request.user,  # type: ignore[arg-type]
                call_ref=str(call_id),
                k=d["k"],
                load=d["load"],
                q=d["q"],
                method=d["method"],
                normalise=d["normalise"],
                blind=d["blind"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, lang())
        else:
            return redirect("review:index")
    return render(
        request,
        "review/settings.html",
        {
            "form": form,
            "call": info,
            "current": current,
            "method_label": AggregationMethod(current.method).label,
            "locked": locked,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draw_new(request: HttpRequest, call_id: int) -> HttpResponse:
    staff_only(request)
    info = adapters.call_info(str(call_id), scoring())
    if info is None:
        raise Http404
    existing = Draw.objects.filter(call_ref=str(call_id)).first()
    if existing is not None:
        return redirect("review:draw", draw_id=existing.pk)
    preset = services.settings_for(str(call_id))
    form = DrawForm(
        request.POST or None, initial={"k": preset.k, "load": preset.load, "q": preset.q_text}
    )
    shortfalls: list[Any] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            record = services.draw_commit(
                actor=request.user,  # type: ignore[arg-type]
                call_ref=str(call_id),
                k=d["k"],
                load=d["load"],
                q=d["q"],
            )
        except Infeasible as exc:
            shortfalls = list(exc.shortfalls)
            form.add_error(None, exc.message(lang()))
        except DomainError as exc:
            add_domain_error(form, exc, lang())
        else:
            return redirect("review:draw", draw_id=record.pk)
    items = adapters.review_items(str(call_id))
    return render(
        request,
        "review/draw_new.html",
        {"form": form, "call": info, "items": items, "shortfalls": shortfalls},
    )


@login_required
def draw_detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    record = access_draw(request.user, draw_id)
    rows = list(draw_assignments(record))
    info = adapters.call_info(record.call_ref, scoring())
    views = adapters.item_views(sorted({a.item_ref for a in rows}), blind=False)
    verification = None
    if record.status == "drawn" and request.GET.get("verify"):
        verification = services.draw_verify(record)
    return render(
        request,
        "review/draw.html",
        {
            "draw": record,
            "call": info,
            "rows": [(a, views.get(a.item_ref)) for a in rows],
            "exclusions": record.exclusions[:200],
            "verification": verification,
        },
    )


@login_required
@require_POST
def draw_perform(request: HttpRequest, draw_id: int) -> HttpResponse:
    record = access_draw(request.user, draw_id)
    with contextlib.suppress(DomainError):  # performed already: the page shows the result
        services.draw_perform(actor=request.user, draw_record=record)  # type: ignore[arg-type]
    return redirect("review:draw", draw_id=record.pk)


@login_required
@require_http_methods(["GET", "POST"])
def ranking(request: HttpRequest, call_id: int) -> HttpResponse:
    staff_only(request)
    info = adapters.call_info(str(call_id), scoring())
    if info is None:
        raise Http404
    message = ""
    if request.method == "POST":
        try:
            handed = services.ranking_hand_off(
                actor=request.user,  # type: ignore[arg-type]
                call_ref=str(call_id),
            )
        except DomainError as exc:
            message = exc.message(lang())
        else:
            message = "handed" if handed else "kept"
    results = services.call_results(str(call_id))
    views = adapters.item_views([r.item for r in results.ranked], blind=False)
    return render(
        request,
        "review/ranking.html",
        {
            "call": info,
            "rows": [(r, results.scores[r.item], views.get(r.item)) for r in results.ranked],
            "missing": results.missing,
            "rule": scoring_rules.TIE_RULE_EN
            if lang().startswith("en")
            else scoring_rules.TIE_RULE_ZH,
            "message": message,
        },
    )
