"""Expert review pages: the pool, draws, an expert's assignments and the ranking."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from rainforest.core.errors import DomainError
from rainforest.review import adapters, services
from rainforest.review import domain as rules
from rainforest.review import domain_scoring as scoring_rules
from rainforest.review.domain_assignment import Infeasible
from rainforest.review.forms import (
    ConflictForm,
    DrawForm,
    ExpertForm,
    ImportForm,
    ProfileForm,
    RelationForm,
    SheetForm,
    WithdrawForm,
    add_domain_error,
)
from rainforest.review.models import AssignmentStatus, DeclaredRelation, Draw, Expert
from rainforest.review.permissions import can_manage_review, expert_of
from rainforest.review.selectors import (
    access_assignment,
    access_draw,
    access_expert,
    draw_assignments,
    expert_pool,
    my_assignments,
)


def _lang() -> str:
    return get_language() or "zh-hans"


def _scoring() -> Any:
    from django.utils import timezone

    return rules.parameters_on(rules.SCORING, timezone.localdate())


def _staff_only(request: HttpRequest) -> None:
    if not can_manage_review(request.user):
        raise Http404


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Staff: calls in expert review and the pool; experts: their assignments."""
    context: dict[str, Any] = {"expert": expert_of(request.user)}
    if can_manage_review(request.user):
        calls = adapters.calls_in_review(_scoring())
        draws = {d.call_ref: d for d in Draw.objects.filter(call_ref__in=[c.ref for c, _ in calls])}
        context["calls"] = [(c, n, draws.get(c.ref)) for c, n in calls]
        context["pending"] = Expert.objects.filter(status="pending").count()
    elif context["expert"] is None:
        pending = Expert.objects.filter(user=request.user).first()
        return render(request, "review/not_expert.html", {"pending": pending})
    if context["expert"] is not None:
        rows = list(my_assignments(request.user))
        views = adapters.item_views([a.item_ref for a in rows], blind=True)
        context["assignments"] = [(a, views.get(a.item_ref)) for a in rows]
    return render(request, "review/index.html", context)


# --- the pool ------------------------------------------------------------------------------


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    status = request.GET.get("status", "")
    return render(
        request,
        "review/pool.html",
        {"experts": expert_pool(request.user, status=status)[:500], "status": status},
    )


@login_required
@require_POST
def expert_approve(request: HttpRequest, expert_id: int) -> HttpResponse:
    expert = access_expert(request.user, expert_id)
    with contextlib.suppress(DomainError):  # already approved: the list shows its status
        services.expert_approve(actor=request.user, expert=expert)  # type: ignore[arg-type]
    return redirect("review:pool")


@login_required
@require_http_methods(["GET", "POST"])
def pool_import(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.read_xlsx(form.cleaned_data["file"].read())
            count = services.expert_import(actor=request.user, rows=rows)  # type: ignore[arg-type]
        except services.ImportRejected as exc:
            row_errors = list(exc.errors)
            form.add_error("file", exc.message(_lang()))
        except DomainError as exc:
            add_domain_error(form, exc, _lang())
        else:
            return render(request, "review/import_done.html", {"count": count})
    return render(
        request,
        "review/import.html",
        {"form": form, "row_errors": row_errors, "columns": services.IMPORT_COLUMNS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_conflict(request: HttpRequest, expert_id: int) -> HttpResponse:
    expert = access_expert(request.user, expert_id)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.conflict_record(
                actor=request.user,  # type: ignore[arg-type]
                expert=expert,
                call_ref=str(d["call"]),
                item_ref=str(d["item"]) if d["item"] else "",
                note=d["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, _lang())
        else:
            return redirect("review:pool")
    return render(request, "review/conflict.html", {"form": form, "expert": expert})


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Self-registration (专家自荐); staff approve it before the expert can be drawn."""
    existing = Expert.objects.filter(user=request.user).first()
    if existing is not None:
        return redirect("review:profile")
    form = ExpertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.expert_register(
                user=request.user,  # type: ignore[arg-type]
                data=services.ExpertIn(
                    name=d["name"],
                    id_number=d["id_number"],
                    employer_uscc=d["employer_uscc"],
                    employer_name=d["employer_name"],
                    title=d["title"],
                    fields=services.clean_codes(d["fields"]),
                    keywords=services.clean_words(d["keywords"]),
                    email=d["email"],
                ),
            )
        except DomainError as exc:
            add_domain_error(form, exc, _lang())
        else:
            return render(request, "review/register_done.html")
    return render(request, "review/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """An expert's own profile and declared relations."""
    expert = Expert.objects.filter(user=request.user).first()
    if expert is None:
        raise Http404
    form = ProfileForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={
            "title": expert.title,
            "fields": ", ".join(expert.fields),
            "keywords": "、".join(expert.keywords),
            "email": expert.email,
        },
    )
    relation_form = RelationForm(request.POST if request.POST.get("form") == "relation" else None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.expert_update(
                actor=request.user,  # type: ignore[arg-type]
                expert=expert,
                title=d["title"],
                fields=d["fields"],
                keywords=d["keywords"],
                email=d["email"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, _lang())
        else:
            return redirect("review:profile")
    if request.method == "POST" and relation_form.is_bound and relation_form.is_valid():
        d = relation_form.cleaned_data
        try:
            services.relation_declare(
                actor=request.user,  # type: ignore[arg-type]
                expert=expert,
                kind=d["kind"],
                person_id_number=d["person_id_number"],
                uscc=d["uscc"],
                last_year=d["last_year"],
                note=d["note"],
            )
        except DomainError as exc:
            add_domain_error(relation_form, exc, _lang())
        else:
            return redirect("review:profile")
    errors = form.errors or relation_form.errors
    return render(
        request,
        "review/profile.html",
        {
            "expert": expert,
            "form": form,
            "relation_form": relation_form,
            "relations": DeclaredRelation.objects.filter(expert=expert),
            "errors": errors,
        },
    )


# --- draws -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def draw_new(request: HttpRequest, call_id: int) -> HttpResponse:
    _staff_only(request)
    info = adapters.call_info(str(call_id), _scoring())
    if info is None:
        raise Http404
    existing = Draw.objects.filter(call_ref=str(call_id)).first()
    if existing is not None:
        return redirect("review:draw", draw_id=existing.pk)
    form = DrawForm(request.POST or None)
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
            form.add_error(None, exc.message(_lang()))
        except DomainError as exc:
            add_domain_error(form, exc, _lang())
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
    info = adapters.call_info(record.call_ref, _scoring())
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


# --- an expert's assignment --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Declare no conflict (or withdraw), then score; staff may look but not act."""
    a = access_assignment(request.user, assignment_id)
    info = adapters.call_info(a.draw.call_ref, _scoring())
    blind = info.blind if info else False
    view = adapters.item_views([a.item_ref], blind=blind).get(a.item_ref)
    criteria = info.criteria if info else scoring_rules.default_criteria(_scoring())
    action = request.POST.get("action", "")
    withdraw_form = WithdrawForm(request.POST if action == "withdraw" else None)
    sheet_form = SheetForm(request.POST if action == "score" else None, criteria=criteria)
    own = a.expert.user_id == request.user.pk
    if request.method == "POST":
        if not own:
            raise Http404
        try:
            if action == "declare":
                services.assignment_declare(actor=request.user, assignment=a)  # type: ignore[arg-type]
                return redirect("review:assignment", assignment_id=a.pk)
            if action == "withdraw" and withdraw_form.is_valid():
                services.assignment_withdraw(
                    actor=request.user,  # type: ignore[arg-type]
                    assignment=a,
                    reason=withdraw_form.cleaned_data["reason"],
                    note=withdraw_form.cleaned_data["note"],
                )
                return redirect("review:index")
            if action == "score" and sheet_form.is_valid():
                scores = sheet_form.scores()
                if sheet_form.is_valid():
                    services.sheet_submit(
                        actor=request.user,  # type: ignore[arg-type]
                        assignment=a,
                        scores=scores,
                        comments=sheet_form.comments(),
                        recommendation=sheet_form.cleaned_data["recommendation"],
                        overall_comment=sheet_form.cleaned_data["overall_comment"],
                    )
                    return redirect("review:assignment", assignment_id=a.pk)
        except services.SheetRejected as exc:
            for field, zh, en in exc.problems:
                name = field if field in sheet_form.fields else f"score_{field}"
                sheet_form.add_error(
                    name if name in sheet_form.fields else None,
                    en if _lang().startswith("en") else zh,
                )
        except DomainError as exc:
            target = sheet_form if action == "score" else withdraw_form
            add_domain_error(target, exc, _lang())
    a.refresh_from_db()
    return render(
        request,
        "review/assignment.html",
        {
            "a": a,
            "item": view,
            "blind": blind,
            "own": own,
            "declaration": services.DECLARATION_ZH,
            "withdraw_form": withdraw_form,
            "form": sheet_form,
            "criteria": criteria,
            "sheet": getattr(a, "sheet", None) if a.status == AssignmentStatus.SUBMITTED else None,
            "errors": withdraw_form.errors or sheet_form.errors,
        },
    )


# --- results ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ranking(request: HttpRequest, call_id: int) -> HttpResponse:
    _staff_only(request)
    info = adapters.call_info(str(call_id), _scoring())
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
            message = exc.message(_lang())
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
            "rule": scoring_rules.TIE_RULE_EN if _lang().startswith("en") else scoring_rules.TIE_RULE_ZH,
            "message": message,
        },
    )
