"""Expert review services: the only code that writes review's tables (one transaction each)."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.calendar import get_calendar
from rainforest.cases.services import notify
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.core.ids import validate_resident_id, validate_uscc
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review.domain_assignment import (
    Infeasible,
    commitment,
    draw,
    parse_q,
    problem_from_dict,
    problem_to_dict,
    replacement_draw,
    rng_from_seed,
    seed_digest,
    solve_fractional,
)
from rainforest.review.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
    Availability,
    DeclaredRelation,
    Draw,
    DrawStatus,
    Expert,
    ExpertStatus,
    Panel,
    PanelScore,
    Recommendation,
    RelationKind,
    Replacement,
    ScoreSheet,
    StaffConflict,
)

DECLARATION_ZH = (
    "本人确认：与该评审对象的申请单位、联合申报单位及项目团队成员不存在亲属、师生、"
    "同单位、近三年合作等利害关系，未参与同批次申报；如有隐瞒，愿承担相应责任。"
)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _today(now: datetime) -> Any:
    return timezone.localtime(now).date()


# --- the pool ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertIn:
    name: str
    id_number: str
    employer_uscc: str
    employer_name: str
    title: str
    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    email: str = ""


def clean_codes(raw: Sequence[str] | str) -> tuple[str, ...]:
    """'F06，F0601; F07' or a list → ('F06', 'F0601', 'F07'); upper-case, no blanks."""
    if isinstance(raw, str):
        for sep in "，,;；、 ":
            raw = raw.replace(sep, "\n")
        raw = raw.split("\n")
    return tuple(dict.fromkeys(c.strip().upper() for c in raw if c.strip()))


def clean_words(raw: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(raw, str):
        for sep in "，,;；、":
            raw = raw.replace(sep, "\n")
        raw = raw.split("\n")
    return tuple(dict.fromkeys(w.strip() for w in raw if w.strip()))


def check_expert(data: ExpertIn) -> tuple[ExpertIn, list[ValidationError]]:
    """The normalised input and every problem with it (field names as in the forms)."""
    errors: list[ValidationError] = []
    id_number = data.id_number
    uscc = data.employer_uscc
    try:
        id_number = validate_resident_id(data.id_number, field="id_number")
    except ValidationError as exc:
        errors.append(exc)
    try:
        uscc = validate_uscc(data.employer_uscc, field="employer_uscc")
    except ValidationError as exc:
        errors.append(exc)
    for name, value, zh, en in (
        ("name", data.name, "请填写姓名。", "Enter the name."),
        ("employer_name", data.employer_name, "请填写工作单位。", "Enter the employer."),
        ("title", data.title, "请填写职称。", "Enter the title."),
    ):
        if not value.strip():
            errors.append(ValidationError(zh, en, field=name, code="required"))
    fields = clean_codes(data.fields)
    if not fields:
        errors.append(
            ValidationError(
                "请至少填写一个学科/领域代码，如 F06。",
                "Enter at least one field code, such as F06.",
                field="fields",
                code="required",
            )
        )
    cleaned = ExpertIn(
        name=data.name.strip(),
        id_number=id_number,
        employer_uscc=uscc,
        employer_name=data.employer_name.strip(),
        title=data.title.strip(),
        fields=fields,
        keywords=clean_words(data.keywords),
        email=data.email.strip(),
    )
    return cleaned, errors


def _raise_first(errors: list[ValidationError]) -> None:
    if errors:
        raise errors[0]


def expert_register(*, user: User, data: ExpertIn, now: datetime | None = None) -> Expert:
    """Self-registration (专家自荐): pending until staff approve it."""
    now = _now(now)
    cleaned, errors = check_expert(data)
    _raise_first(errors)
    with transaction.atomic():
        if Expert.objects.filter(user=user).exists():
            raise ConflictError(
                "您已提交过专家入库申请。", "You have already registered as an expert."
            )
        if Expert.objects.filter(id_number=cleaned.id_number).exists():
            raise ConflictError(
                "该身份证号码已在专家库中，请联系科技局核对。",
                "This ID number is already in the pool; contact the bureau.",
                field="id_number",
                code="expert_exists",
            )
        expert = Expert.objects.create(
            user=user,
            name=cleaned.name,
            id_number=cleaned.id_number,
            employer_uscc=cleaned.employer_uscc,
            employer_name=cleaned.employer_name,
            title=cleaned.title,
            fields=list(cleaned.fields),
            keywords=list(cleaned.keywords),
            email=cleaned.email or user.email,
            status=ExpertStatus.PENDING,
            created_at=now,
        )
        audit_append(
            actor=user, action="review.expert_register", subject_type="expert", subject_id=expert.pk
        )
    return expert


def expert_approve(*, actor: User, expert: Expert, now: datetime | None = None) -> Expert:
    now = _now(now)
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert.pk)
        if expert.status != ExpertStatus.PENDING:
            raise ConflictError("该专家不在待审核状态。", "This expert is not awaiting approval.")
        expert.status = ExpertStatus.ACTIVE
        expert.approved_at = now
        expert.approved_by = actor
        expert.save(update_fields=["status", "approved_at", "approved_by"])
        audit_append(
            actor=actor, action="review.expert_approve", subject_type="expert", subject_id=expert.pk
        )
        if expert.user is not None:
            notify(
                user=expert.user,
                case=None,
                kind="review.expert_approved",
                title="专家入库申请已通过",
                body="您已进入评审专家库。",
            )
    return expert


def expert_update(
    *,
    actor: User,
    expert: Expert,
    title: str,
    fields: Sequence[str] | str,
    keywords: Sequence[str] | str,
    email: str,
) -> Expert:
    """The expert's own profile: title, fields, keywords, e-mail (identity stays fixed)."""
    data = ExpertIn(
        name=expert.name,
        id_number=expert.id_number,
        employer_uscc=expert.employer_uscc,
        employer_name=expert.employer_name,
        title=title,
        fields=clean_codes(fields),
        keywords=clean_words(keywords),
        email=email,
    )
    cleaned, errors = check_expert(data)
    _raise_first(errors)
    with transaction.atomic():
        expert.title = cleaned.title
        expert.fields = list(cleaned.fields)
        expert.keywords = list(cleaned.keywords)
        expert.email = cleaned.email
        expert.save(update_fields=["title", "fields", "keywords", "email"])
        audit_append(
            actor=actor, action="review.expert_update", subject_type="expert", subject_id=expert.pk
        )
    return expert


def relation_declare(
    *,
    actor: User,
    expert: Expert,
    kind: str,
    person_id_number: str = "",
    uscc: str = "",
    last_year: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> DeclaredRelation:
    now = _now(now)
    if kind not in RelationKind.values:
        raise ValidationError(
            "请选择关系类型。", "Choose the kind of relation.", field="kind", code="required"
        )
    if not person_id_number.strip() and not uscc.strip():
        raise ValidationError(
            "请填写对方的身份证号码或单位统一社会信用代码。",
            "Enter the other person's ID number or the organisation's USCC.",
            field="person_id_number",
            code="required",
        )
    pid = (
        validate_resident_id(person_id_number, field="person_id_number")
        if person_id_number.strip()
        else ""
    )
    org = validate_uscc(uscc, field="uscc") if uscc.strip() else ""
    if kind in rules.TIME_LIMITED and last_year is None:
        raise ValidationError(
            "合作关系请填写最近一次合作的年份。",
            "Give the last year of the collaboration.",
            field="last_year",
            code="required",
        )
    if last_year is not None and not 1950 <= last_year <= _today(now).year:
        raise ValidationError(
            f"年份应在 1950 至 {_today(now).year} 之间。",
            f"The year must be between 1950 and {_today(now).year}.",
            field="last_year",
            code="year_invalid",
        )
    with transaction.atomic():
        relation = DeclaredRelation.objects.create(
            expert=expert,
            kind=kind,
            person_id_number=pid,
            uscc=org,
            last_year=last_year,
            note=note.strip()[:200],
            declared_at=now,
        )
        audit_append(
            actor=actor,
            action="review.relation_declare",
            subject_type="expert",
            subject_id=expert.pk,
            data={"kind": kind, "relation": relation.pk},
        )
    return relation


def conflict_record(
    *,
    actor: User,
    expert: Expert,
    call_ref: str,
    item_ref: str = "",
    note: str,
    now: datetime | None = None,
) -> StaffConflict:
    now = _now(now)
    if not note.strip():
        raise ValidationError(
            "请说明利害关系的情况。", "Describe the conflict.", field="note", code="required"
        )
    with transaction.atomic():
        conflict = StaffConflict.objects.create(
            expert=expert,
            call_ref=call_ref,
            item_ref=item_ref,
            note=note.strip()[:500],
            recorded_by=actor,
            recorded_at=now,
        )
        audit_append(
            actor=actor,
            action="review.conflict_record",
            subject_type="expert",
            subject_id=expert.pk,
            data={"call": call_ref, "item": item_ref},
        )
    return conflict


@dataclass(frozen=True)
class ImportRowError:
    row: int
    field: str
    message_zh: str
    message_en: str


class ImportRejected(ValidationError):
    code = "import_rejected"

    def __init__(self, errors: Sequence[ImportRowError]) -> None:
        self.errors = tuple(errors)
        super().__init__(
            f"导入文件有 {len(errors)} 处问题，未导入任何专家；请改正后重新上传。",
            f"The file has {len(errors)} problems; nothing was imported. Fix them and upload again.",
            field="file",
        )


IMPORT_COLUMNS = (
    ("name", "姓名"),
    ("id_number", "身份证号码"),
    ("employer_uscc", "工作单位统一社会信用代码"),
    ("employer_name", "工作单位"),
    ("title", "职称"),
    ("fields", "学科/领域代码"),
    ("keywords", "关键词"),
    ("email", "电子邮箱"),
)


def expert_import(
    *, actor: User, rows: Sequence[Mapping[str, str]], now: datetime | None = None
) -> int:
    """Import experts (active at once); nothing is imported while any row is wrong.

    ``rows`` are the sheet's data rows (row 2 onwards) keyed by column code.
    """
    now = _now(now)
    errors: list[ImportRowError] = []
    cleaned_rows: list[ExpertIn] = []
    seen: dict[str, int] = {}
    existing = set(
        Expert.objects.filter(
            id_number__in=[str(r.get("id_number", "")).strip().upper() for r in rows]
        ).values_list("id_number", flat=True)
    )
    for n, row in enumerate(rows, start=2):
        data = ExpertIn(**{code: str(row.get(code) or "") for code, _ in IMPORT_COLUMNS})
        cleaned, problems = check_expert(data)
        for p in problems:
            errors.append(ImportRowError(n, p.field or "", p.message_zh, p.message_en))
        if not problems:
            if cleaned.id_number in existing:
                errors.append(
                    ImportRowError(
                        n,
                        "id_number",
                        "该身份证号码已在专家库中。",
                        "This ID number is already in the pool.",
                    )
                )
            elif cleaned.id_number in seen:
                errors.append(
                    ImportRowError(
                        n,
                        "id_number",
                        f"与第 {seen[cleaned.id_number]} 行的身份证号码重复。",
                        f"Same ID number as row {seen[cleaned.id_number]}.",
                    )
                )
            seen.setdefault(cleaned.id_number, n)
        cleaned_rows.append(cleaned)
    if not rows:
        errors.append(ImportRowError(0, "file", "文件中没有专家数据。", "The file has no rows."))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        Expert.objects.bulk_create(
            [
                Expert(
                    name=c.name,
                    id_number=c.id_number,
                    employer_uscc=c.employer_uscc,
                    employer_name=c.employer_name,
                    title=c.title,
                    fields=list(c.fields),
                    keywords=list(c.keywords),
                    email=c.email,
                    status=ExpertStatus.ACTIVE,
                    created_at=now,
                    approved_at=now,
                    approved_by=actor,
                )
                for c in cleaned_rows
            ]
        )
        audit_append(
            actor=actor,
            action="review.expert_import",
            subject_type="expert",
            subject_id="import",
            data={"rows": len(cleaned_rows)},
        )
    return len(cleaned_rows)


def read_xlsx(data: bytes) -> list[dict[str, str]]:
    """The first sheet's rows keyed by column code; headers may be the Chinese names."""
    import io

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ValidationError(
            "无法读取文件，请上传 Excel（.xlsx）文件。",
            "The file cannot be read; upload an Excel (.xlsx) file.",
            field="file",
            code="file_invalid",
        ) from exc
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    if not rows:
        return []
    by_name = {zh: code for code, zh in IMPORT_COLUMNS} | {code: code for code, _ in IMPORT_COLUMNS}
    header = [by_name.get(str(h or "").strip(), "") for h in rows[0]]
    missing = [zh for code, zh in IMPORT_COLUMNS[:6] if code not in header]
    if missing:
        raise ValidationError(
            f"表头缺少列：{'、'.join(missing)}。请使用导入模板。",
            f"The header lacks columns: {', '.join(missing)}. Use the import template.",
            field="file",
            code="file_header",
        )
    out = []
    for values in rows[1:]:
        if all(v in (None, "") for v in values):
            continue
        out.append(
            {
                code: ("" if v is None else str(v).strip())
                for code, v in zip(header, values, strict=False)
                if code
            }
        )
    return out


# --- the draw ----------------------------------------------------------------------------


def _profiles(experts: Sequence[Expert]) -> list[rules.ExpertProfile]:
    relations: dict[int, list[rules.Relation]] = defaultdict(list)
    for r in DeclaredRelation.objects.filter(expert__in=experts):
        relations[r.expert_id].append(
            rules.Relation(
                kind=r.kind,
                person_id=r.person_id_number,
                uscc=r.uscc,
                last_year=r.last_year,
            )
        )
    return [
        rules.ExpertProfile(
            id=str(e.pk),
            name=e.name,
            person_id=e.id_number,
            employer_uscc=e.employer_uscc,
            fields=tuple(e.fields),
            keywords=tuple(e.keywords),
            relations=tuple(relations[e.pk]),
        )
        for e in experts
    ]


def _available_experts(start: datetime, end: datetime) -> list[Expert]:
    busy = Availability.objects.filter(
        starts_on__lte=timezone.localtime(end).date(),
        ends_on__gte=timezone.localtime(start).date(),
    ).values("expert_id")
    return list(
        Expert.objects.filter(status=ExpertStatus.ACTIVE, quality_flags=[])
        .exclude(pk__in=busy)
        .order_by("pk")
    )


def _due(now: datetime, workdays: int) -> datetime:
    return get_calendar().end_of_workday_after(now, workdays).value


@dataclass(frozen=True)
class DrawPreview:
    draw: Draw
    pool_size: dict[str, int]
    exclusions: int


def draw_commit(
    *,
    actor: User,
    call_ref: str,
    k: int,
    load: int,
    q: str,
    now: datetime | None = None,
) -> Draw:
    """Build the inputs, check the draw is feasible and publish the commitment.

    Raises :class:`Infeasible` (nothing saved) naming the items that cannot be staffed.
    The seed is drawn here from the operating system and kept secret until the draw.
    """
    now = _now(now)
    day = _today(now)
    avoidance = rules.parameters_on(rules.AVOIDANCE, day)
    draw_params = rules.parameters_on(rules.DRAW, day)
    scoring = rules.parameters_on(rules.SCORING, day)
    cap = parse_q(q)
    info = adapters.call_info(call_ref, scoring)
    if info is None:
        raise NotFoundError("没有找到该申请指南。", "No such call.")
    if Draw.objects.filter(call_ref=call_ref).exists():
        raise ConflictError(
            "该指南已经抽取过专家；专家谢绝或回避时请使用替补。",
            "Experts were already drawn for this call; use replacement for withdrawals.",
            code="draw_exists",
        )
    items = adapters.review_items(call_ref)
    if not items:
        raise ValidationError(
            "该指南没有处于专家评审阶段的申请。",
            "The call has no applications in the expert-review stage.",
            field="call",
            code="no_items",
        )
    workdays = info.stage_workdays or scoring.integer("review_workdays")
    due = _due(now, workdays)
    experts = _available_experts(now, due)
    conflicts = [
        rules.StaffConflict(expert=str(c.expert_id), item=c.item_ref, call=c.call_ref, note=c.note)
        for c in StaffConflict.objects.filter(call_ref=call_ref)
    ]
    plan = rules.build_problem(
        items,
        _profiles(experts),
        conflicts,
        k=k,
        load=load,
        q=cap,
        avoidance=avoidance,
        draw_params=draw_params,
        on=day,
    )
    fractional = solve_fractional(plan.problem)  # Infeasible propagates: nothing saved
    parameters = {
        "avoidance": avoidance.label,
        "draw": draw_params.label,
        "k": k,
        "load": load,
        "q": f"{cap.numerator}/{cap.denominator}",
        "call": call_ref,
    }
    seed = secrets.token_hex(32)
    seed_hash = seed_digest(seed)
    with transaction.atomic():
        record = Draw.objects.create(
            call_ref=call_ref,
            status=DrawStatus.COMMITTED,
            k=k,
            load=load,
            q=parameters["q"],
            parameters=parameters,
            inputs=problem_to_dict(plan.problem),
            exclusions=[
                {"item": e.item, "expert": e.expert, "rule": e.rule, "zh": e.zh, "en": e.en}
                for found in plan.exclusions.values()
                for e in found
            ],
            commitment=commitment(plan.problem, parameters, seed_hash),
            seed_sha256=seed_hash,
            seed=seed,
            fractional_flow=fractional.flow.tolist(),
            fractional_fit=str(fractional.total_fit),
            review_due_at=due,
            created_by=actor,
            created_at=now,
        )
        audit_append(
            actor=actor,
            action="review.draw_commit",
            subject_type="review_draw",
            subject_id=record.pk,
            data={"call": call_ref, "commitment": record.commitment, "parameters": parameters},
        )
    return record


def draw_perform(*, actor: User, draw_record: Draw, now: datetime | None = None) -> Draw:
    """Sample with the committed seed, record the assignment and reveal the seed."""
    now = _now(now)
    with transaction.atomic():
        record = Draw.objects.select_for_update().get(pk=draw_record.pk)
        if record.status != DrawStatus.COMMITTED:
            raise ConflictError("该抽取已经完成。", "This draw has already been made.")
        problem = problem_from_dict(record.inputs)
        b = problem.q.denominator
        flow = np.asarray(record.fractional_flow, dtype=np.int64)
        from rainforest.review.domain_assignment import Fractional

        fractional = Fractional(flow=flow, denominator=b, total_fit=Fraction(record.fractional_fit))
        result = draw(problem, record.seed, fractional=fractional)
        chosen_idx = np.nonzero(result.chosen)[0].tolist()
        experts = {
            str(e.pk): e for e in Expert.objects.filter(pk__in=[int(x) for x in problem.experts])
        }
        assignments = [
            Assignment(
                draw=record,
                item_ref=problem.items[int(problem.pair_item[p])],
                expert=experts[problem.experts[int(problem.pair_expert[p])]],
                origin="draw",
                probability=str(Fraction(int(flow[p]), b)),
                due_at=record.review_due_at,
            )
            for p in chosen_idx
        ]
        Assignment.objects.bulk_create(assignments)
        record.status = DrawStatus.DRAWN
        record.sampled_fit = str(result.sampled_fit)
        record.fraction_of_optimum = f"{float(result.fraction_of_optimum):.4f}"
        record.drawn_at = now
        record.save(update_fields=["status", "sampled_fit", "fraction_of_optimum", "drawn_at"])
        audit_append(
            actor=actor,
            action="review.draw_perform",
            subject_type="review_draw",
            subject_id=record.pk,
            data={"seed": record.seed, "assignments": len(assignments)},
        )
        for a in assignments:
            if a.expert.user is not None:
                notify(
                    user=a.expert.user,
                    case=None,
                    kind="review.assigned",
                    title="您被抽取为评审专家",
                    body="请登录平台确认无利害关系后评审。",
                )
    return record


def draw_verify(record: Draw) -> Any:
    """Recompute a drawn record from its published inputs and revealed seed."""
    from rainforest.review.domain_assignment import verify

    if record.status != DrawStatus.DRAWN:
        raise ConflictError("该抽取尚未完成，种子未公开。", "This draw has not been made yet.")
    recorded = [
        (a.item_ref, str(a.expert_id))
        for a in Assignment.objects.filter(draw=record, origin="draw")
    ]
    return verify(
        problem_from_dict(record.inputs),
        record.parameters,
        record.seed,
        record.commitment,
        recorded,
        recorded_flow=record.fractional_flow,
    )


# --- assignments -------------------------------------------------------------------------


def _own(actor: User, assignment: Assignment) -> None:
    if assignment.expert.user_id != actor.pk:
        raise NotFoundError("没有找到该评审任务。", "No such review assignment.")


def assignment_declare(
    *, actor: User, assignment: Assignment, now: datetime | None = None
) -> Assignment:
    """The expert confirms there is no conflict (the declaration is recorded)."""
    now = _now(now)
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update().select_related("expert").get(pk=assignment.pk)
        )
        _own(actor, assignment)
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise ConflictError("该评审任务已确认或已结束。", "Already confirmed or closed.")
        assignment.status = AssignmentStatus.DECLARED
        assignment.declared_at = now
        assignment.declaration = DECLARATION_ZH
        assignment.save(update_fields=["status", "declared_at", "declaration"])
        audit_append(
            actor=actor,
            action="review.assignment_declare",
            subject_type="review_assignment",
            subject_id=assignment.pk,
            data={"declaration_sha256": hashlib.sha256(DECLARATION_ZH.encode()).hexdigest()},
        )
    return assignment


def assignment_withdraw(
    *,
    actor: User,
    assignment: Assignment,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> Assignment:
    """Recuse, decline or (staff) mark overdue; an alternate is drawn within the cap q.

    Returns the replacement assignment.
    """
    now = _now(now)
    if reason not in ("recused", "declined", "overdue"):
        raise ValidationError("请选择原因。", "Choose a reason.", field="reason", code="required")
    if reason in ("recused", "declined") and not note.strip():
        raise ValidationError(
            "请说明回避或谢绝的原因。",
            "Say why you recuse or decline.",
            field="note",
            code="required",
        )
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("expert", "draw")
            .get(pk=assignment.pk)
        )
        if reason != "overdue":
            _own(actor, assignment)
        if assignment.status not in OPEN_STATUSES:
            raise ConflictError("该评审任务已结束。", "This assignment is closed.")
        record = Draw.objects.select_for_update().get(pk=assignment.draw_id)
        problem = problem_from_dict(record.inputs)
        b = problem.q.denominator
        flow = record.fractional_flow or []
        item = assignment.item_ref
        i = problem.items.index(item)
        on_item = list(
            Assignment.objects.filter(draw=record, item_ref=item).select_related("expert")
        )
        staying = [a for a in on_item if a.status in ACTIVE_STATUSES and a.pk != assignment.pk]
        ever = {str(a.expert_id) for a in on_item}
        loads: dict[str, int] = defaultdict(int)
        for a in Assignment.objects.filter(draw=record, status__in=ACTIVE_STATUSES):
            loads[str(a.expert_id)] += 1
        orgs = {a.expert.employer_uscc for a in staying}
        by_id = {
            str(e.pk): e for e in Expert.objects.filter(pk__in=[int(x) for x in problem.experts])
        }
        start = int(np.searchsorted(problem.pair_item, i))
        stop = int(np.searchsorted(problem.pair_item, i, side="right"))
        candidates: dict[str, int] = {}
        spent: dict[str, Fraction] = {}
        for p in range(start, stop):
            e = problem.experts[int(problem.pair_expert[p])]
            spent[e] = Fraction(int(flow[p]), b) if flow else Fraction(0)
            expert = by_id.get(e)
            if (
                e in ever
                or expert is None
                or expert.status != ExpertStatus.ACTIVE
                or expert.quality_flags
                or loads[e] >= record.load
                or (problem.one_per_group and expert.employer_uscc in orgs)
            ):
                continue
            candidates[e] = int(problem.pair_fit[p])
        for earlier in Replacement.objects.filter(draw=record, withdrawn__item_ref=item):
            for e, p in earlier.offered.items():
                spent[e] = spent.get(e, Fraction(0)) + Fraction(p)
        seed = secrets.token_hex(32)
        picked = replacement_draw(
            item=item,
            declined=str(assignment.expert_id),
            candidates=candidates,
            spent=spent,
            q=problem.q,
            rng=rng_from_seed(seed),
        )
        assignment.status = {
            "recused": AssignmentStatus.RECUSED,
            "declined": AssignmentStatus.DECLINED,
            "overdue": AssignmentStatus.OVERDUE,
        }[reason]
        assignment.withdrawn_reason = note.strip()[:500]
        new = Assignment.objects.create(
            draw=record,
            item_ref=item,
            expert=by_id[picked.chosen],
            origin="replacement",
            probability=str(picked.offered[picked.chosen]),
            due_at=_due(
                now, rules.parameters_on(rules.SCORING, _today(now)).integer("review_workdays")
            ),
        )
        assignment.replaced_by = new
        assignment.save(update_fields=["status", "withdrawn_reason", "replaced_by"])
        Replacement.objects.create(
            draw=record,
            withdrawn=assignment,
            chosen=new,
            offered={e: str(p) for e, p in picked.offered.items()},
            seed=seed,
            reason=reason,
            created_at=now,
        )
        audit_append(
            actor=actor,
            action="review.assignment_withdraw",
            subject_type="review_assignment",
            subject_id=assignment.pk,
            data={"reason": reason, "replacement": new.pk, "seed": seed},
        )
        if new.expert.user is not None:
            notify(
                user=new.expert.user,
                case=None,
                kind="review.assigned",
                title="您被抽取为替补评审专家",
                body="请登录平台确认无利害关系后评审。",
            )
    return new


def sheet_submit(
    *,
    actor: User,
    assignment: Assignment,
    scores: Mapping[str, Decimal | None],
    comments: Mapping[str, str],
    recommendation: str,
    overall_comment: str,
    now: datetime | None = None,
) -> ScoreSheet:
    """Scores per criterion (None = n/a), a comment per scored criterion, a recommendation."""
    now = _now(now)
    day = _today(now)
    scoring = rules.parameters_on(rules.SCORING, day)
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("expert", "draw")
            .get(pk=assignment.pk)
        )
        _own(actor, assignment)
        if assignment.status == AssignmentStatus.ASSIGNED:
            raise ConflictError(
                "请先确认与该评审对象无利害关系，再评分。",
                "Confirm you have no conflict before scoring.",
                code="declaration_missing",
            )
        if assignment.status != AssignmentStatus.DECLARED:
            raise ConflictError("该评审任务已结束。", "This assignment is closed.")
        info = adapters.call_info(assignment.draw.call_ref, scoring)
        criteria = info.criteria if info else rules.default_criteria(scoring)
        sheet = rules.Sheet(
            expert=str(assignment.expert_id),
            item=assignment.item_ref,
            scores=dict(scores),
            recommendation=recommendation,
        )
        problems = rules.check_sheet(sheet, criteria, score_max=scoring.integer("score_max"))
        min_chars = scoring.integer("comment_min_chars")
        for c in criteria:
            if scores.get(c.code) is not None and len(comments.get(c.code, "").strip()) < min_chars:
                problems.append(
                    (
                        f"comment_{c.code}",
                        f"请填写「{c.name_zh}」的评审意见（不少于 {min_chars} 字）。",
                        f"Write a comment on {c.name_en} (at least {min_chars} characters).",
                    )
                )
        if len(overall_comment.strip()) < min_chars:
            problems.append(
                (
                    "overall_comment",
                    f"请填写总体评审意见（不少于 {min_chars} 字）。",
                    f"Write an overall comment (at least {min_chars} characters).",
                )
            )
        if problems:
            raise SheetRejected(problems)
        record = ScoreSheet.objects.create(
            assignment=assignment,
            scores={
                c.code: (None if scores.get(c.code) is None else str(scores[c.code]))
                for c in criteria
            },
            comments={c.code: comments.get(c.code, "").strip() for c in criteria},
            recommendation=Recommendation(recommendation),
            overall_comment=overall_comment.strip(),
            submitted_at=now,
        )
        assignment.status = AssignmentStatus.SUBMITTED
        assignment.save(update_fields=["status"])
        audit_append(
            actor=actor,
            action="review.sheet_submit",
            subject_type="review_assignment",
            subject_id=assignment.pk,
        )
    return record


class SheetRejected(ValidationError):
    code = "sheet_invalid"

    def __init__(self, problems: Sequence[tuple[str, str, str]]) -> None:
        self.problems = tuple(problems)
        first = problems[0]
        super().__init__(first[1], first[2], field=first[0])


def assignments_remind(*, now: datetime | None = None) -> int:
    """Remind experts whose open assignment is due within the reminder window; once each."""
    now = _now(now)
    scoring = rules.parameters_on(rules.SCORING, _today(now))
    limit = _due(now, scoring.integer("reminder_workdays_before"))
    count = 0
    with transaction.atomic():
        due = Assignment.objects.select_related("expert__user").filter(
            status__in=OPEN_STATUSES, reminded_at__isnull=True, due_at__lte=limit, due_at__gte=now
        )
        for a in due:
            if a.expert.user is not None:
                notify(
                    user=a.expert.user,
                    case=None,
                    kind="review.reminder",
                    title="评审即将到期",
                    body=f"您的评审任务将于 {timezone.localtime(a.due_at):%Y-%m-%d %H:%M} 到期。",
                )
            a.reminded_at = now
            a.save(update_fields=["reminded_at"])
            count += 1
    return count


def assignments_replace_overdue(
    *, actor: User, now: datetime | None = None
) -> tuple[int, list[tuple[int, str]]]:
    """Replace every expert whose open assignment is past its due time.

    Returns how many were replaced and, for those that could not be (no alternate within
    the cap q), the assignment id and the reason; those stay open for staff to act on.
    """
    now = _now(now)
    overdue = list(Assignment.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now))
    replaced = 0
    failed: list[tuple[int, str]] = []
    for a in overdue:
        try:
            assignment_withdraw(actor=actor, assignment=a, reason="overdue", now=now)
        except ValidationError as exc:
            failed.append((a.pk, exc.message_zh))
        else:
            replaced += 1
    return replaced, failed


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallResults:
    scores: dict[str, rules.ItemScore]
    ranked: list[rules.Ranked]
    missing: dict[str, int]  # item → open assignments still to score


def call_results(call_ref: str, *, day: Any = None, normalise: bool | None = None) -> CallResults:
    day = day or _today(timezone.now())
    scoring = rules.parameters_on(rules.SCORING, day)
    info = adapters.call_info(call_ref, scoring)
    criteria = info.criteria if info else rules.default_criteria(scoring)
    sheets = []
    missing: dict[str, int] = defaultdict(int)
    submitted: dict[str, str] = {}
    for a in Assignment.objects.filter(draw__call_ref=call_ref).select_related("sheet"):
        if a.status in OPEN_STATUSES:
            missing[a.item_ref] += 1
        if a.status == AssignmentStatus.SUBMITTED:
            s = a.sheet
            sheets.append(
                rules.Sheet(
                    expert=str(a.expert_id),
                    item=a.item_ref,
                    scores={k: adapters.score_decimal(v) for k, v in s.scores.items()},
                    recommendation=s.recommendation,
                )
            )
    for item in adapters.review_items(call_ref):
        submitted[item.id] = item.submitted_at
    scores = rules.score_items(
        sheets, criteria, params=scoring, method=info.method if info else None, normalise=normalise
    )
    return CallResults(scores=scores, ranked=rules.rank(scores, submitted), missing=dict(missing))


def ranking_hand_off(*, actor: User, call_ref: str, now: datetime | None = None) -> bool:
    now = _now(now)
    results = call_results(call_ref, day=_today(now))
    if results.missing:
        raise ConflictError(
            "尚有专家未提交评分，不能提交排序结果。",
            "Some experts have not scored yet; the ranking cannot be handed over.",
            code="scores_incomplete",
        )
    payload = []
    sheets_by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in Assignment.objects.filter(
        draw__call_ref=call_ref, status=AssignmentStatus.SUBMITTED
    ).select_related("sheet", "expert__user"):
        sheets_by_item[a.item_ref].append(
            {
                "expert_user": a.expert.user,
                "expert_name": a.expert.name,
                "scores": {k: adapters.score_decimal(v) for k, v in a.sheet.scores.items()},
                "comments": a.sheet.comments,
                "recommendation": a.sheet.recommendation,
            }
        )
    for r in results.ranked:
        payload.append(
            {
                "item_ref": r.item,
                "rank": r.rank,
                "score": r.score,
                "decision": results.scores[r.item].decision.to_dict(),
                "sheets": sheets_by_item[r.item],
            }
        )
    with transaction.atomic():
        handed = adapters.hand_off(actor=actor, call_ref=call_ref, results=payload, now=now)
        audit_append(
            actor=actor,
            action="review.ranking_hand_off",
            subject_type="call",
            subject_id=call_ref,
            data={"items": len(payload), "received_by_programs": handed},
        )
    return handed


# --- meeting review (会评) ------------------------------------------------------------------


def panel_create(
    *,
    actor: User,
    call_ref: str,
    name: str,
    chair: Expert,
    members: Sequence[Expert],
    session_at: datetime,
    place: str,
    item_refs: Sequence[str],
    now: datetime | None = None,
) -> Panel:
    now = _now(now)
    if chair not in members:
        members = [chair, *members]
    orgs = [m.employer_uscc for m in members]
    if len(set(orgs)) != len(orgs):
        raise ValidationError(
            "同一评审组内同一单位的专家不能超过 1 人。",
            "A panel may have at most one expert per organisation.",
            field="members",
            code="panel_same_org",
        )
    with transaction.atomic():
        panel = Panel.objects.create(
            call_ref=call_ref,
            name=name.strip() or "会评组",
            chair=chair,
            session_at=session_at,
            place=place.strip(),
            item_refs=list(item_refs),
            created_by=actor,
            created_at=now,
        )
        panel.members.set(members)
        audit_append(
            actor=actor,
            action="review.panel_create",
            subject_type="review_panel",
            subject_id=panel.pk,
        )
    return panel


def panel_score_record(
    *,
    actor: User,
    panel: Panel,
    item_ref: str,
    score: Decimal,
    comment: str,
    now: datetime | None = None,
) -> PanelScore:
    now = _now(now)
    if item_ref not in panel.item_refs:
        raise ValidationError(
            "该评审对象不在本会评组。",
            "The item is not on this panel.",
            field="item",
            code="item_unknown",
        )
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(
            "会评得分应在 0 到 100 之间。",
            "The panel score must be 0 to 100.",
            field="score",
            code="score_out_of_range",
        )
    with transaction.atomic():
        record, _ = PanelScore.objects.update_or_create(
            panel=panel,
            item_ref=item_ref,
            defaults={
                "score": score,
                "comment": comment.strip(),
                "recorded_by": actor,
                "recorded_at": now,
            },
        )
        audit_append(
            actor=actor,
            action="review.panel_score",
            subject_type="review_panel",
            subject_id=panel.pk,
            data={"item": item_ref, "score": str(score)},
        )
    return record


__all__ = [
    "DECLARATION_ZH",
    "ExpertIn",
    "ImportRejected",
    "Infeasible",
    "SheetRejected",
    "assignment_declare",
    "assignment_withdraw",
    "assignments_remind",
    "assignments_replace_overdue",
    "call_results",
    "conflict_record",
    "draw_commit",
    "draw_perform",
    "draw_verify",
    "expert_approve",
    "expert_import",
    "expert_register",
    "expert_update",
    "panel_create",
    "panel_score_record",
    "ranking_hand_off",
    "read_xlsx",
    "relation_declare",
    "sheet_submit",
]
