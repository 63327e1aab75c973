"""Meeting review (会评) pages: staff form a panel for a call's shortlist and record the
panel's scores; the chair records them too; members see their panel; nobody else does."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rainforest.core.errors import DomainError
from rainforest.review import adapters, services
from rainforest.review import domain_scoring as scoring_rules
from rainforest.review.forms import PanelForm, PanelScoreForm, add_domain_error
from rainforest.review.models import Expert, ExpertStatus, Panel
from rainforest.review.permissions import can_manage_review, can_score_panel
from rainforest.review.selectors import access_panel
from rainforest.review.views._common import lang, scoring, staff_only

EXPERT_CHOICES_MAX = 500


def _call(call_id: int) -> Any:
    info = adapters.call_info(str(call_id), scoring())
    if info is None:
        raise Http404
    return info


@login_required
def panels(request: HttpRequest, call_id: int) -> HttpResponse:
    """Staff: the call's meeting-review panels."""
    staff_only(request)
    info = _call(call_id)
    rows = Panel.objects.filter(call_ref=info.ref).select_related("chair").order_by("session_at")
    return render(request, "review/panels.html", {"call": info, "panels": rows})


def _item_choices(call_ref: str) -> list[tuple[str, str]]:
    """The shortlist candidates, best online-review score first, with that score."""
    candidates = services.shortlist_candidates(call_ref)
    results = services.call_results(call_ref)
    order = {r.item: n for n, r in enumerate(results.ranked)}
    views = adapters.item_views(candidates, blind=False)
    out = []
    for ref in sorted(candidates, key=lambda r: (order.get(r, len(order)), len(r), r)):
        view = views.get(ref)
        label = f"{view.number} {view.title}" if view else f"#{ref}"
        if ref in results.scores:
            label += _("（网评得分 %(score)s，第 %(rank)s 名）") % {
                "score": results.scores[ref].score,
                "rank": order[ref] + 1,
            }
        out.append((ref, label))
    return out


def _expert_choices() -> list[tuple[str, str]]:
    experts = Expert.objects.filter(status=ExpertStatus.ACTIVE, quality_flags=[]).order_by(
        "name", "id"
    )[:EXPERT_CHOICES_MAX]
    return [
        (str(e.pk), f"{e.name}（{e.employer_name}，{e.title}，{'、'.join(e.fields)}）")
        for e in experts
    ]


@login_required
@require_http_methods(["GET", "POST"])
def panel_new(request: HttpRequest, call_id: int) -> HttpResponse:
    """Staff form a panel for the call's shortlist: members, the chair, the session."""
    staff_only(request)
    info = _call(call_id)
    form = PanelForm(
        request.POST or None,
        experts=_expert_choices(),
        items=_item_choices(info.ref),
        initial={"name": _("会评一组"), "minutes_per_item": 20},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = {str(e.pk): e for e in Expert.objects.filter(pk__in=[d["chair"], *d["members"]])}
        try:
            panel = services.panel_create(
                actor=request.user,  # type: ignore[arg-type]
                call_ref=info.ref,
                name=d["name"],
                chair=chosen.get(d["chair"]),
                members=[chosen[m] for m in d["members"] if m in chosen],
                session_at=d["session_at"],
                place=d["place"],
                item_refs=d["items"],
                minutes_per_item=d["minutes_per_item"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, lang())
        else:
            return redirect("review:panel", panel_id=panel.pk)
    return render(request, "review/panel_new.html", {"form": form, "call": info})


@login_required
@require_http_methods(["GET", "POST"])
def panel_detail(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The panel, its schedule, the scores and the panel's ranking.

    Staff and the chair record scores; members read; anybody else gets 404.
    """
    panel = access_panel(request.user, panel_id)
    may_score = can_score_panel(request.user, panel)
    form = PanelScoreForm(request.POST or None)
    if request.method == "POST":
        if not may_score:
            raise Http404
        if form.is_valid():
            score = form.score_value()
            if score is not None:
                try:
                    services.panel_score_record(
                        actor=request.user,  # type: ignore[arg-type]
                        panel=panel,
                        item_ref=form.cleaned_data["item"],
                        score=score,
                        comment=form.cleaned_data["comment"],
                    )
                except DomainError as exc:
                    add_domain_error(form, exc, lang())
                else:
                    return redirect("review:panel", panel_id=panel.pk)
    staff = can_manage_review(request.user)
    blind = not staff and services.settings_for(panel.call_ref).blind
    results = services.panel_results(panel)
    views = adapters.item_views(list(panel.item_refs), blind=blind)
    online = services.call_results(panel.call_ref).scores if staff else {}
    return render(
        request,
        "review/panel.html",
        {
            "panel": panel,
            "call": adapters.call_info(panel.call_ref, scoring()),
            "members": panel.members.order_by("name", "id"),
            "schedule": [
                (slot, views.get(slot.item), results.scores.get(slot.item), online.get(slot.item))
                for slot in results.schedule
            ],
            "ranked": [(r, views.get(r.item), results.scores[r.item]) for r in results.ranked],
            "missing": results.missing,
            "may_score": may_score,
            "staff": staff,
            "form": form,
            "posted_item": form.data.get("item", "") if form.is_bound else "",
            "rule": scoring_rules.TIE_RULE_EN
            if lang().startswith("en")
            else scoring_rules.TIE_RULE_ZH,
        },
    )
