"""Staff pages of the expert pool: the list, one expert, approval, flags, import, conflicts."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from rainforest.core.errors import DomainError
from rainforest.review import services
from rainforest.review.forms import (
    ConflictForm,
    FlagsForm,
    ImportForm,
    RejectForm,
    add_domain_error,
)
from rainforest.review.selectors import (
    access_expert,
    expert_pool,
)
from rainforest.review.views._common import lang, staff_only


@login_required
def pool(request: HttpRequest) -> HttpResponse:
    staff_only(request)
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
    with contextlib.suppress(DomainError):  # already decided: the page shows its status
        services.expert_approve(actor=request.user, expert=expert)  # type: ignore[arg-type]
    return redirect("review:expert", expert_id=expert.pk)


@login_required
@require_http_methods(["GET", "POST"])
def expert_detail(request: HttpRequest, expert_id: int) -> HttpResponse:
    """Staff: one expert with their availability and relations; quality flags; reject."""
    expert = access_expert(request.user, expert_id)
    action = request.POST.get("action", "")
    flags_form = FlagsForm(
        request.POST if action == "flags" else None,
        initial={"flags": expert.quality_flags, "note": expert.quality_note},
    )
    reject_form = RejectForm(request.POST if action == "reject" else None)
    if action == "flags" and flags_form.is_valid():
        try:
            services.expert_flags_set(
                actor=request.user,  # type: ignore[arg-type]
                expert=expert,
                flags=flags_form.cleaned_data["flags"],
                note=flags_form.cleaned_data["note"],
            )
        except DomainError as exc:
            add_domain_error(flags_form, exc, lang())
        else:
            return redirect("review:expert", expert_id=expert.pk)
    if action == "reject" and reject_form.is_valid():
        try:
            services.expert_reject(
                actor=request.user,  # type: ignore[arg-type]
                expert=expert,
                reason=reject_form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_domain_error(reject_form, exc, lang())
        else:
            return redirect("review:expert", expert_id=expert.pk)
    return render(
        request,
        "review/expert.html",
        {
            "expert": expert,
            "windows": expert.unavailable.all(),
            "relations": expert.relations.all(),
            "conflicts": expert.staff_conflicts.all(),
            "flags_form": flags_form,
            "reject_form": reject_form,
            "errors": flags_form.errors or reject_form.errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pool_import(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.read_xlsx(form.cleaned_data["file"].read())
            count = services.expert_import(actor=request.user, rows=rows)  # type: ignore[arg-type]
        except services.ImportRejected as exc:
            row_errors = list(exc.errors)
            form.add_error("file", exc.message(lang()))
        except DomainError as exc:
            add_domain_error(form, exc, lang())
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
            add_domain_error(form, exc, lang())
        else:
            return redirect("review:expert", expert_id=expert.pk)
    return render(request, "review/conflict.html", {"form": form, "expert": expert})
