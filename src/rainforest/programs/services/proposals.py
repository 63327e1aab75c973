"""Proposal windows (项目建议征集), proposals and their review (项目建议评审)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.permissions import org_ids
from rainforest.audit.services import audit_append
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.core.policy import Citation, Decision, Reason
from rainforest.programs import domain
from rainforest.programs.models import Field, Proposal, ProposalSimilarity, ProposalWindow
from rainforest.programs.process import PROPOSAL
from rainforest.programs.services.common import optional_text, require_officer, text


def window_open(
    *,
    actor: User,
    field: Field,
    title: str,
    description: str = "",
    opens_at: datetime,
    closes_at: datetime,
    review_limit_workdays: int | None = None,
    now: datetime | None = None,
) -> ProposalWindow:
    """A programme officer opens a window for proposals in one field."""
    require_officer(actor)
    now = now or timezone.now()
    params = domain.parameters_on(domain.STAGE_LIMITS, timezone.localdate(now))
    limit = review_limit_workdays or params.integer("proposal_review")
    if limit < 1 or limit > 250:
        raise ValidationError(
            "评审时限应为 1 至 250 个工作日",
            "The review time limit must be 1 to 250 working days",
            field="review_limit_workdays",
            code="limit_invalid",
        )
    if closes_at <= opens_at:
        raise ValidationError(
            "截止时间应晚于开始时间",
            "The window must close after it opens",
            field="closes_at",
            code="window_invalid",
        )
    clean_title = text(title, field="title", label_zh="标题", label_en="title", limit=200)
    clean_description = optional_text(
        description, field="description", label_zh="说明", label_en="description", limit=5000
    )
    with transaction.atomic():
        window = ProposalWindow.objects.create(
            field=field,
            title=clean_title,
            description=clean_description,
            opens_at=opens_at,
            closes_at=closes_at,
            review_limit_workdays=limit,
            limits_version=params.label,
            created_by=actor,
            created_at=now,
        )
        audit_append(
            actor=actor,
            action="programs.window_opened",
            subject_type="proposal_window",
            subject_id=window.pk,
            data={
                "field": field.code,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "review_limit_workdays": limit,
                "parameters": params.label,
            },
        )
    return window


def proposal_submit(
    *,
    actor: User,
    organisation: Organisation,
    window: ProposalWindow,
    title: str,
    problem: str,
    target_indicators: str,
    why_now: str,
    suggested_budget: Decimal,
    now: datetime | None = None,
) -> Proposal:
    """Anyone registered proposes a project; near-duplicates are flagged to staff."""
    if organisation.pk not in org_ids(actor):
        raise PermissionDeniedError(
            "您不属于该单位，不能以其名义提交建议",
            "You do not belong to this organisation",
            field="organisation",
            code="forbidden",
        )
    now = now or timezone.now()
    domain.check_window(window.opens_at, window.closes_at, now)
    clean = {
        "title": text(title, field="title", label_zh="建议名称", label_en="title", limit=200),
        "problem": text(
            problem, field="problem", label_zh="拟解决的问题", label_en="problem", limit=5000
        ),
        "target_indicators": text(
            target_indicators,
            field="target_indicators",
            label_zh="目标指标",
            label_en="target indicators",
            limit=5000,
        ),
        "why_now": text(
            why_now,
            field="why_now",
            label_zh="必要性与紧迫性",
            label_en="reason why now",
            limit=5000,
        ),
    }
    if suggested_budget <= 0:
        raise ValidationError(
            "建议经费应大于零",
            "The suggested budget must be more than zero",
            field="suggested_budget",
            code="amount_invalid",
        )
    similarity = domain.parameters_on(domain.SIMILARITY, timezone.localdate(now))
    with transaction.atomic():
        case = case_open(
            process_code=PROPOSAL,
            actor=actor,
            owner_org=organisation,
            title=clean["title"],
            now=now,
            data={"window": window.pk, "field": window.field.code},
            time_limits={"proposal_review": window.review_limit_workdays},
        )
        proposal = Proposal.objects.create(
            window=window,
            field=window.field,
            case=case,
            proposer=actor,
            proposer_org=organisation,
            suggested_budget=suggested_budget,
            submitted_at=now,
            **clean,
        )
        earlier = (
            Proposal.objects.filter(field=window.field, submitted_at__lte=now)
            .exclude(pk=proposal.pk)
            .only("id", "title", "problem", "target_indicators")
        )
        hits = domain.find_similar(
            proposal.text,
            [domain.Earlier(p.pk, p.text) for p in earlier],
            threshold=similarity.decimal("proposal_threshold"),
            size=similarity.integer("shingle_size"),
        )
        ProposalSimilarity.objects.bulk_create(
            ProposalSimilarity(
                proposal=proposal,
                similar_to_id=hit.id,
                score=hit.score,
                parameters_version=similarity.label,
            )
            for hit in hits
        )
        audit_append(
            actor=actor,
            action="programs.proposal_submitted",
            subject_type="proposal",
            subject_id=proposal.pk,
            data={
                "case": case.number,
                "window": window.pk,
                "suggested_budget": suggested_budget,
                "similar": [{"id": h.id, "score": h.score} for h in hits],
                "parameters": similarity.label,
            },
        )
    return proposal


def proposal_group(
    *, actor: User, proposals: Sequence[Proposal], group: str, now: datetime | None = None
) -> int:
    """Staff put related proposals under one label (分组) before drafting a guideline."""
    require_officer(actor)
    label = optional_text(group, field="group", label_zh="分组", label_en="group", limit=100)
    ids = sorted(p.pk for p in proposals)
    if not ids:
        raise ValidationError(
            "请至少选择一项建议", "Choose at least one proposal", field="proposals", code="required"
        )
    with transaction.atomic():
        changed = Proposal.objects.filter(pk__in=ids).update(group=label)
        audit_append(
            actor=actor,
            action="programs.proposals_grouped",
            subject_type="proposal",
            subject_id=",".join(str(i) for i in ids),
            data={"group": label, "ids": ids},
        )
    return changed


def proposal_decide(
    *,
    actor: User,
    proposal: Proposal,
    accept: bool,
    reason: str,
    group: str | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Accept or decline a proposal with reasons, stored as a Decision on it and its case."""
    require_officer(actor)
    now = now or timezone.now()
    clean_reason = text(reason, field="reason", label_zh="理由", label_en="reason", limit=2000)
    label = (
        optional_text(group, field="group", label_zh="分组", label_en="group", limit=100)
        if group is not None
        else None
    )
    outcome = "accepted" if accept else "declined"
    decision = Decision(
        outcome=outcome,
        reasons=(Reason(clean_reason, clean_reason),),
        citations=(Citation(domain.MEASURES, "项目建议评审"),),
        parameters_name="",
        parameters_version="",
        facts={"proposal": proposal.pk, "group": label if label is not None else proposal.group},
    )
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=proposal.pk)
        )
        if locked.decided_at is not None:
            raise ConflictError(
                "该建议已有评审结论", "This proposal has already been decided", code="case_closed"
            )
        case_transition(
            case=locked.case,
            action="accept" if accept else "decline",
            actor=actor,
            reason=clean_reason,
            decision=decision.to_dict(),
            now=now,
        )
        locked.decided_at = now
        locked.decision = decision.to_dict()
        fields = ["decided_at", "decision"]
        if label is not None:
            locked.group = label
            fields.append("group")
        locked.save(update_fields=fields)
    return locked
