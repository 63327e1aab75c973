"""Ranking, the funding line and the decision list (排序及资助决策).

Applications are ranked by the experts' aggregated score (``domain_decision``), the
funding line is drawn within the call's total budget and number of projects, and staff
adjust the list with a recorded reason each. The full ranking with its scores is kept on
``RankingDecision.decision`` (staff only); each application gets a decision for its case
that says whether and why it is on the list, without the score. Publishing the notice
(``services.notice.notice_publish``) moves the cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ConflictError, DomainError, ValidationError
from rainforest.core.money import format_yuan
from rainforest.core.policy import Decision, ParameterSet, Reason, decide
from rainforest.programs import domain_decision as dd
from rainforest.programs import domain_ranking as dr
from rainforest.programs.models import (
    Application,
    ApplicationStatus,
    Call,
    FundingLine,
    RankingDecision,
)
from rainforest.programs.services.common import require_officer
from rainforest.programs.services.decision import (
    BEFORE_RANKING,
    RANKING,
    _case,
    _now,
    _params,
    criteria_of,
    scored_application,
)

# --- 7. ranking, the funding line and the decision list --------------------------------


def current_ranking(call: Call) -> RankingDecision | None:
    return call.rankings.filter(superseded=False).order_by("-decided_at", "-id").first()


def _refuse_after_notice(call: Call) -> None:
    if call.notices.exists():
        raise ConflictError(
            "拟立项名单已公示，不能再调整排序。",
            "The proposed list is already published; the ranking can no longer change.",
            code="notice_published",
        )


def _entry_decision(
    entry: dr.FundingEntry, params: ParameterSet, adjustment: dr.Adjustment | None
) -> Decision:
    """What the applicant's case says: on the list or not, and why — without the score."""
    funded = entry.funded
    if adjustment is not None:
        funded = adjustment.action == "include"
    amount = format_yuan(entry.requested_fiscal)
    if adjustment is not None and adjustment.action == "include":
        reason = Reason(
            f"经审定调整列入拟立项名单，拟资助 {amount}，理由：{adjustment.reason}",
            f"Included in the proposed list by an adjustment, {amount}; reason: "
            f"{adjustment.reason}",
        )
    elif adjustment is not None:
        reason = Reason(
            f"经审定调整未列入拟立项名单，理由：{adjustment.reason}",
            f"Left off the proposed list by an adjustment; reason: {adjustment.reason}",
        )
    elif funded:
        reason = Reason(
            f"按专家评审综合得分排序，在资助线以上，列入拟立项名单，拟资助 {amount}。",
            f"Ranked by the experts' aggregated score and above the funding line: on the "
            f"proposed list for {amount}.",
        )
    elif entry.why == "count_reached":
        reason = Reason(
            "按专家评审综合得分排序，本指南拟支持项目数已满，未列入资助。",
            "Ranked by the experts' aggregated score; the call's project places were taken: "
            "not funded.",
        )
    else:
        reason = Reason(
            "按专家评审综合得分排序，在资助线以下（本指南资助总额已按排名安排完毕），未列入资助。",
            "Ranked by the experts' aggregated score and below the funding line (the call's "
            "budget was allocated in rank order): not funded.",
        )
    return decide(
        "proposed" if funded else "not_funded",
        params,
        reasons=[reason],
        cite=["funding_line_mode", "adjustment_reason_min_chars"]
        if adjustment
        else ["funding_line_mode"],
        facts={
            "number": entry.number,
            "amount": entry.requested_fiscal if funded else Decimal("0.00"),
            "adjusted": adjustment is not None,
        },
    )


def _rankable(call: Call) -> list[Application]:
    apps = list(
        Application.objects.filter(
            call=call, status=ApplicationStatus.SUBMITTED, case__status="open"
        )
        .select_related("case")
        .prefetch_related("expert_scores")
        .order_by("pk")
    )
    pending = [a.case.number for a in apps if a.case and a.case.stage in BEFORE_RANKING]
    if pending:
        shown = "、".join(pending[:10]) + ("等" if len(pending) > 10 else "")
        raise ConflictError(
            f"尚有 {len(pending)} 份申请未完成形式审查或专家评审（{shown}），暂不能排序。",
            f"{len(pending)} application(s) have not finished formal or expert review "
            f"({', '.join(pending[:10])}); the call cannot be ranked yet.",
            code="review_not_finished",
        )
    ready = [a for a in apps if a.case and a.case.stage == RANKING]
    if not ready:
        raise ConflictError(
            "没有处于排序环节的申请。",
            "No application of this call is waiting to be ranked.",
            code="nothing_to_rank",
        )
    return ready


def _store(
    *,
    actor: User,
    call: Call,
    now: datetime,
    apps: Mapping[str, Application],
    line: dr.FundingLine,
    params: ParameterSet,
    extra: Mapping[str, Any],
    adjusted: dr.AdjustedList | None,
) -> RankingDecision:
    by_number = {a.number: a for a in (adjusted.adjustments if adjusted else ())}
    funded = set(adjusted.adjusted if adjusted else line.funded)
    total = sum((e.requested_fiscal for e in line.entries if e.number in funded), Decimal("0.00"))
    call.rankings.filter(superseded=False).update(superseded=True)
    ranking = RankingDecision.objects.create(
        call=call,
        decided_by=actor,
        decided_at=now,
        budget_total=call.funding_total,
        funded_total=total,
        decision={
            **extra,
            "mode": line.mode,
            "summary": line.decision.to_dict(),
            "entries": {e.number: e.decision.to_dict() for e in line.entries},
            "case_decisions": {
                e.number: _entry_decision(e, params, by_number.get(e.number)).to_dict()
                for e in line.entries
            },
            "adjustments": [
                {"number": a.number, "action": a.action, "reason": a.reason, "actor": a.actor}
                for a in (adjusted.adjustments if adjusted else ())
            ],
            "adjusted": adjusted.decision.to_dict() if adjusted else None,
        },
    )
    FundingLine.objects.bulk_create(
        FundingLine(
            ranking=ranking,
            application=apps[e.number],
            rank=e.rank,
            score=e.score,
            amount=e.requested_fiscal if e.number in funded else Decimal("0.00"),
            funded=e.number in funded,
            adjusted=e.number in by_number,
            adjustment_reason=by_number[e.number].reason if e.number in by_number else "",
        )
        for e in line.entries
    )
    return ranking


def ranking_draw(
    *, actor: User, call: Call, mode: str | None = None, now: datetime | None = None
) -> RankingDecision:
    """Rank the call's applications by aggregated score and draw the funding line.

    Every application of the call must have left formal and expert review. Drawing
    again (before the notice) replaces the ranking and drops its adjustments.
    """
    require_officer(actor)
    now = _now(now)
    params = _params(now)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        _refuse_after_notice(locked)
        ready = _rankable(locked)
        criteria = criteria_of(locked)
        scored = [scored_application(a) for a in ready]
        ranked = dr.rank_applications(scored, criteria, params=params)
        line = dr.draw_funding_line(
            ranked,
            dr.CallBudget(locked.funding_total, locked.projects_planned),
            params=params,
            mode=mode,  # type: ignore[arg-type]  # checked by the rule, which names the field
        )
        apps = {a.case.number: a for a in ready if a.case}
        ranking = _store(
            actor=actor,
            call=locked,
            now=now,
            apps=apps,
            line=line,
            params=params,
            extra={
                "ranks": {r.number: r.decision.to_dict() for r in ranked},
                "aggregates": {
                    r.number: r.aggregate.decision.to_dict() for r in ranked if r.aggregate
                },
            },
            adjusted=None,
        )
        audit_append(
            actor=actor,
            action="programs.ranking_drawn",
            subject_type="call",
            subject_id=locked.number,
            data={"ranking": ranking.pk, "decision": line.decision.to_dict()},
        )
    return ranking


def _drawn_line(ranking: RankingDecision, params: ParameterSet) -> dr.FundingLine:
    """The funding line as drawn (before adjustments), from the stored ranks and scores."""
    lines = list(ranking.lines.select_related("application", "application__case"))
    ranks = ranking.decision.get("ranks") or {}
    ranked = []
    for fl in lines:
        case = _case(fl.application)
        ranked.append(
            dr.RankedApplication(
                rank=fl.rank,
                number=case.number,
                score=fl.score,
                submitted_at=fl.application.submitted_at or ranking.decided_at,
                requested_fiscal=fl.application.fiscal_total or Decimal("0.00"),
                decision=Decision.from_dict(ranks[case.number]),
            )
        )
    mode = ranking.decision.get("mode", "stop")
    return dr.draw_funding_line(
        ranked,
        dr.CallBudget(ranking.call.funding_total, ranking.call.projects_planned),
        params=params,
        mode=mode,
    )


@dataclass(frozen=True)
class AdjustmentIn:
    """Move one application across the line: ``include`` or ``exclude``, with a reason."""

    application_id: int
    action: str
    reason: str


def _renamed(exc: DomainError, offset: int) -> DomainError:
    """``adjustments[3].reason`` (rule, over all adjustments) → ``adjustments.1.reason``."""
    field = exc.field or ""
    if field.startswith("adjustments["):
        index, _, rest = field[len("adjustments[") :].partition("]")
        name = {"number": "application_id"}.get(rest.lstrip("."), rest.lstrip("."))
        exc.field = f"adjustments.{int(index) - offset}.{name}"
    return exc


def ranking_adjust(
    *,
    actor: User,
    call: Call,
    adjustments: Sequence[AdjustmentIn],
    now: datetime | None = None,
) -> RankingDecision:
    """Staff adjust the list with a recorded reason each; the result still fits the call.

    Adjustments add up: each round makes a new ranking (the old one is superseded) that
    carries all adjustments so far. An application is adjusted once; to start over,
    draw the ranking again.
    """
    require_officer(actor)
    now = _now(now)
    if not adjustments:
        raise ValidationError(
            "请至少填写一项调整",
            "Enter at least one adjustment",
            field="adjustments",
            code="required",
        )
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        _refuse_after_notice(locked)
        ranking = current_ranking(locked)
        if ranking is None:
            raise ConflictError(
                "尚未排序，请先排序并划定资助线。",
                "The call is not ranked yet; rank it and draw the funding line first.",
                code="no_ranking",
            )
        params = dd.ranking_parameters(timezone.localdate(ranking.decided_at))
        line = _drawn_line(ranking, params)
        numbers = {
            fl.application_id: fl.application.case.number
            for fl in ranking.lines.select_related("application__case")
            if fl.application.case
        }
        earlier = [
            dr.Adjustment(a["number"], a["action"], a["reason"], a["actor"])
            for a in ranking.decision.get("adjustments", [])
        ]
        new: list[dr.Adjustment] = []
        for i, adj in enumerate(adjustments):
            number = numbers.get(adj.application_id)
            if number is None:
                raise ValidationError(
                    "该申请不在本次排名中，无法调整。",
                    "The application is not in this ranking and cannot be adjusted.",
                    field=f"adjustments.{i}.application_id",
                    code="adjustment_unknown",
                )
            new.append(
                dr.Adjustment(number, adj.action, adj.reason, str(actor))  # type: ignore[arg-type]  # the rule checks the action
            )
        try:
            adjusted = dr.apply_adjustments(line, [*earlier, *new], params=params)
        except DomainError as exc:
            raise _renamed(exc, len(earlier)) from None
        apps = {
            fl.application.case.number: fl.application
            for fl in ranking.lines.select_related("application__case")
            if fl.application.case
        }
        extra = {k: ranking.decision.get(k) for k in ("ranks", "aggregates")}
        new_ranking = _store(
            actor=actor,
            call=locked,
            now=now,
            apps=apps,
            line=line,
            params=params,
            extra=extra,
            adjusted=adjusted,
        )
        audit_append(
            actor=actor,
            action="programs.ranking_adjusted",
            subject_type="call",
            subject_id=locked.number,
            data={"ranking": new_ranking.pk, "decision": adjusted.decision.to_dict()},
        )
    return new_ranking
