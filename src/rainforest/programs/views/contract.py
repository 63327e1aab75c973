"""The approved project and its task contract: generate, read, download, sign.

Staff and the lead organisation's people see the page; others get 404. The bureau
officer signs for 甲方, an applicant of the lead organisation for 乙方.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rainforest.core.errors import DomainError
from rainforest.programs import selectors_decision as sel
from rainforest.programs.models import Project, SignatureSide
from rainforest.programs.permissions import can_run_programme
from rainforest.programs.services import contract as contract_services
from rainforest.programs.views.common import message


def _page(
    request: HttpRequest,
    project: Project,
    *,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    contract = getattr(project, "contract", None)
    signatures = list(contract.signatures.all()) if contract else []
    signed = {s.side for s in signatures}
    officer = can_run_programme(request.user)
    undertaker = contract_services.can_sign_for_undertaker(request.user, project)
    sides = []
    if contract is not None and contract.pdf:
        if officer and SignatureSide.BUREAU not in signed:
            sides.append((SignatureSide.BUREAU.value, _("以甲方（科技主管部门）身份签署")))
        if undertaker and SignatureSide.UNDERTAKER not in signed:
            sides.append((SignatureSide.UNDERTAKER.value, _("以乙方（项目承担单位）身份签署")))
    return render(
        request,
        "programs/decision/project.html",
        {
            "project": project,
            "contract": contract,
            "signatures": signatures,
            "tranches": list(project.tranches.all()),
            "officer": officer,
            "sides": sides,
            "can_generate": officer and not signatures,
            "errors": errors or [],
        },
        status=status,
    )


@login_required
@require_GET
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    return _page(request, sel.access_project(request.user, project_id))


@login_required
@require_POST
def contract_generate(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    if not can_run_programme(request.user):
        raise Http404
    try:
        contract_services.contract_generate(actor=request.user, project=project)
    except DomainError as exc:
        return _page(request, project, errors=[("generate", message(exc))], status=exc.http_status)
    messages.success(request, _("任务书已生成，请双方签署"))
    return redirect("programs:contract_detail", project_id=project.pk)


@login_required
@require_POST
def contract_sign(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    contract = getattr(project, "contract", None)
    if contract is None:
        raise Http404
    try:
        contract_services.contract_sign(
            actor=request.user, contract=contract, side=request.POST.get("side", "")
        )
    except DomainError as exc:
        return _page(request, project, errors=[("sign", message(exc))], status=exc.http_status)
    messages.success(request, _("已签署任务书"))
    return redirect("programs:contract_detail", project_id=project.pk)


@login_required
@require_GET
def contract_pdf(request: HttpRequest, project_id: int) -> HttpResponse:
    project = sel.access_project(request.user, project_id)
    contract = getattr(project, "contract", None)
    if contract is None or not contract.pdf:
        raise Http404
    response = HttpResponse(bytes(contract.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{contract.number}.pdf"'
    return response
