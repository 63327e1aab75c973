"""The draw: inputs and commitment first, then the sample with the revealed seed."""

from __future__ import annotations

import secrets
from datetime import datetime
from fractions import Fraction
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.cases.services import notify
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review import domain_fit as fit_rules
from rainforest.review.domain_assignment import Fractional, draw, parse_q, solve_fractional
from rainforest.review.domain_commitment import (
    commitment,
    problem_from_dict,
    problem_to_dict,
    seed_digest,
    verify,
)
from rainforest.review.models import (
    Assignment,
    Availability,
    Draw,
    DrawStatus,
    Expert,
    ExpertStatus,
)
from rainforest.review.services._common import (
    due_after,
    expert_profiles,
    now_or,
    staff_conflicts,
    today_of,
)
from rainforest.review.services.call_settings import settings_for


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


def draw_commit(
    *,
    actor: User,
    call_ref: str,
    k: int | None = None,
    load: int | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> Draw:
    """Build the inputs, check the draw is feasible and publish the commitment.

    k, L and q left out come from the call's review settings (or the defaults); the
    record keeps the values used. Raises :class:`Infeasible` (nothing saved) naming the
    items that cannot be staffed. The seed is drawn here from the operating system and
    kept secret until the draw.
    """
    now = now_or(now)
    day = today_of(now)
    avoidance = rules.parameters_on(rules.AVOIDANCE, day)
    draw_params = rules.parameters_on(rules.DRAW, day)
    scoring = rules.parameters_on(rules.SCORING, day)
    preset = settings_for(call_ref, day=day)
    k = preset.k if k is None else k
    load = preset.load if load is None else load
    cap = preset.q if q is None else parse_q(q)
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
    due = due_after(now, workdays)
    experts = _available_experts(now, due)
    conflicts = staff_conflicts(call_ref)
    plan = fit_rules.build_problem(
        items,
        expert_profiles(experts),
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
    now = now_or(now)
    with transaction.atomic():
        record = Draw.objects.select_for_update().get(pk=draw_record.pk)
        if record.status != DrawStatus.COMMITTED:
            raise ConflictError("该抽取已经完成。", "This draw has already been made.")
        problem = problem_from_dict(record.inputs)
        b = problem.q.denominator
        flow = np.asarray(record.fractional_flow, dtype=np.int64)
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
                    title_en="You were drawn as a reviewer",
                    body_en="Please sign in, declare that you have no conflict of interest, "
                    "then review.",
                )
    return record


def draw_verify(record: Draw) -> Any:
    """Recompute a drawn record from its published inputs and revealed seed."""
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
