"""Staff pages for stages 6-8: expert scores, ranking and adjustments, publishing the
notice, settling objections, closing the notice and approving. Programme officers only:
everyone else gets 404 (scores and rankings are never shown to applicants)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rainforest.core.errors import DomainError
from rainforest.programs import selectors_decision as sel
from rainforest.programs.models import Call, PublicNotice
from rainforest.programs.presenters import expert_score_text
from rainforest.programs.services import contract as contract_services
from rainforest.programs.services import decision as decision_services
from rainforest.programs.services import notice as notice_services
from rainforest.programs.services import ranking as ranking_services
from rainforest.programs.views.common import anchor, message, require_officer


def _call_page(
    request: HttpRequest,
    call: Call,
    *,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    ranking = sel.current_ranking(call)
    notice = call.notices.order_by("-published_at").first()
    return render(
        request,
        "programs/decision/call.html",
        {
            "call": call,
            "applications": list(sel.call_applications(call)),
            "ranking": ranking,
            "lines": list(sel.ranking_lines(ranking)) if ranking else [],
            "notice": notice,
            "errors": errors or [],
            "typed": typed or {},
        },
        status=status,
    )


@login_required
@require_GET
def call_decision(request: HttpRequest, call_id: int) -> HttpResponse:
    return _call_page(request, sel.staff_call(request.user, call_id))


@login_required
@require_POST
def ranking_draw(request: HttpRequest, call_id: int) -> HttpResponse:
    call = sel.staff_call(request.user, call_id)
    mode = request.POST.get("mode") or None
    try:
        ranking_services.ranking_draw(actor=request.user, call=call, mode=mode)
    except DomainError as exc:
        return _call_page(request, call, errors=[("draw", message(exc))], status=exc.http_status)
    messages.success(request, _("已排序并划定资助线"))
    return redirect("programs:decision_call", call_id=call.pk)


@login_required
@require_POST
def ranking_adjust(request: HttpRequest, call_id: int) -> HttpResponse:
    call = sel.staff_call(request.user, call_id)
    typed = {k: request.POST.get(k, "").strip() for k in ("application_id", "action", "reason")}
    try:
        application_id = int(typed["application_id"] or "0")
    except ValueError:
        application_id = 0
    try:
        ranking_services.ranking_adjust(
            actor=request.user,
            call=call,
            adjustments=[
                ranking_services.AdjustmentIn(application_id, typed["action"], typed["reason"])
            ],
        )
    except DomainError as exc:
        field = (exc.field or "").rsplit(".", 1)[-1]
        where = f"adjust-{field}" if field in ("application_id", "action", "reason") else "adjust"
        return _call_page(
            request, call, errors=[(where, message(exc))], typed=typed, status=exc.http_status
        )
    messages.success(request, _("已调整拟立项名单并记录理由"))
    return redirect("programs:decision_call", call_id=call.pk)


@login_required
@require_POST
def notice_publish(request: HttpRequest, call_id: int) -> HttpResponse:
    call = sel.staff_call(request.user, call_id)
    try:
        posted = notice_services.notice_publish(
            actor=request.user,
            call=call,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    except DomainError as exc:
        return _call_page(request, call, errors=[("publish", message(exc))], status=exc.http_status)
    messages.success(request, _("拟立项名单已公示"))
    return redirect("programs:decision_notice", notice_id=posted.pk)


# --- expert scores ---------------------------------------------------------------------


def _scores_page(
    request: HttpRequest,
    application_id: int,
    *,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    application = sel.staff_application(request.user, application_id)
    sheets: dict[str, dict[str, Any]] = {}
    for s in application.expert_scores.all():
        sheet = sheets.setdefault(s.expert_name, {"comment": s.comment, "scores": {}})
        sheet["scores"][s.criterion_id] = expert_score_text(s.score)
    criteria = list(application.call.criteria.all())
    return render(
        request,
        "programs/decision/scores.html",
        {
            "application": application,
            "case": application.case,
            "criteria": criteria,
            "assignments": list(application.expert_assignments.all()),
            "sheets": [
                {
                    "name": name,
                    "comment": sheet["comment"],
                    "scores": [sheet["scores"].get(c.pk, "—") for c in criteria],
                }
                for name, sheet in sorted(sheets.items())
            ],
            "missing": decision_services.missing_experts(application),
            "errors": errors or [],
            "typed": typed or {},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_scores(request: HttpRequest, application_id: int) -> HttpResponse:
    require_officer(request)
    if request.method == "GET":
        return _scores_page(request, application_id)
    application = sel.staff_application(request.user, application_id)
    action = request.POST.get("action", "")
    typed = {k: v.strip() for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    try:
        if action == "assign":
            names = [n.strip() for n in typed.get("experts", "").replace("，", "\n").splitlines()]
            decision_services.expert_assign(
                actor=request.user,
                application=application,
                experts=[decision_services.ExpertIn(n) for n in names if n],
            )
            done = _("已指派评审专家")
        elif action == "score":
            decision_services.expert_scores_record(
                actor=request.user,
                application=application,
                expert_name=typed.get("expert_name", ""),
                scores={
                    c.pk: typed.get(f"score-{c.pk}", "") for c in application.call.criteria.all()
                },
                comment=typed.get("comment", ""),
            )
            done = _("已录入专家评分")
        elif action == "finish":
            decision_services.expert_review_finish(actor=request.user, application=application)
            done = _("专家评审已结束，进入排序")
        else:
            return _scores_page(request, application_id, status=400)
    except DomainError as exc:
        field = exc.field or action
        where = "experts" if field.startswith("experts") else anchor(field)
        where = where.replace("scores-", "score-")
        return _scores_page(
            request,
            application_id,
            errors=[(where, message(exc))],
            typed=typed,
            status=exc.http_status,
        )
    messages.success(request, done)
    return redirect("programs:decision_scores", application_id=application.pk)


# --- the notice (staff) ----------------------------------------------------------------


def _notice_page(
    request: HttpRequest,
    notice: PublicNotice,
    *,
    errors: list[tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "programs/decision/notice.html",
        {
            "notice": notice,
            "listed": list(sel.notice_listed(notice)),
            "objections": list(sel.notice_objections(notice)),
            "approvable": list(sel.awaiting_approval(notice.call)),
            "errors": errors or [],
            "typed": typed or {},
        },
        status=status,
    )


def _staff_notice(request: HttpRequest, notice_id: int) -> PublicNotice:
    require_officer(request)
    return sel.public_notice(notice_id)


@login_required
@require_GET
def notice_manage(request: HttpRequest, notice_id: int) -> HttpResponse:
    return _notice_page(request, _staff_notice(request, notice_id))


@login_required
@require_POST
def notice_close(request: HttpRequest, notice_id: int) -> HttpResponse:
    posted = _staff_notice(request, notice_id)
    try:
        notice_services.notice_close(actor=request.user, notice=posted)
    except DomainError as exc:
        return _notice_page(
            request, posted, errors=[("close", message(exc))], status=exc.http_status
        )
    messages.success(request, _("公示已结束，名单中的项目进入立项"))
    return redirect("programs:decision_notice", notice_id=posted.pk)


@login_required
@require_POST
def objection_settle(request: HttpRequest, objection_id: int) -> HttpResponse:
    objection = sel.staff_objection(request.user, objection_id)
    reason = request.POST.get("reason", "").strip()
    outcome = request.POST.get("outcome", "")
    try:
        if outcome not in ("upheld", "dismissed"):
            from rainforest.core.errors import ValidationError

            raise ValidationError(
                "请选择异议是否成立", "Choose whether the objection is upheld", field="outcome"
            )
        notice_services.objection_settle(
            actor=request.user, objection=objection, upheld=outcome == "upheld", reason=reason
        )
    except DomainError as exc:
        return _notice_page(
            request,
            objection.notice,
            errors=[(f"{exc.field or 'reason'}-{objection.pk}", message(exc))],
            typed={"objection": str(objection.pk), "reason": reason},
            status=exc.http_status,
        )
    messages.success(request, _("异议处理结果已公布"))
    return redirect("programs:decision_notice", notice_id=objection.notice_id)


@login_required
@require_POST
def application_approve(request: HttpRequest, application_id: int) -> HttpResponse:
    application = sel.staff_application(request.user, application_id)
    posted = notice_services.notice_of(application)
    try:
        project = contract_services.project_approve(actor=request.user, application=application)
    except DomainError as exc:
        if posted is None:
            raise
        return _notice_page(
            request,
            posted,
            errors=[(f"approve-{application.pk}", message(exc))],
            status=exc.http_status,
        )
    messages.success(request, _("已立项：%(number)s") % {"number": project.number})
    return redirect("programs:contract_detail", project_id=project.pk)
