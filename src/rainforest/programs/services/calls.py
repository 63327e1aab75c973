"""Guidelines (申请指南): drafted from accepted proposals, then published."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ConflictError, ValidationError
from rainforest.programs import domain, domain_formal_review
from rainforest.programs.models import (
    Call,
    CallDirection,
    CallStatus,
    Field,
    OrganisationMode,
    Proposal,
    ReviewCriterion,
)
from rainforest.programs.services.common import (
    next_number,
    optional_text,
    require_officer,
    text,
)

# Stage limits a call may set for itself (working days).
CALL_STAGE_LIMITS = ("formal_review", "correction", "expert_review", "approval_contract")


@dataclass(frozen=True)
class DirectionIn:
    title: str
    target_indicators: str
    content: str = ""


@dataclass(frozen=True)
class CriterionIn:
    name: str
    weight: int


@dataclass(frozen=True)
class CallIn:
    title: str
    field: Field
    summary: str
    funding_per_project: Decimal
    funding_total: Decimal
    projects_planned: int
    opens_at: datetime
    closes_at: datetime
    directions: Sequence[DirectionIn]
    criteria: Sequence[CriterionIn]
    require_city_registration: bool = True
    min_self_funding_percent: Decimal = Decimal("0")
    max_concurrent_per_pi: int = 2
    required_attachments: Sequence[str] = ()
    organisation_mode: str = OrganisationMode.STANDARD
    notice_period_workdays: int | None = None
    stage_limits: dict[str, int] = field(default_factory=dict)
    source_proposals: Sequence[Proposal] = ()


def _clean(data: CallIn, now: datetime) -> dict[str, object]:
    params = domain.parameters_on(domain.STAGE_LIMITS, timezone.localdate(now))
    if data.funding_per_project <= 0:
        raise ValidationError(
            "单项资助上限应大于零",
            "The funding per project must be more than zero",
            field="funding_per_project",
            code="amount_invalid",
        )
    if data.funding_total < data.funding_per_project:
        raise ValidationError(
            "资助总额不能少于单项资助上限",
            "The total funding cannot be less than the funding per project",
            field="funding_total",
            code="amount_invalid",
        )
    if not 1 <= data.projects_planned <= 10000:
        raise ValidationError(
            "拟支持项目数应为 1 至 10000",
            "The number of projects must be from 1 to 10000",
            field="projects_planned",
            code="number_invalid",
        )
    if not 1 <= data.max_concurrent_per_pi <= 20:
        raise ValidationError(
            "项目负责人同期主持项目数上限应为 1 至 20",
            "The limit of concurrent projects per principal investigator must be from 1 to 20",
            field="max_concurrent_per_pi",
            code="number_invalid",
        )
    domain.check_percent(data.min_self_funding_percent, field="min_self_funding_percent")
    if data.closes_at <= data.opens_at:
        raise ValidationError(
            "申报截止时间应晚于开始时间",
            "Applications must close after they open",
            field="closes_at",
            code="window_invalid",
        )
    unknown = [
        k for k in data.required_attachments if k not in domain_formal_review.ATTACHMENT_KINDS
    ]
    if unknown:
        raise ValidationError(
            f"未知的附件类型：{'、'.join(unknown)}",
            f"Unknown attachment kinds: {', '.join(unknown)}",
            field="required_attachments",
            code="unknown_kind",
        )
    if data.organisation_mode not in OrganisationMode.values:
        raise ValidationError(
            "组织方式不是可选的值之一",
            "The organisation mode is not one of the allowed values",
            field="organisation_mode",
            code="unknown_mode",
        )
    if not data.directions:
        raise ValidationError(
            "请至少填写一个研究方向及其考核指标",
            "Enter at least one research direction with its target indicators",
            field="directions",
            code="required",
        )
    domain.check_weights([c.weight for c in data.criteria])
    limits = {key: params.integer(key) for key in CALL_STAGE_LIMITS}
    for key, value in data.stage_limits.items():
        if key not in CALL_STAGE_LIMITS:
            raise ValidationError(
                f"不能为环节 {key} 设置时限",
                f"Stage {key!r} has no time limit a call can set",
                field="stage_limits",
                code="unknown_stage",
            )
        if not 1 <= value <= 250:
            raise ValidationError(
                "环节时限应为 1 至 250 个工作日",
                "A stage time limit must be 1 to 250 working days",
                field=f"stage_limits.{key}",
                code="limit_invalid",
            )
        limits[key] = value
    notice = data.notice_period_workdays or params.integer("public_notice")
    if not 1 <= notice <= 60:
        raise ValidationError(
            "公示期应为 1 至 60 个工作日",
            "The notice period must be 1 to 60 working days",
            field="notice_period_workdays",
            code="limit_invalid",
        )
    limits["public_notice"] = notice
    not_accepted = [p.pk for p in data.source_proposals if p.case.stage != "accepted"]
    if not_accepted:
        raise ValidationError(
            "只能依据已采纳的项目建议编制指南",
            "A guideline can only draw on accepted proposals",
            field="source_proposals",
            code="proposal_not_accepted",
        )
    return {
        "title": text(data.title, field="title", label_zh="指南名称", label_en="title", limit=200),
        "summary": optional_text(
            data.summary, field="summary", label_zh="指南说明", label_en="summary", limit=20000
        ),
        "field": data.field,
        "funding_per_project": data.funding_per_project,
        "funding_total": data.funding_total,
        "projects_planned": data.projects_planned,
        "require_city_registration": data.require_city_registration,
        "min_self_funding_percent": data.min_self_funding_percent,
        "max_concurrent_per_pi": data.max_concurrent_per_pi,
        "required_attachments": list(dict.fromkeys(data.required_attachments)),
        "organisation_mode": data.organisation_mode,
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "stage_limits": limits,
        "limits_version": params.label,
        "notice_period_workdays": notice,
    }


def _children(data: CallIn) -> tuple[list[CallDirection], list[ReviewCriterion]]:
    directions = [
        CallDirection(
            order=i,
            title=text(
                d.title,
                field=f"directions.{i}.title",
                label_zh="方向名称",
                label_en="title",
                limit=200,
            ),
            target_indicators=text(
                d.target_indicators,
                field=f"directions.{i}.target_indicators",
                label_zh="考核指标",
                label_en="target indicators",
                limit=5000,
            ),
            content=optional_text(
                d.content,
                field=f"directions.{i}.content",
                label_zh="研究内容",
                label_en="content",
                limit=5000,
            ),
        )
        for i, d in enumerate(data.directions)
    ]
    criteria = [
        ReviewCriterion(
            order=i,
            name=text(
                c.name,
                field=f"criteria.{i}.name",
                label_zh="评审标准",
                label_en="criterion",
                limit=100,
            ),
            weight=c.weight,
        )
        for i, c in enumerate(data.criteria)
    ]
    return directions, criteria


def call_create(*, actor: User, data: CallIn, now: datetime | None = None) -> Call:
    """A programme officer drafts a guideline; a draft is not public."""
    require_officer(actor)
    now = now or timezone.now()
    clean = _clean(data, now)
    directions, criteria = _children(data)
    with transaction.atomic():
        year = timezone.localtime(now).year
        call = Call.objects.create(
            number=f"RDG-{year}-{next_number('RDG', now):04d}",
            created_by=actor,
            created_at=now,
            **clean,  # type: ignore[arg-type]  # checked by _clean
        )
        for item in directions:
            item.call = call
        for criterion in criteria:
            criterion.call = call
        CallDirection.objects.bulk_create(directions)
        ReviewCriterion.objects.bulk_create(criteria)
        call.source_proposals.set(list(data.source_proposals))
        audit_append(
            actor=actor,
            action="programs.call_drafted",
            subject_type="call",
            subject_id=call.number,
            data={
                **{k: v for k, v in clean.items() if k not in ("field", "summary")},
                "field": data.field.code,
                "directions": len(directions),
                "criteria": [{"name": c.name, "weight": c.weight} for c in criteria],
                "source_proposals": sorted(p.pk for p in data.source_proposals),
            },
        )
    return call


def call_update(*, actor: User, call: Call, data: CallIn, now: datetime | None = None) -> Call:
    """Change a draft guideline; a published one is fixed."""
    require_officer(actor)
    now = now or timezone.now()
    clean = _clean(data, now)
    directions, criteria = _children(data)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.status != CallStatus.DRAFT:
            raise ConflictError(
                "指南已发布，不能再修改",
                "The guideline is published and can no longer be changed",
                code="call_published",
            )
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.save()
        locked.directions.all().delete()
        locked.criteria.all().delete()
        for item in directions:
            item.call = locked
        for criterion in criteria:
            criterion.call = locked
        CallDirection.objects.bulk_create(directions)
        ReviewCriterion.objects.bulk_create(criteria)
        locked.source_proposals.set(list(data.source_proposals))
        audit_append(
            actor=actor,
            action="programs.call_updated",
            subject_type="call",
            subject_id=locked.number,
            data={k: v for k, v in clean.items() if k not in ("field", "summary")},
        )
    return locked


def call_publish(*, actor: User, call: Call, now: datetime | None = None) -> Call:
    """Publishing makes the guideline public (page and API)."""
    require_officer(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.status != CallStatus.DRAFT:
            raise ConflictError(
                "指南已发布", "The guideline is already published", code="call_published"
            )
        if locked.closes_at <= now:
            raise ValidationError(
                "申报截止时间已过，请先修改申报时间再发布",
                "The closing time has passed; change the window before publishing",
                field="closes_at",
                code="window_invalid",
            )
        locked.status = CallStatus.PUBLISHED
        locked.published_at = now
        locked.published_by = actor
        locked.save(update_fields=["status", "published_at", "published_by"])
        audit_append(
            actor=actor,
            action="programs.call_published",
            subject_type="call",
            subject_id=locked.number,
            data={"opens_at": locked.opens_at, "closes_at": locked.closes_at},
        )
    return locked
