"""揭榜挂帅 (open challenge): publish a list, teams take it up, a defence selects, each gate
passed pays its tranche, the first gate missed stops the team.

The challenge's budget goes on the ledger when it is published (市财政 → 榜单预算); a
team's tranche is a posting from it to the team's account with a key per team and gate,
so a gate is never paid twice. ``challenge_evaluate`` applies ``challenge_standings`` to
every selected team: it pays what a team has earned and stops a team that missed a gate,
all ledger postings first and the case transitions after (the lock order of the ledger).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.audit.services import audit_append
from rainforest.cases.services import case_open, case_transition
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.core.policy import Decision
from rainforest.ledger.models import AccountKind
from rainforest.ledger.services import ledger_post
from rainforest.programs import domain_challenge as dch
from rainforest.programs import domain_execution as dx
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import (
    Challenge,
    ChallengeGate,
    ChallengeStatus,
    ChallengeTeam,
    ChallengeTranche,
    Field,
    GateReport,
    GateReportStatus,
    TeamStatus,
)
from rainforest.programs.permissions_execution import can_act_for_org
from rainforest.programs.process_modes import CHALLENGE
from rainforest.programs.services.common import next_number, optional_text, text
from rainforest.programs.services.execution import (
    FISCAL_ACCOUNT,
    _ensure_account,
    _now,
    require_manager,
)


@dataclass(frozen=True)
class GateIn:
    title: str
    deadline: datetime
    share: Decimal


def challenge_account(challenge: Challenge) -> str:
    return f"programs:challenge:{challenge.number}"


def team_account(team: ChallengeTeam) -> str:
    return f"programs:challenge-team:{team.challenge.number}:{team.pk}"


def challenge_tranche_key(team: ChallengeTeam, gate: ChallengeGate) -> str:
    return f"programs:challenge-pay:{team.challenge.number}:{team.pk}:{gate.code}"


def _lock_challenge(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


# --- the bureau's list ----------------------------------------------------------------


def challenge_create(
    *,
    actor: User,
    title: str,
    goal: str,
    funding_per_team: Decimal,
    max_teams: int,
    takeup_closes_at: datetime,
    gates: Sequence[GateIn],
    field: Field | None = None,
    now: datetime | None = None,
) -> Challenge:
    """Draft a challenge list (榜单) with its gates; nothing is public yet."""
    require_manager(actor)
    now = _now(now)
    title = text(title, field="title", label_zh="榜单名称", label_en="title", limit=200)
    goal = text(goal, field="goal", label_zh="攻关目标", label_en="goal", limit=10000)
    cleaned = [
        (
            text(
                g.title, field=f"gates.{i}.title", label_zh="节点名称", label_en="gate", limit=200
            ),
            g.deadline,
            g.share,
        )
        for i, g in enumerate(gates)
    ]
    if takeup_closes_at <= now:
        raise ValidationError(
            "揭榜截止时间应晚于现在。",
            "Take-up must close in the future.",
            field="takeup_closes_at",
            code="date_invalid",
        )
    dm.check_challenge_plan(
        cleaned,
        funding_per_team=funding_per_team,
        max_teams=max_teams,
        takeup_closes_at=takeup_closes_at,
        params=dm.modes_parameters(timezone.localdate(now)),
    )
    with transaction.atomic():
        year = timezone.localtime(now).year
        number = f"JB-{year}-{next_number('RDJB', now):03d}"
        challenge = Challenge.objects.create(
            number=number,
            title=title,
            field=field,
            goal=goal,
            funding_per_team=funding_per_team,
            max_teams=max_teams,
            takeup_closes_at=takeup_closes_at,
            created_by=actor,
            created_at=now,
        )
        ordered = sorted(cleaned, key=lambda g: g[1])
        ChallengeGate.objects.bulk_create(
            ChallengeGate(
                challenge=challenge,
                order=i,
                code=f"G{i}",
                title=t,
                deadline=d,
                share=s,
            )
            for i, (t, d, s) in enumerate(ordered, start=1)
        )
        audit_append(
            actor=actor,
            action="programs.challenge_create",
            subject_type="challenge",
            subject_id=number,
            data={
                "funding_per_team": str(funding_per_team),
                "max_teams": max_teams,
                "gates": [[t, d.isoformat(), str(s)] for t, d, s in ordered],
            },
        )
    return challenge


def challenge_publish(
    *, actor: User, challenge: Challenge, now: datetime | None = None
) -> Challenge:
    """Publish the list (发榜) and put its budget on the ledger."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        locked = _lock_challenge(challenge)
        if locked.status != ChallengeStatus.DRAFT:
            raise ConflictError(
                "榜单已经发布。", "The challenge is already published.", code="challenge_published"
            )
        if locked.takeup_closes_at <= now:
            raise ConflictError(
                "揭榜截止时间已过，请修改后再发布。",
                "Take-up has already closed; change it before publishing.",
                code="date_invalid",
            )
        _ensure_account(
            FISCAL_ACCOUNT, "市财政（科技计划资金来源）", AccountKind.FUNDING, allow_negative=True
        )
        code = challenge_account(locked)
        _ensure_account(code, f"{locked.number} 榜单预算", AccountKind.BUDGET)
        total = locked.funding_per_team * locked.max_teams
        ledger_post(
            key=f"programs:challenge-budget:{locked.number}",
            entries=[(FISCAL_ACCOUNT, -total), (code, total)],
            memo=f"{locked.number} 榜单预算下达 / challenge budget",
            actor=actor,
        )
        locked.status = ChallengeStatus.PUBLISHED
        locked.published_at = now
        locked.budget_account = code
        locked.save(update_fields=["status", "published_at", "budget_account"])
        audit_append(
            actor=actor,
            action="programs.challenge_publish",
            subject_type="challenge",
            subject_id=locked.number,
            data={"budget": str(total)},
        )
    return locked


# --- teams ----------------------------------------------------------------------------


def challenge_take_up(
    *,
    actor: User,
    challenge: Challenge,
    organisation: Organisation,
    leader_name: str,
    plan: str,
    now: datetime | None = None,
) -> ChallengeTeam:
    """A team takes up the challenge (揭榜); its case waits for the defence."""
    if not can_act_for_org(actor, organisation.pk):
        raise PermissionDeniedError(
            "只有该单位的申报人可以为其揭榜",
            "Only an applicant of this organisation may take the challenge up for it",
            field="organisation",
            code="forbidden",
        )
    now = _now(now)
    leader_name = text(
        leader_name, field="leader_name", label_zh="团队负责人", label_en="team leader", limit=100
    )
    plan = text(plan, field="plan", label_zh="攻关方案", label_en="plan", limit=20000)
    with transaction.atomic():
        locked = _lock_challenge(challenge)
        decision = dm.decide_takeup(
            published=locked.status == ChallengeStatus.PUBLISHED,
            closes_at=locked.takeup_closes_at,
            now=now,
            teams=ChallengeTeam.objects.filter(challenge=locked).count(),
            already_taken=ChallengeTeam.objects.filter(
                challenge=locked, organisation=organisation
            ).exists(),
            params=dm.modes_parameters(timezone.localdate(now)),
        )
        if decision.outcome != "allowed":
            raise ConflictError(
                "不能揭榜：" + "".join(r.zh for r in decision.reasons),
                "Cannot take it up: " + " ".join(r.en for r in decision.reasons),
                code="takeup_refused",
            )
        case = case_open(
            process_code=CHALLENGE,
            actor=actor,
            owner_org=organisation,
            title=f"{locked.number} {locked.title}：{organisation.name} 揭榜",
            now=now,
            data={"challenge": locked.number},
        )
        team = ChallengeTeam.objects.create(
            challenge=locked,
            organisation=organisation,
            case=case,
            leader_name=leader_name,
            plan=plan,
            taken_up_at=now,
            taken_up_by=actor,
        )
    return team


def _lock_team(team: ChallengeTeam) -> ChallengeTeam:
    return (
        ChallengeTeam.objects.select_for_update(of=("self",))
        .select_related("challenge", "case", "organisation")
        .get(pk=team.pk)
    )


def team_select(
    *,
    actor: User,
    team: ChallengeTeam,
    selected: bool,
    reason: str = "",
    now: datetime | None = None,
) -> ChallengeTeam:
    """After the defence (答辩) staff select a team, or not, with the reason."""
    require_manager(actor)
    now = _now(now)
    reason = optional_text(reason, field="reason", label_zh="理由", label_en="reason", limit=2000)
    with transaction.atomic():
        challenge = _lock_challenge(team.challenge)
        locked = _lock_team(team)
        if selected:
            chosen = ChallengeTeam.objects.filter(
                challenge=challenge,
                status__in=[TeamStatus.ACTIVE, TeamStatus.STOPPED, TeamStatus.COMPLETED],
            ).count()
            if chosen >= challenge.max_teams:
                raise ConflictError(
                    f"本榜单最多支持 {challenge.max_teams} 个团队，已选满。",
                    f"At most {challenge.max_teams} team(s) are supported; all are chosen.",
                    code="challenge_full",
                )
            account = team_account(locked)
            _ensure_account(account, f"{challenge.number} {locked.organisation.name}", "other")
        case_transition(
            case=locked.case,
            action="select" if selected else "not_select",
            actor=actor,
            reason=reason,
            now=now,
        )
        locked.status = TeamStatus.ACTIVE if selected else TeamStatus.NOT_SELECTED
        locked.defence_reason = reason
        locked.selected_at = now if selected else None
        locked.account = team_account(locked) if selected else ""
        locked.save(update_fields=["status", "defence_reason", "selected_at", "account"])
    return locked


def team_withdraw(*, actor: User, team: ChallengeTeam, now: datetime | None = None) -> None:
    now = _now(now)
    with transaction.atomic():
        locked = _lock_team(team)
        case_transition(case=locked.case, action="withdraw", actor=actor, now=now)
        locked.status = TeamStatus.WITHDRAWN
        locked.save(update_fields=["status"])


# --- gate reports ---------------------------------------------------------------------


def gate_report_submit(
    *,
    actor: User,
    team: ChallengeTeam,
    gate: ChallengeGate,
    body: str,
    now: datetime | None = None,
) -> GateReport:
    """The team reports on a gate by its deadline (inclusive)."""
    if not can_act_for_org(actor, team.organisation_id):
        raise PermissionDeniedError(
            "只有揭榜团队可以提交节点报告",
            "Only the team may report on its gates",
            code="forbidden",
        )
    now = _now(now)
    body = text(body, field="report", label_zh="节点报告", label_en="report", limit=20000)
    with transaction.atomic():
        locked = _lock_team(team)
        if gate.challenge_id != locked.challenge_id:
            raise ValidationError(
                "该节点不属于本榜单。",
                "The gate is not of this challenge.",
                field="gate",
                code="gate_unknown",
            )
        if locked.status != TeamStatus.ACTIVE:
            raise ConflictError(
                f"团队当前状态为「{locked.get_status_display()}」，不能提交节点报告。",
                f"The team is {locked.status}; it cannot report.",
                code="team_not_active",
            )
        if now > gate.deadline:
            raise ConflictError(
                f"节点「{gate.title}」已于 {timezone.localtime(gate.deadline):%Y-%m-%d %H:%M} 截止。",
                f"Gate '{gate.title}' closed at {timezone.localtime(gate.deadline):%Y-%m-%d %H:%M}.",
                code="gate_deadline_passed",
            )
        if GateReport.objects.filter(team=locked, gate=gate).exists():
            raise ConflictError(
                "该节点的报告已经提交。",
                "The report for this gate is already in.",
                code="gate_report_exists",
            )
        report = GateReport.objects.create(
            team=locked, gate=gate, report=body, submitted_at=now, submitted_by=actor
        )
        audit_append(
            actor=actor,
            action="programs.gate_report_submit",
            subject_type="challenge_team",
            subject_id=locked.case.number,
            data={"gate": gate.code},
        )
    return report


def gate_report_review(
    *,
    actor: User,
    report: GateReport,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> GateReport:
    """Staff accept or reject a gate report, then the standings are applied at once."""
    require_manager(actor)
    now = _now(now)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError(
            "判定节点未通过须说明理由",
            "Give the reason for rejecting the report",
            field="reason",
            code="reason_required",
        )
    with transaction.atomic():
        locked = (
            GateReport.objects.select_for_update(of=("self",))
            .select_related("team", "team__challenge", "gate")
            .get(pk=report.pk)
        )
        if locked.status != GateReportStatus.SUBMITTED:
            raise ConflictError(
                "该节点报告已有结论。", "The report is already decided.", code="report_decided"
            )
        locked.status = GateReportStatus.ACCEPTED if accept else GateReportStatus.REJECTED
        locked.reviewed_at = now
        locked.reviewed_by = actor
        locked.review_reason = reason
        locked.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_reason"])
        _evaluate(actor, _lock_challenge(locked.team.challenge), now)
        audit_append(
            actor=actor,
            action="programs.gate_report_accept" if accept else "programs.gate_report_reject",
            subject_type="challenge_team",
            subject_id=locked.team_id,
            data={"gate": locked.gate.code, "reason": reason},
        )
    return locked


# --- standings: pay what was earned, stop who missed ----------------------------------


def challenge_evaluate(
    *, actor: User, challenge: Challenge, now: datetime | None = None
) -> tuple[dch.TeamStanding, ...]:
    """Apply ``challenge_standings`` now (e.g. after a gate's deadline passed)."""
    require_manager(actor)
    now = _now(now)
    with transaction.atomic():
        return _evaluate(actor, _lock_challenge(challenge), now)


def _evaluate(actor: User, challenge: Challenge, now: datetime) -> tuple[dch.TeamStanding, ...]:
    params = dx.execution_parameters(timezone.localdate(now))
    gates = list(ChallengeGate.objects.filter(challenge=challenge).order_by("deadline", "order"))
    teams = list(
        ChallengeTeam.objects.select_for_update(of=("self",))
        .select_related("case", "challenge")
        .filter(challenge=challenge, status=TeamStatus.ACTIVE)
        .order_by("pk")
    )
    if not teams or not gates:
        return ()
    by_id = {str(t.pk): t for t in teams}
    gate_by_code = {g.code: g for g in gates}
    reports = [
        dch.GateReport(str(r.team_id), r.gate.code, r.status, r.submitted_at)  # type: ignore[arg-type]  # the three statuses
        for r in GateReport.objects.filter(team__in=teams).select_related("gate")
    ]
    standings = dch.challenge_standings(
        [dch.ChallengeGate(g.code, g.title, g.deadline, g.share) for g in gates],
        list(by_id),
        reports,
        funding_per_team=challenge.funding_per_team,
        now=now,
        params=params,
    )
    schedule = dx.payment_schedule(
        challenge.funding_per_team,
        params=params,
        plan=[dx.TrancheSpec(g.code, g.share) for g in gates],
    )
    index_of = {t.gate: t.index for t in schedule.tranches}
    paid = {
        (str(p.team_id), p.gate.code)
        for p in ChallengeTranche.objects.filter(team__in=teams).select_related("gate")
    }
    # Ledger first, for every team; case transitions and audit records after.
    payments: list[tuple[ChallengeTeam, ChallengeGate, dx.Tranche, Decision, str]] = []
    for standing in standings:
        team = by_id[standing.team_id]
        released = {index_of[g] for (tid, g) in paid if tid == standing.team_id}
        for tranche in standing.releasable:
            if (standing.team_id, tranche.gate) in paid:
                continue
            decision = dx.can_release_tranche(
                schedule,
                tranche.index,
                accepted_gates=standing.passed_gates,
                released=released,
                params=params,
                stopped=standing.status == "stopped",
            )
            if decision.outcome != "release":
                continue
            gate = gate_by_code[tranche.gate]
            key = challenge_tranche_key(team, gate)
            ledger_post(
                key=key,
                entries=[
                    (challenge.budget_account, -tranche.amount),
                    (team.account, tranche.amount),
                ],
                memo=f"{challenge.number} 节点「{gate.title}」拨付 / gate tranche",
                actor=actor,
            )
            released.add(tranche.index)
            payments.append((team, gate, tranche, decision, key))
    for team, gate, tranche, decision, key in payments:
        ChallengeTranche.objects.create(
            team=team,
            gate=gate,
            amount=tranche.amount,
            released_at=now,
            released_by=actor,
            ledger_key=key,
            decision=decision.to_dict(),
        )
        audit_append(
            actor=actor,
            action="programs.challenge_tranche",
            subject_type="challenge_team",
            subject_id=team.case.number,
            data={"gate": gate.code, "amount": str(tranche.amount), "key": key},
        )
    for standing in standings:
        team = by_id[standing.team_id]
        team.standing = standing.decision.to_dict()
        fields = ["standing"]
        reasons = "".join(r.zh for r in standing.decision.reasons)
        if standing.status == "stopped":
            case_transition(
                case=team.case,
                action="stop",
                actor=actor,
                reason=reasons,
                context={"gate_missed": True},
                decision=standing.decision.to_dict(),
                now=now,
            )
            team.status = TeamStatus.STOPPED
            team.stopped_at_gate = gate_by_code.get(standing.stopped_at_gate or "")
            fields += ["status", "stopped_at_gate"]
        elif standing.status == "completed":
            case_transition(
                case=team.case,
                action="complete",
                actor=actor,
                reason=reasons,
                context={"all_gates_passed": True},
                decision=standing.decision.to_dict(),
                now=now,
            )
            team.status = TeamStatus.COMPLETED
            fields.append("status")
        team.save(update_fields=fields)
    return standings
