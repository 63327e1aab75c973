"""The expert pool over the API: staff list, read, import, approve, reject and flag experts;
a person registers as an expert; an expert keeps their own profile, declared relations and
periods of unavailability. An expert never reaches another expert's record (404).

ID numbers are shown with the birth date hidden.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator, StrictInt, StrictStr, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.api.auth import AUTH
from rainforest.core.errors import ValidationError
from rainforest.language import english
from rainforest.review import services
from rainforest.review.api_common import ErrorOut, staff
from rainforest.review.domain import mask_person_id
from rainforest.review.models import Availability, DeclaredRelation, Expert
from rainforest.review.selectors import access_expert, expert_pool, my_expert

router = Router(tags=["review: expert pool"], auth=AUTH)

LIST_MAX = 500
IMPORT_MAX_BYTES = 5 * 1024 * 1024


class WindowOut(Schema):
    id: int
    starts_on: date
    ends_on: date
    note: str


class RelationOut(Schema):
    id: int
    kind: str
    person_id_number: str  # masked
    uscc: str
    last_year: int | None
    note: str


class ExpertOut(Schema):
    id: int
    name: str
    id_number: str = Field(..., description="身份证号码（隐去出生日期）")
    employer_name: str
    employer_uscc: str
    title: str
    fields: list[str]
    keywords: list[str]
    email: str
    status: str
    status_note: str = Field(..., description="未通过的原因")
    quality_flags: list[str]
    quality_note: str


class ExpertDetailOut(ExpertOut):
    unavailable: list[WindowOut]
    relations: list[RelationOut]


def _window_out(w: Availability) -> WindowOut:
    return WindowOut(id=w.pk, starts_on=w.starts_on, ends_on=w.ends_on, note=w.note)


def _relation_out(r: DeclaredRelation) -> RelationOut:
    return RelationOut(
        id=r.pk,
        kind=r.kind,
        person_id_number=mask_person_id(r.person_id_number) if r.person_id_number else "",
        uscc=r.uscc,
        last_year=r.last_year,
        note=r.note,
    )


def _expert_out(e: Expert) -> dict[str, Any]:
    return {
        "id": e.pk,
        "name": e.name,
        "id_number": mask_person_id(e.id_number),
        "employer_name": e.employer_name,
        "employer_uscc": e.employer_uscc,
        "title": e.title,
        "fields": list(e.fields),
        "keywords": list(e.keywords),
        "email": e.email,
        "status": e.status,
        "status_note": e.status_note,
        "quality_flags": list(e.quality_flags),
        "quality_note": e.quality_note,
    }


def _detail_out(e: Expert) -> ExpertDetailOut:
    return ExpertDetailOut(
        **_expert_out(e),
        unavailable=[_window_out(w) for w in e.unavailable.all()],
        relations=[_relation_out(r) for r in e.relations.all()],
    )


# --- staff ------------------------------------------------------------------------------
# (the import is declared before /experts/{expert_id}, so its path wins)


class PoolFilter(Schema):
    status: Literal["pending", "active", "suspended", "rejected"] | None = None


@router.get("/experts", response=list[ExpertOut])
def expert_list(request: HttpRequest, filters: Query[PoolFilter]) -> Any:
    """The pool, pending registrations first (staff; at most 500)."""
    staff(request)
    rows = expert_pool(request.user, status=filters.status or "")[:LIST_MAX]
    return [_expert_out(e) for e in rows]


class ImportOut(Schema):
    imported: int


@router.post("/experts/import", response={201: ImportOut, 422: ErrorOut})
def expert_import(request: HttpRequest, file: File[UploadedFile | None] = None) -> Any:
    """An xlsx with the pool's columns; every wrong row is reported and nothing is imported.

    The 422 envelope names each problem as ``rows.<row number>.<column>``.
    """
    staff(request)
    if file is None:
        # checked here rather than by ninja, which would name the field "file.file"
        raise ValidationError(
            "请选择要上传的 Excel（.xlsx）文件。",
            "Choose the Excel (.xlsx) file to upload.",
            field="file",
            code="required",
        )
    if file.size is not None and file.size > IMPORT_MAX_BYTES:
        raise ValidationError(
            "文件超过 5 MB，请分批导入。",
            "The file is larger than 5 MB; import it in parts.",
            field="file",
            code="file_too_large",
        )
    try:
        rows = services.read_xlsx(file.read())
        count = services.expert_import(actor=request.user, rows=rows)  # type: ignore[arg-type]
    except services.ImportRejected as exc:
        en = english()
        fields: dict[str, str] = {}
        for e in exc.errors:
            key = f"rows.{e.row}.{e.field}" if e.row else e.field or "file"
            fields.setdefault(key, e.message_en if en else e.message_zh)
        return Status(
            422, ErrorOut(code=exc.code, message=exc.message("en" if en else "zh"), fields=fields)
        )
    return Status(201, ImportOut(imported=count))


@router.get("/experts/{expert_id}", response=ExpertDetailOut)
def expert_detail(request: HttpRequest, expert_id: int) -> Any:
    return _detail_out(access_expert(request.user, expert_id))


@router.post("/experts/{expert_id}/approve", response=ExpertOut)
def expert_approve(request: HttpRequest, expert_id: int) -> Any:
    expert = access_expert(request.user, expert_id)
    return _expert_out(services.expert_approve(actor=request.user, expert=expert))  # type: ignore[arg-type]


class RejectIn(Schema):
    reason: StrictStr = Field(..., max_length=500, description="未通过的原因（申请人可见）")


@router.post("/experts/{expert_id}/reject", response=ExpertOut)
def expert_reject(request: HttpRequest, expert_id: int, payload: RejectIn) -> Any:
    expert = access_expert(request.user, expert_id)
    return _expert_out(
        services.expert_reject(
            actor=request.user,  # type: ignore[arg-type]
            expert=expert,
            reason=payload.reason,
        )
    )


class FlagsIn(Schema):
    flags: list[Literal["late", "low_quality", "misconduct", "complaint"]] = Field(
        ..., max_length=4, description="质量标记；空列表即取消全部"
    )
    note: StrictStr = Field(..., max_length=500, description="原因")


@router.put("/experts/{expert_id}/quality-flags", response=ExpertOut)
def expert_flags(request: HttpRequest, expert_id: int, payload: FlagsIn) -> Any:
    """Set (or clear) quality flags; a flagged expert is not drawn."""
    expert = access_expert(request.user, expert_id)
    return _expert_out(
        services.expert_flags_set(
            actor=request.user,  # type: ignore[arg-type]
            expert=expert,
            flags=payload.flags,
            note=payload.note,
        )
    )


# --- the expert's own --------------------------------------------------------------------------


def _codes(value: Any) -> Any:
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return value
    raise PydanticCustomError("list_type", "Input should be a list of strings or a string")


# a list of codes or one string of them ("AI, F06"); anything else is named by its field
Codes = Annotated[
    Any,
    BeforeValidator(_codes),
    WithJsonSchema(
        {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
        mode="validation",
    ),
]


class RegistrationIn(Schema):
    name: StrictStr = Field(..., max_length=100)
    id_number: StrictStr = Field(..., max_length=30, description="居民身份证号码")
    employer_name: StrictStr = Field(..., max_length=200)
    employer_uscc: StrictStr = Field(..., max_length=30, description="工作单位统一社会信用代码")
    title: StrictStr = Field(..., max_length=100, description="职称")
    fields: Codes = Field(..., description='学科/领域代码，列表或 "AI, F06"')
    keywords: Codes = Field("", description="研究方向关键词")
    email: StrictStr = Field("", max_length=254)


@router.post("/registration", response={201: ExpertDetailOut})
def registration(request: HttpRequest, payload: RegistrationIn) -> Any:
    """Register as an expert (专家自荐); pending until staff approve. After a rejection the
    same person may register again."""
    expert = services.expert_register(
        user=request.user,  # type: ignore[arg-type]
        data=services.ExpertIn(
            name=payload.name,
            id_number=payload.id_number,
            employer_uscc=payload.employer_uscc,
            employer_name=payload.employer_name,
            title=payload.title,
            fields=services.clean_codes(payload.fields),
            keywords=services.clean_words(payload.keywords),
            email=payload.email,
        ),
    )
    return Status(201, _detail_out(expert))


@router.get("/profile", response=ExpertDetailOut)
def profile_detail(request: HttpRequest) -> Any:
    """The signed-in person's own expert record (404 for anybody without one)."""
    return _detail_out(my_expert(request.user))


class ProfileIn(Schema):
    """Only what is given changes; identity and employer stay as registered."""

    title: StrictStr | None = Field(None, max_length=100)
    fields: Codes | None = None
    keywords: Codes | None = None
    email: StrictStr | None = Field(None, max_length=254)


@router.patch("/profile", response=ExpertDetailOut)
def profile_update(request: HttpRequest, payload: ProfileIn) -> Any:
    expert = my_expert(request.user)
    services.expert_update(
        actor=request.user,  # type: ignore[arg-type]
        expert=expert,
        title=expert.title if payload.title is None else payload.title,
        fields=expert.fields if payload.fields is None else payload.fields,
        keywords=expert.keywords if payload.keywords is None else payload.keywords,
        email=expert.email if payload.email is None else payload.email,
    )
    return _detail_out(my_expert(request.user))


class RelationIn(Schema):
    kind: Literal["relative", "teacher_student", "coauthor", "collaborator"]
    person_id_number: StrictStr = Field("", max_length=30, description="对方身份证号码")
    uscc: StrictStr = Field("", max_length=30, description="对方单位统一社会信用代码")
    last_year: StrictInt | None = Field(None, description="最近合作年份（合作发表、项目合作必填）")
    note: StrictStr = Field("", max_length=200)


@router.post("/profile/relations", response={201: RelationOut})
def relation_declare(request: HttpRequest, payload: RelationIn) -> Any:
    relation = services.relation_declare(
        actor=request.user,  # type: ignore[arg-type]
        expert=my_expert(request.user),
        kind=payload.kind,
        person_id_number=payload.person_id_number,
        uscc=payload.uscc,
        last_year=payload.last_year,
        note=payload.note,
    )
    return Status(201, _relation_out(relation))


@router.delete("/profile/relations/{relation_id}", response={204: None})
def relation_remove(request: HttpRequest, relation_id: int) -> Any:
    services.relation_remove(
        actor=request.user,  # type: ignore[arg-type]
        expert=my_expert(request.user),
        relation_id=relation_id,
    )
    return Status(204, None)


class WindowIn(Schema):
    starts_on: date = Field(..., description="开始日期 YYYY-MM-DD")
    ends_on: date = Field(..., description="结束日期 YYYY-MM-DD（含）")
    note: StrictStr = Field("", max_length=200)


@router.post("/profile/availability", response={201: WindowOut})
def availability_add(request: HttpRequest, payload: WindowIn) -> Any:
    """A period the expert cannot review (出差、休假); draws in it pass the expert over."""
    window = services.availability_add(
        actor=request.user,  # type: ignore[arg-type]
        expert=my_expert(request.user),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        note=payload.note,
    )
    return Status(201, _window_out(window))


@router.delete("/profile/availability/{window_id}", response={204: None})
def availability_remove(request: HttpRequest, window_id: int) -> Any:
    services.availability_remove(
        actor=request.user,  # type: ignore[arg-type]
        expert=my_expert(request.user),
        window_id=window_id,
    )
    return Status(204, None)
