"""Enforcement collaboration over the API: the public approval-level calculator and the
requests, which only police legal officers can reach (everyone else gets 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.core.policy import Decision
from rainforest.enforcement import domain, services
from rainforest.enforcement.models import EnforcementRequest
from rainforest.enforcement.process import OUTCOME_OF_STAGE
from rainforest.enforcement.selectors import (
    access_request,
    monthly_report,
    require_police,
    visible_requests,
)

router = Router(tags=["enforcement"])

# A string or an integer of yuan, read by parse_yuan so a float is refused with its reason
# against the field (see finance/api.py for why this is not a pydantic union).
AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _whole(value: Any) -> Any:
    # JSON 12.0 or "12" is not a count someone typed as a count: only integers.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


CountIn = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=10**9)]


class ApprovalLevelIn(Schema):
    persons: CountIn
    property_value: AmountIn = Field(
        ..., description='元：数字或数字字符串，如 "10,000,000" 或 "1000万"'
    )
    bank_accounts: CountIn


class ApprovalLevelOut(Schema):
    level: Literal["routine", "bureau_department", "bureau"]
    triggered_by: list[str]
    reasons: list[str]
    citations: list[str]
    parameters_version: str


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def _decision_out(request: HttpRequest, decision: Decision) -> dict[str, Any]:
    return {
        "level": decision.outcome,
        "triggered_by": domain.triggered_by(decision),
        "reasons": decision.reasons_in(_language(request)),
        "citations": [c.text() for c in decision.citations],
        "parameters_version": f"{decision.parameters_name} {decision.parameters_version}",
    }


@router.post(
    "/approval-level",
    auth=None,
    response=ApprovalLevelOut,
    summary="协作审批层级 / approval level of a collaboration request",
)
def approval_level(request: HttpRequest, payload: ApprovalLevelIn) -> dict[str, Any]:
    measures = domain.Measures(
        persons=payload.persons,
        property_value=parse_yuan(payload.property_value, field="property_value"),
        bank_accounts=payload.bank_accounts,
    )
    decision = domain.approval_level(measures, domain.parameters_on(timezone.localdate()))
    return _decision_out(request, decision)


# --- requests (police legal officers only) ------------------------------------------------


class PersonSchema(Schema):
    name: str = Field(..., max_length=200)
    id_number: str = Field(..., max_length=40)
    measure: Literal["summon", "compel", "detain", "arrest", "question"]


class RequestIn(Schema):
    agency_name: str = Field(..., max_length=400, description="协作请求机关（外地公安机关）")
    agency_region: str = Field(..., max_length=200, description="请求机关所在地区")
    agency_letter_no: str = Field("", max_length=200, description="协作函文号")
    enterprise_name: str = Field(..., max_length=400)
    enterprise_uscc: str = Field(..., max_length=40)
    persons: list[PersonSchema] = Field(default_factory=list, max_length=500)
    persons_count: CountIn
    property_value: AmountIn = Field(..., description="元")
    bank_accounts: CountIn
    measures_note: str = Field("", max_length=4000)


class ControlsIn(Schema):
    two_way_notice: StrictBool | None = None
    instruction_sheet_no: str | None = Field(None, max_length=200)
    accompanying_officers: str | None = Field(None, max_length=400)
    body_camera_ref: str | None = Field(None, max_length=200)
    case_centre: StrictBool | None = None


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class ApproveIn(Schema):
    reference: str = Field("", max_length=200, description="审批文号")


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ReportIn(Schema):
    report: str = Field(..., max_length=4000)


class MonthlyFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=200)


class ControlOut(Schema):
    code: str
    name: str
    done: bool
    required: bool


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    purpose: str


class RequestOut(Schema):
    id: int
    case_id: int
    case_number: str
    stage: str
    outcome: str
    received_at: datetime
    agency_name: str
    agency_region: str
    enterprise_name: str
    enterprise_uscc: str
    persons_count: int
    property_value: str
    bank_accounts: int
    level: str


class RequestDetail(RequestOut):
    agency_letter_no: str
    measures_note: str
    persons: list[PersonSchema]
    approval: ApprovalLevelOut
    controls: list[ControlOut]
    missing_controls: list[str]
    approval_reference: str
    irregularity: str
    info_report: str
    documents: list[DocumentOut]


class MonthOut(Schema):
    month: str
    total: int
    by_level: dict[str, dict[str, int]]


def _out(r: EnforcementRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "case_id": r.case_id,
        "case_number": r.case.number,
        "stage": r.case.stage,
        "outcome": OUTCOME_OF_STAGE.get(r.case.stage, "pending"),
        "received_at": r.received_at,
        "agency_name": r.agency_name,
        "agency_region": r.agency_region,
        "enterprise_name": r.enterprise_name,
        "enterprise_uscc": r.enterprise_uscc,
        "persons_count": r.persons_count,
        "property_value": format_yuan_plain(r.property_value),
        "bank_accounts": r.bank_accounts,
        "level": r.level,
    }


def _detail(request: HttpRequest, r: EnforcementRequest) -> dict[str, Any]:
    en = _language(request).startswith("en")
    done = r.controls_done()
    return {
        **_out(r),
        "agency_letter_no": r.agency_letter_no,
        "measures_note": r.measures_note,
        "persons": [
            {"name": p.name, "id_number": p.id_number, "measure": p.measure}
            for p in r.persons.all()
        ],
        "approval": _decision_out(request, Decision.from_dict(r.level_decision)),
        "controls": [
            {
                "code": code,
                "name": domain.CONTROL_NAMES[code][1 if en else 0],
                "done": done[code],
                "required": not (code == "case_centre" and r.persons_count == 0),
            }
            for code in domain.CONTROL_ITEMS
        ],
        "missing_controls": r.missing_controls(),
        "approval_reference": r.approval_reference,
        "irregularity": r.irregularity,
        "info_report": r.info_report,
        "documents": [
            {
                "id": a.id,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "purpose": a.purpose,
            }
            for a in r.case.attachments.all()
        ],
    }


def _reloaded(request: HttpRequest, request_id: int) -> dict[str, Any]:
    # After a change: reread without writing another view record.
    return _detail(request, access_request(request.user, request_id))


@router.get(
    "/requests", auth=AUTH, response=list[RequestOut], summary="协作申请列表 / list requests"
)
def list_requests(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    require_police(request.user)
    return [_out(r) for r in visible_requests(request.user)[: filters.limit]]


@router.post(
    "/requests",
    auth=AUTH,
    response={201: RequestDetail},
    summary="登记协作申请 / record a request received",
)
def file_request(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    require_police(request.user)
    created = services.request_file(
        actor=request.user,
        agency_name=payload.agency_name,
        agency_region=payload.agency_region,
        agency_letter_no=payload.agency_letter_no,
        enterprise_name=payload.enterprise_name,
        enterprise_uscc=payload.enterprise_uscc,
        persons=[services.PersonIn(p.name, p.id_number, p.measure) for p in payload.persons],
        persons_count=payload.persons_count,
        property_value=parse_yuan(payload.property_value, field="property_value"),
        bank_accounts=payload.bank_accounts,
        measures_note=payload.measures_note,
    )
    return Status(201, _reloaded(request, created.pk))


@router.get(
    "/requests/{request_id}",
    auth=AUTH,
    response=RequestDetail,
    summary="协作申请详情（查阅留痕）/ one request (the view is audited)",
)
def get_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    found = access_request(request.user, request_id)
    services.record_view(actor=request.user, case=found.case, via="api")
    return _detail(request, found)


@router.post(
    "/requests/{request_id}/documents",
    auth=AUTH,
    response={201: DocumentOut},
    summary="上传法律文书 / add a legal document",
)
def add_document(
    request: HttpRequest,
    request_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008 -- ninja's way to declare a file part
    purpose: str = Form("法律文书", max_length=40),
) -> Status[dict[str, Any]]:
    found = access_request(request.user, request_id)
    if file is None:
        # Checked here rather than by ninja, which names a missing file "file.file".
        raise ValidationError(
            "请选择要上传的文件", "Choose a file to upload", field="file", code="invalid"
        )
    a = services.document_add(
        request=found, actor=request.user, uploaded_file=file, purpose=purpose
    )
    return Status(
        201,
        {
            "id": a.id,
            "name": a.original_name,
            "content_type": a.content_type,
            "size": a.size,
            "purpose": a.purpose,
        },
    )


@router.post(
    "/requests/{request_id}/controls",
    auth=AUTH,
    response=RequestDetail,
    summary="记录执法管控措施 / record process controls",
)
def update_controls(request: HttpRequest, request_id: int, payload: ControlsIn) -> dict[str, Any]:
    found = access_request(request.user, request_id)
    services.controls_update(
        request=found, actor=request.user, changes=payload.dict(exclude_none=True)
    )
    return _reloaded(request, request_id)


@router.post(
    "/requests/{request_id}/route",
    auth=AUTH,
    response=RequestDetail,
    summary="按审批层级流转 / route by approval level",
)
def route_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    services.request_route(request=access_request(request.user, request_id), actor=request.user)
    return _reloaded(request, request_id)


@router.post(
    "/requests/{request_id}/approve", auth=AUTH, response=RequestDetail, summary="批准 / approve"
)
def approve_request(request: HttpRequest, request_id: int, payload: ApproveIn) -> dict[str, Any]:
    services.request_approve(
        request=access_request(request.user, request_id),
        actor=request.user,
        reference=payload.reference,
    )
    return _reloaded(request, request_id)


@router.post(
    "/requests/{request_id}/refuse",
    auth=AUTH,
    response=RequestDetail,
    summary="不予协作 / refuse",
)
def refuse_request(request: HttpRequest, request_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.request_refuse(
        request=access_request(request.user, request_id),
        actor=request.user,
        reason=payload.reason,
    )
    return _reloaded(request, request_id)


@router.post(
    "/requests/{request_id}/execute",
    auth=AUTH,
    response=RequestDetail,
    summary="记录执行（管控措施须已全部落实）/ record execution",
)
def execute_request(request: HttpRequest, request_id: int, payload: NoteIn) -> dict[str, Any]:
    services.request_execute(
        request=access_request(request.user, request_id), actor=request.user, note=payload.note
    )
    return _reloaded(request, request_id)


@router.post(
    "/requests/{request_id}/stop",
    auth=AUTH,
    response=RequestDetail,
    summary="异常处理：中止并报请上级 / stop as irregular and escalate",
)
def stop_request(request: HttpRequest, request_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.request_stop(
        request=access_request(request.user, request_id),
        actor=request.user,
        reason=payload.reason,
    )
    return _reloaded(request, request_id)


@router.post(
    "/requests/{request_id}/report",
    auth=AUTH,
    response=RequestDetail,
    summary="信息报告 / information report",
)
def report_request(request: HttpRequest, request_id: int, payload: ReportIn) -> dict[str, Any]:
    services.request_report(
        request=access_request(request.user, request_id),
        actor=request.user,
        report=payload.report,
    )
    return _reloaded(request, request_id)


@router.get(
    "/reports/monthly",
    auth=AUTH,
    response=list[MonthOut],
    summary="月度报告：按层级和结果 / monthly report by level and outcome",
)
def monthly(request: HttpRequest, filters: Query[MonthlyFilters]) -> list[dict[str, Any]]:
    require_police(request.user)
    return monthly_report(request.user, year=filters.year)
