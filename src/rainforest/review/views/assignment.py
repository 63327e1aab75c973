"""An expert's assignment: declare no conflict (or withdraw), then score."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from rainforest.core.errors import DomainError
from rainforest.review import adapters, services
from rainforest.review import domain_scoring as scoring_rules
from rainforest.review.forms import (
    SheetForm,
    WithdrawForm,
    add_domain_error,
)
from rainforest.review.models import AssignmentStatus
from rainforest.review.selectors import (
    access_assignment,
)
from rainforest.review.views._common import lang, scoring


@login_required
@require_http_methods(["GET", "POST"])
def assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Declare no conflict (or withdraw), then score; staff may look but not act."""
    a = access_assignment(request.user, assignment_id)
    info = adapters.call_info(a.draw.call_ref, scoring())
    blind = services.settings_for(a.draw.call_ref).blind
    view = adapters.item_views([a.item_ref], blind=blind).get(a.item_ref)
    criteria = info.criteria if info else scoring_rules.default_criteria(scoring())
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
                    en if lang().startswith("en") else zh,
                )
        except DomainError as exc:
            target = sheet_form if action == "score" else withdraw_form
            add_domain_error(target, exc, lang())
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
