"""Enforcement collaboration: the only writers. Each runs in one transaction.

Every function takes the acting user and refuses anyone who is not a police legal
officer with ``NotFoundError``: to everybody else the module holds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.attachments import attachment_add
from rainforest.cases.models import Attachment, Case
from rainforest.cases.services import case_open, case_transition, notify
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.core.ids import validate_resident_id, validate_uscc
from rainforest.enforcement import domain
from rainforest.enforcement.models import EnforcementPerson, EnforcementRequest, PersonMeasure
from rainforest.enforcement.permissions import is_police_legal
from rainforest.enforcement.process import PROCESS_CODE, ROUTE_ACTIONS

MAX_PERSONS = 500


def _not_found() -> NotFoundError:
    return NotFoundError("找不到该页面或记录", "Not found", code="not_found")


def _require_police(actor: Any) -> None:
    if not is_police_legal(actor):
        raise _not_found()


def _text(value: str | None, *, field: str, label: tuple[str, str], limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(
            f"请填写{label[0]}", f"Enter the {label[1]}", field=field, code="required"
        )
    if len(text) > limit:
        raise ValidationError(
            f"{label[0]}不能超过 {limit} 个字",
            f"The {label[1]} must be at most {limit} characters",
            field=field,
            code="too_long",
        )
    return text


def _optional(value: str | None, *, field: str, label: tuple[str, str], limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError(
            f"{label[0]}不能超过 {limit} 个字",
            f"The {label[1]} must be at most {limit} characters",
            field=field,
            code="too_long",
        )
    return text


@dataclass(frozen=True)
class PersonIn:
    name: str
    id_number: str
    measure: str


def clean_persons(persons: Sequence[PersonIn], *, today: Any = None) -> list[PersonIn]:
    """Each person's name, resident ID number (checked) and measure; no ID number twice."""
    if len(persons) > MAX_PERSONS:
        raise ValidationError(
            f"涉案人员最多填写 {MAX_PERSONS} 人",
            f"At most {MAX_PERSONS} persons can be listed",
            field="persons",
            code="too_many",
        )
    seen: set[str] = set()
    out: list[PersonIn] = []
    measures = {m.value for m in PersonMeasure}
    for index, p in enumerate(persons):
        where = f"persons.{index}"
        name = _text(p.name, field=f"{where}.name", label=("姓名", "name"), limit=100)
        number = validate_resident_id(p.id_number, field=f"{where}.id_number", today=today)
        if p.measure not in measures:
            raise ValidationError(
                "拟采取措施应为传唤、拘传、拘留、逮捕或讯问之一",
                "The measure must be one of summon, compel, detain, arrest, question",
                field=f"{where}.measure",
                code="measure_invalid",
            )
        if number in seen:
            raise ValidationError(
                f"身份证号码 {number} 重复填写",
                f"The ID number {number} is listed twice",
                field=f"{where}.id_number",
                code="person_duplicate",
            )
        seen.add(number)
        out.append(PersonIn(name, number, p.measure))
    return out


def _police_org(actor: User) -> Organisation:
    membership = (
        actor.memberships.select_related("organisation")
        .filter(role=Role.POLICE_LEGAL_OFFICER)
        .order_by("id")
        .first()
    )
    if membership is None:
        raise _not_found()
    return membership.organisation


_TITLE_SUFFIX = " 办案协作申请"


def _title(agency: str, enterprise: str) -> str:
    limit = Case._meta.get_field("title").max_length or 200
    text = f"{agency}（涉及{enterprise}）"
    room = limit - len(_TITLE_SUFFIX)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text}{_TITLE_SUFFIX}"


def request_file(
    *,
    actor: User,
    agency_name: str,
    agency_region: str,
    enterprise_name: str,
    enterprise_uscc: str,
    persons_count: int,
    property_value: Decimal,
    bank_accounts: int,
    persons: Sequence[PersonIn] = (),
    agency_letter_no: str = "",
    measures_note: str = "",
    documents: Iterable[UploadedFile] = (),
    now: datetime | None = None,
) -> EnforcementRequest:
    """Record a request received; its approval level is decided and stored with it."""
    _require_police(actor)
    now = now or timezone.now()
    data = {
        "agency_name": _text(
            agency_name, field="agency_name", label=("协作请求机关", "requesting agency"), limit=200
        ),
        "agency_region": _text(
            agency_region, field="agency_region", label=("请求机关所在地区", "region"), limit=100
        ),
        "agency_letter_no": _optional(
            agency_letter_no,
            field="agency_letter_no",
            label=("协作函文号", "letter number"),
            limit=100,
        ),
        "enterprise_name": _text(
            enterprise_name,
            field="enterprise_name",
            label=("涉及企业名称", "enterprise's name"),
            limit=200,
        ),
        "enterprise_uscc": validate_uscc(enterprise_uscc, field="enterprise_uscc"),
        "measures_note": _optional(
            measures_note, field="measures_note", label=("协作事项说明", "note"), limit=2000
        ),
    }
    measures = domain.Measures(persons_count, property_value, bank_accounts)
    people = clean_persons(persons, today=timezone.localdate(now))
    decision = domain.approval_level(measures, domain.parameters_on(timezone.localdate(now)))
    org = _police_org(actor)
    with transaction.atomic():
        case = case_open(
            process_code=PROCESS_CODE,
            actor=actor,
            owner_org=org,
            title=_title(data["agency_name"], data["enterprise_name"]),
            now=now,
            data={
                "agency": data["agency_name"],
                "region": data["agency_region"],
                "enterprise_uscc": data["enterprise_uscc"],
                "persons": measures.persons,
                "property_value": str(measures.property_value),
                "bank_accounts": measures.bank_accounts,
                "level": decision.outcome,
            },
        )
        Case.objects.filter(pk=case.pk).update(decision=decision.to_dict())
        case.decision = decision.to_dict()
        request = EnforcementRequest.objects.create(
            case=case,
            persons_count=measures.persons,
            property_value=measures.property_value,
            bank_accounts=measures.bank_accounts,
            level=decision.outcome,
            level_decision=decision.to_dict(),
            received_at=now,
            **data,
        )
        EnforcementPerson.objects.bulk_create(
            EnforcementPerson(
                request=request, name=p.name, id_number=p.id_number, measure=p.measure
            )
            for p in people
        )
        for upload in documents:
            attachment_add(case=case, actor=actor, uploaded_file=upload, purpose="法律文书")
    return request


def _locked(request: EnforcementRequest) -> EnforcementRequest:
    return EnforcementRequest.objects.select_for_update().select_related("case").get(pk=request.pk)


def document_add(
    *, request: EnforcementRequest, actor: User, uploaded_file: UploadedFile, purpose: str = ""
) -> Attachment:
    """A legal document (法律文书) of the request, kept as a case attachment."""
    _require_police(actor)
    return attachment_add(
        case=request.case,
        actor=actor,
        uploaded_file=uploaded_file,
        purpose=(purpose or "法律文书").strip(),
    )


CONTROL_FIELDS = (
    "two_way_notice",
    "instruction_sheet_no",
    "accompanying_officers",
    "body_camera_ref",
    "case_centre",
)
_CONTROL_LABELS = {
    "instruction_sheet_no": (("指令单编号", "instruction sheet number"), 60),
    "accompanying_officers": (("协作民警", "accompanying officers"), 200),
    "body_camera_ref": (("执法记录仪记录编号", "body-camera record reference"), 100),
}


def controls_update(
    *,
    request: EnforcementRequest,
    actor: User,
    changes: dict[str, Any],
    now: datetime | None = None,
) -> EnforcementRequest:
    """Record the process controls put in place (any subset of them) before execution."""
    _require_police(actor)
    unknown = sorted(set(changes) - set(CONTROL_FIELDS))
    if unknown:
        raise ValidationError(
            "不是执法管控措施的字段", "Not a process-control field", field=unknown[0]
        )
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("two_way_notice", "case_centre"):
            if not isinstance(value, bool):
                raise ValidationError(
                    "应为是或否", "Must be true or false", field=key, code="invalid"
                )
            clean[key] = value
        else:
            label, limit = _CONTROL_LABELS[key]
            if not isinstance(value, str):
                raise ValidationError("应为文字", "Must be text", field=key, code="invalid")
            clean[key] = _optional(value, field=key, label=label, limit=limit)
    with transaction.atomic():
        locked = _locked(request)
        if locked.case.stage not in (
            "review",
            "department_approval",
            "bureau_approval",
            "approved",
        ):
            raise ConflictError(
                "该申请已执行或已办结，执法管控措施不能再修改",
                "The request has been executed or closed; its controls can no longer change",
                code="case_closed",
            )
        changed = {k: v for k, v in clean.items() if getattr(locked, k) != v}
        for key, value in changed.items():
            setattr(locked, key, value)
        if changed:
            locked.save(update_fields=list(changed))
            audit_append(
                actor=actor,
                action="enforcement.controls_updated",
                subject_type="case",
                subject_id=locked.case.number,
                data={"changed": changed, "missing": locked.missing_controls()},
            )
    return locked


def request_route(
    *, request: EnforcementRequest, actor: User, now: datetime | None = None
) -> EnforcementRequest:
    """Send the request on by its stored approval level: routine goes straight to approved."""
    _require_police(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        action = ROUTE_ACTIONS[locked.level]
        case_transition(
            case=locked.case,
            action=action,
            actor=actor,
            now=now,
            data={"level": locked.level},
            decision=locked.level_decision,
        )
        if locked.level == domain.ROUTINE:
            locked.approved_at = now
            locked.save(update_fields=["approved_at"])
    return locked


def request_approve(
    *, request: EnforcementRequest, actor: User, reference: str = "", now: datetime | None = None
) -> EnforcementRequest:
    """The department or the bureau approved; its reference number is kept (审批文号)."""
    _require_police(actor)
    now = now or timezone.now()
    ref = _optional(reference, field="reference", label=("审批文号", "reference"), limit=100)
    with transaction.atomic():
        locked = _locked(request)
        case_transition(
            case=locked.case, action="approve", actor=actor, now=now, data={"reference": ref}
        )
        locked.approval_reference = ref
        locked.approved_at = now
        locked.save(update_fields=["approval_reference", "approved_at"])
    return locked


def request_refuse(
    *, request: EnforcementRequest, actor: User, reason: str, now: datetime | None = None
) -> EnforcementRequest:
    _require_police(actor)
    with transaction.atomic():
        locked = _locked(request)
        case_transition(case=locked.case, action="refuse", actor=actor, reason=reason, now=now)
    return locked


def request_execute(
    *, request: EnforcementRequest, actor: User, note: str = "", now: datetime | None = None
) -> EnforcementRequest:
    """Record the execution; refused, naming what is missing, until every control is in place."""
    _require_police(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        missing = locked.missing_controls() if locked.case.stage == "approved" else []
        if missing:
            zh, en = domain.controls_text(missing)
            raise ConflictError(
                f"执法管控措施尚未落实：{zh}。全部落实后才能记录执行。",
                f"These process controls are not yet in place: {en}. "
                "Record them all before recording the execution.",
                field="controls",
                code="controls_incomplete",
            )
        case_transition(
            case=locked.case,
            action="execute",
            actor=actor,
            reason=note,
            now=now,
            data={"controls": locked.controls_done()},
        )
        locked.executed_at = now
        locked.save(update_fields=["executed_at"])
    return locked


def _escalation_recipients(actor: User) -> list[User]:
    return list(
        User.objects.filter(memberships__role=Role.POLICE_LEGAL_OFFICER, is_active=True)
        .exclude(pk=actor.pk)
        .distinct()
        .order_by("id")
    )


def request_stop(
    *, request: EnforcementRequest, actor: User, reason: str, now: datetime | None = None
) -> EnforcementRequest:
    """异常处理: an irregular operation is stopped and reported up for coordination."""
    _require_police(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(request)
        case_transition(
            case=locked.case,
            action="stop",
            actor=actor,
            reason=reason,
            now=now,
            data={"escalated": True},
        )
        locked.irregularity = reason.strip()
        locked.stopped_at = now
        locked.save(update_fields=["irregularity", "stopped_at"])
        number = locked.case.number
        for user in _escalation_recipients(actor):
            notify(
                user=user,
                case=locked.case,
                kind="escalation",
                title=f"{number} 异常处理：已中止并报请上级协调",
                body=f"办案协作申请 {number}（{locked.agency_name}）发现违规情形，已依法制止："
                f"{locked.irregularity}",
                title_en=f"{number} stopped and referred to a superior for coordination",
                body_en=f"Enforcement request {number} ({locked.agency_name}) found an "
                f"irregularity and was stopped: {locked.irregularity}",
            )
    return locked


def request_report(
    *, request: EnforcementRequest, actor: User, report: str, now: datetime | None = None
) -> EnforcementRequest:
    """信息报告: the report on what was done; the case is closed with it."""
    _require_police(actor)
    now = now or timezone.now()
    if not (report or "").strip():
        raise ValidationError(
            "请填写信息报告的内容", "Write the information report", field="report", code="required"
        )
    with transaction.atomic():
        locked = _locked(request)
        case_transition(case=locked.case, action="report", actor=actor, reason=report, now=now)
        locked.info_report = report.strip()
        locked.reported_at = now
        locked.save(update_fields=["info_report", "reported_at"])
    return locked


def record_view(*, actor: User, case: Case, via: str) -> None:
    """Every view of an enforcement case is itself on the record (查阅留痕)."""
    with transaction.atomic():
        audit_append(
            actor=actor,
            action="enforcement.viewed",
            subject_type="case",
            subject_id=case.number,
            data={"via": via},
        )


def enforcement_act(
    *, case: Case, action: str, actor: User, reason: str = "", now: datetime | None = None
) -> Case:
    """The process's action handler: the generic case page and API come through here."""
    _require_police(actor)
    request = EnforcementRequest.objects.get(case=case)
    if action in ROUTE_ACTIONS.values():
        request_route(request=request, actor=actor, now=now)
    elif action == "approve":
        request_approve(request=request, actor=actor, reference=reason, now=now)
    elif action == "refuse":
        request_refuse(request=request, actor=actor, reason=reason, now=now)
    elif action == "execute":
        request_execute(request=request, actor=actor, note=reason, now=now)
    elif action == "stop":
        request_stop(request=request, actor=actor, reason=reason, now=now)
    elif action == "report":
        request_report(request=request, actor=actor, report=reason, now=now)
    else:
        case_transition(case=case, action=action, actor=actor, reason=reason, now=now)
    return Case.objects.get(pk=case.pk)
