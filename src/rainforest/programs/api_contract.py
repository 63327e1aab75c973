"""Stage 9 over the API: approval (立项), the task contract (任务书) and its signatures by
both sides.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from rainforest.api.auth import AUTH
from rainforest.core.errors import ConflictError
from rainforest.core.money import format_yuan_plain
from rainforest.programs import selectors_decision as sel
from rainforest.programs.models import Project
from rainforest.programs.services import contract as contract_services

router = Router(tags=["programs: decision, notice, contract"], auth=AUTH)


class TrancheOut(Schema):
    order: int
    amount: str


class ProjectOut(Schema):
    id: int
    number: str
    title: str
    case_number: str
    lead: str
    approved_amount: str
    approved_at: datetime
    status: str
    tranches: list[TrancheOut]


class SignatureOut(Schema):
    side: str
    person: str
    organisation: str
    signed_at: datetime
    pdf_sha256: str


class ContractOut(Schema):
    number: str
    project_id: int
    generated_at: datetime
    pdf_sha256: str
    signed_at: datetime | None
    signatures: list[SignatureOut]
    pdf_base64: str


class SignIn(Schema):
    side: str = Field(..., max_length=20, description="bureau（甲方）或 undertaker（乙方）")


def _project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "title": p.title,
        "case_number": p.application.case.number if p.application.case else "",
        "lead": p.lead_org.name,
        "approved_amount": format_yuan_plain(p.approved_amount),
        "approved_at": p.approved_at,
        "status": p.status,
        "tranches": [
            {"order": t.order, "amount": format_yuan_plain(t.amount)} for t in p.tranches.all()
        ],
    }


def _contract_out(project: Project) -> dict[str, Any]:
    contract = getattr(project, "contract", None)
    if contract is None:
        raise Http404
    return {
        "number": contract.number,
        "project_id": project.pk,
        "generated_at": contract.generated_at,
        "pdf_sha256": contract.pdf_sha256,
        "signed_at": contract.signed_at,
        "signatures": [
            {
                "side": s.side,
                "person": str(s.person),
                "organisation": s.organisation.name,
                "signed_at": s.signed_at,
                "pdf_sha256": s.pdf_sha256,
            }
            for s in contract.signatures.all()
        ],
        "pdf_base64": base64.b64encode(bytes(contract.pdf or b"")).decode(),
    }


@router.post("/applications/{application_id}/approve", response={201: ProjectOut}, summary="立项")
def approve(request: HttpRequest, application_id: int) -> Any:
    application = sel.staff_application(request.user, application_id)
    project = contract_services.project_approve(actor=request.user, application=application)
    return Status(201, _project_out(sel.access_project(request.user, project.pk)))


@router.post("/projects/{project_id}/contract", response={201: ContractOut}, summary="生成任务书")
def generate_contract(request: HttpRequest, project_id: int) -> Any:
    project = sel.access_project(request.user, project_id)
    contract_services.contract_generate(actor=request.user, project=project)
    return Status(201, _contract_out(sel.access_project(request.user, project_id)))


@router.get("/projects/{project_id}/contract", response=ContractOut, summary="任务书")
def get_contract(request: HttpRequest, project_id: int) -> Any:
    return _contract_out(sel.access_project(request.user, project_id))


@router.post("/projects/{project_id}/contract/sign", response=ContractOut, summary="签署任务书")
def sign_contract(request: HttpRequest, project_id: int, payload: SignIn) -> Any:
    project = sel.access_project(request.user, project_id)
    contract = getattr(project, "contract", None)
    if contract is None:
        raise ConflictError(
            "任务书尚未生成", "The contract is not generated yet", code="no_contract"
        )
    contract_services.contract_sign(actor=request.user, contract=contract, side=payload.side)
    return _contract_out(sel.access_project(request.user, project_id))
