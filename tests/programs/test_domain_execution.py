"""programs/domain_execution.py: tranches, 揭榜挂帅 gates, milestone reminders, change
requests, final acceptance and recovery of funds. Pure: no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.policy import Decision
from rainforest.core.workdays import WorkCalendar
from rainforest.programs.domain_challenge import ChallengeGate, GateReport, challenge_standings
from rainforest.programs.domain_changes import BudgetLineChange, ChangeRequest, route_change_request
from rainforest.programs.domain_closure import ExpertOpinion, decide_acceptance, decide_recovery
from rainforest.programs.domain_execution import (
    CONTRACT_SIGNED,
    EXECUTION,
    FINAL_ACCEPTED,
    MIDTERM_ACCEPTED,
    PARAMETERS,
    MilestoneDue,
    TrancheSpec,
    can_release_tranche,
    classify_milestone,
    classify_milestones,
    execution_parameters,
    payment_schedule,
    split_tranches,
)

SH = ZoneInfo("Asia/Shanghai")
P = execution_parameters(date(2026, 9, 30))
CAL = WorkCalendar()


def test_parameters_every_value_cited_and_defaults_marked() -> None:
    ps = PARAMETERS.in_force(EXECUTION, date(2026, 9, 30))
    assert sorted(ps.citations) == sorted(ps.values)
    assert ps.citation("tranche_plan").article.startswith("平台默认值")


# -- payment tranches -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "amounts"),
    [
        ("1000000.00", ("400000.00", "400000.00", "200000.00")),
        ("100.01", ("40.00", "40.00", "20.01")),  # 40.004 rounds down; the last takes the rest
        ("0.01", ("0.00", "0.00", "0.01")),
        ("0.00", ("0.00", "0.00", "0.00")),
    ],
)
def test_payment_schedule_default_plan_40_40_20(total: str, amounts: tuple[str, ...]) -> None:
    schedule = payment_schedule(Decimal(total), params=P)
    assert [(t.index, t.gate, t.amount) for t in schedule.tranches] == [
        (1, CONTRACT_SIGNED, Decimal(amounts[0])),
        (2, MIDTERM_ACCEPTED, Decimal(amounts[1])),
        (3, FINAL_ACCEPTED, Decimal(amounts[2])),
    ]


def test_payment_schedule_explains_in_words() -> None:
    schedule = payment_schedule(Decimal("1000000.00"), params=P)
    assert schedule.decision.reasons[0].zh == (
        "财政资金 1,000,000.00元 分 3 期拨付：第1期 任务书签订后拨付 40%，400,000.00元；"
        "第2期 中期检查通过后拨付 40%，400,000.00元；第3期 验收通过后拨付 20%，200,000.00元。"
        "各期按比例计算、舍去不足一分的部分，尾差计入最后一期。"
    )


def test_payment_schedule_lump_sum_paid_at_once() -> None:
    schedule = payment_schedule(Decimal("500000.00"), params=P, lump_sum=True)
    assert (
        [(t.gate, t.amount) for t in schedule.tranches],
        schedule.decision.reasons[1].zh,
    ) == (
        [(CONTRACT_SIGNED, Decimal("500000.00"))],
        "包干制项目：预算不分科目，只按总额拨付，项目负责人自主使用经费。",
    )


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        ((), "tranche_plan_empty"),
        (
            (TrancheSpec("a", Decimal("0.5")), TrancheSpec("b", Decimal("0.49"))),
            "tranche_shares_total",
        ),
        (
            (TrancheSpec("a", Decimal("0.5")), TrancheSpec("b", Decimal("0.51"))),
            "tranche_shares_total",
        ),
        ((TrancheSpec("a", Decimal("1")), TrancheSpec("b", Decimal("0"))), "tranche_share_invalid"),
        (
            (TrancheSpec("a", Decimal("0.5")), TrancheSpec("a", Decimal("0.5"))),
            "tranche_plan_duplicate_gate",
        ),
    ],
)
def test_split_tranches_refuses_bad_plans(plan: tuple[TrancheSpec, ...], code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        split_tranches(Decimal("100.00"), plan)
    assert exc.value.code == code


@pytest.mark.parametrize("total", ["-0.01", "1.001"])
def test_split_tranches_refuses_bad_totals(total: str) -> None:
    with pytest.raises(ValidationError) as exc:
        split_tranches(Decimal(total), (TrancheSpec("a", Decimal(1)),))
    assert exc.value.code == "amount_invalid"


PLANS = st.lists(st.integers(1, 10000), min_size=1, max_size=8).map(
    lambda weights: tuple(
        TrancheSpec(f"g{i}", share) for i, share in enumerate(_shares_summing_to_one(weights))
    )
)


def _shares_summing_to_one(weights: list[int]) -> list[Decimal]:
    # Shares in basis points, the last one taking what is left, all positive.
    total = sum(weights)
    bps = [max(1, w * 10000 // total) for w in weights[:-1]]
    if sum(bps) >= 10000:
        bps = [1] * (len(weights) - 1)
    bps.append(10000 - sum(bps))
    return [Decimal(b) / 10000 for b in bps]


@given(st.integers(0, 10**15).map(lambda fen: Decimal(fen) / 100), PLANS)
@settings(max_examples=200, deadline=None)
def test_split_tranches_sum_exactly_and_never_negative(
    total: Decimal, plan: tuple[TrancheSpec, ...]
) -> None:
    tranches = split_tranches(total, plan)
    assert sum((t.amount for t in tranches), Decimal(0)) == total
    assert all(t.amount >= 0 and t.amount == t.amount.quantize(Decimal("0.01")) for t in tranches)
    assert all(abs(t.amount - total * t.share) < Decimal("0.01") for t in tranches[:-1])


SCHEDULE = payment_schedule(Decimal("1000.00"), params=P)


@pytest.mark.parametrize(
    ("index", "accepted", "released", "stopped", "outcome", "refusals"),
    [
        (1, {CONTRACT_SIGNED}, set(), False, "release", ()),
        (1, set(), set(), False, "refused", ("gate_not_accepted",)),
        (1, {CONTRACT_SIGNED}, {1}, False, "refused", ("already_released",)),
        (2, {CONTRACT_SIGNED, MIDTERM_ACCEPTED}, {1}, False, "release", ()),
        (2, {CONTRACT_SIGNED, MIDTERM_ACCEPTED}, set(), False, "refused", ("earlier_unpaid",)),
        (3, {CONTRACT_SIGNED, MIDTERM_ACCEPTED}, {1, 2}, False, "refused", ("gate_not_accepted",)),
        (1, {CONTRACT_SIGNED}, set(), True, "refused", ("stopped",)),
    ],
)
def test_can_release_tranche_only_against_accepted_gate(
    index: int,
    accepted: set[str],
    released: set[int],
    stopped: bool,
    outcome: str,
    refusals: tuple[str, ...],
) -> None:
    decision = can_release_tranche(
        SCHEDULE, index, accepted_gates=accepted, released=released, params=P, stopped=stopped
    )
    assert (decision.outcome, decision.facts["refusals"]) == (outcome, refusals)


def test_can_release_tranche_unknown_index() -> None:
    with pytest.raises(ValidationError) as exc:
        can_release_tranche(SCHEDULE, 4, accepted_gates=set(), released=set(), params=P)
    assert exc.value.code == "tranche_unknown"


# -- 揭榜挂帅 ------------------------------------------------------------------------------

G1_DEADLINE = datetime(2026, 12, 31, 23, 59, 59, tzinfo=SH)
G2_DEADLINE = datetime(2027, 6, 30, 23, 59, 59, tzinfo=SH)
GATES = (
    ChallengeGate("g2", "样机验证", G2_DEADLINE, Decimal("0.70")),
    ChallengeGate("g1", "方案评审", G1_DEADLINE, Decimal("0.30")),
)
TEAMS = ("T1", "T2", "T3", "T4", "T5")
SUBMIT = datetime(2026, 12, 1, 10, 0, tzinfo=SH)
REPORTS = (
    GateReport("T1", "g1", "accepted", SUBMIT),
    GateReport("T2", "g1", "rejected", SUBMIT),
    # T3 never reports
    GateReport("T4", "g1", "submitted", SUBMIT),
    GateReport("T5", "g1", "accepted", G1_DEADLINE + timedelta(seconds=1)),
)


def standings(
    now: datetime, reports: tuple[GateReport, ...] = REPORTS
) -> dict[str, tuple[str, tuple[str, ...], str | None]]:
    result = challenge_standings(
        GATES, TEAMS, reports, funding_per_team=Decimal("1000000.00"), now=now, params=P
    )
    return {s.team_id: (s.status, s.passed_gates, s.stopped_at_gate) for s in result}


def test_challenge_standings_after_first_gate() -> None:
    assert standings(G1_DEADLINE + timedelta(seconds=1)) == {
        "T1": ("active", ("g1",), None),
        "T2": ("stopped", (), "g1"),  # rejected
        "T3": ("stopped", (), "g1"),  # deadline passed, nothing submitted
        "T4": ("active", (), None),  # submitted in time, under review
        "T5": ("stopped", (), "g1"),  # submitted after the deadline
    }


@pytest.mark.parametrize(
    ("now", "status"),
    [(G1_DEADLINE, "active"), (G1_DEADLINE + timedelta(microseconds=1), "stopped")],
)
def test_challenge_team_without_report_stopped_only_after_deadline(
    now: datetime, status: str
) -> None:
    assert standings(now)["T3"][0] == status


@pytest.mark.parametrize(
    ("submitted_at", "status"),
    [(G1_DEADLINE, "active"), (G1_DEADLINE + timedelta(microseconds=1), "stopped")],
)
def test_challenge_report_at_deadline_counts(submitted_at: datetime, status: str) -> None:
    reports = (GateReport("T1", "g1", "accepted", submitted_at),)
    assert standings(G1_DEADLINE + timedelta(days=1), reports)["T1"][0] == status


def test_challenge_stopped_team_reason_explains() -> None:
    result = challenge_standings(
        GATES,
        TEAMS,
        REPORTS,
        funding_per_team=Decimal("1000000.00"),
        now=G1_DEADLINE + timedelta(days=1),
        params=P,
    )
    t3 = result[2].decision
    assert (t3.outcome, t3.reasons[-1].zh) == (
        "stopped",
        "团队 T3 未在 2026-12-31 23:59:59（含）前提交节点「方案评审」报告，未通过节点，按榜单规则停止支持。",
    )


def test_challenge_completed_team_releases_all_tranches() -> None:
    reports = (
        GateReport("T1", "g1", "accepted", SUBMIT),
        GateReport("T1", "g2", "accepted", G2_DEADLINE),
    )
    result = challenge_standings(
        GATES,
        ("T1",),
        reports,
        funding_per_team={"T1": Decimal("1000.01")},
        now=G2_DEADLINE,
        params=P,
    )
    assert (result[0].status, [(t.gate, t.amount) for t in result[0].releasable]) == (
        "completed",
        [("g1", Decimal("300.00")), ("g2", Decimal("700.01"))],
    )


def test_challenge_report_from_unknown_team_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        standings(SUBMIT, (GateReport("T9", "g1", "accepted", SUBMIT),))
    assert exc.value.code == "challenge_report_unknown"


# -- milestone reminders ----------------------------------------------------------------

NOW = datetime(2026, 9, 29, 10, 0, tzinfo=SH)
# 5 working days after Sep 29 2026: Sep 30, Oct 8, 9, 10 (Saturday worked), 12.
HORIZON = datetime(2026, 10, 12, 23, 59, 59, 999999, tzinfo=SH)


@pytest.mark.parametrize(
    ("due_at", "report", "status"),
    [
        (NOW - timedelta(microseconds=1), "none", "overdue"),
        (NOW, "none", "due_soon"),
        (HORIZON, "none", "due_soon"),
        (HORIZON + timedelta(microseconds=1), "none", "not_due"),
        (NOW - timedelta(days=3), "submitted", "submitted"),
        (NOW - timedelta(days=3), "accepted", "accepted"),
        (NOW - timedelta(days=3), "rejected", "overdue"),
        (HORIZON, "rejected", "due_soon"),
    ],
)
def test_classify_milestone(due_at: datetime, report: str, status: str) -> None:
    milestone = MilestoneDue("m1", "样机完成", due_at, report)  # type: ignore[arg-type]  # table of literals
    assert classify_milestone(milestone, now=NOW, calendar=CAL, params=P).status == status


def test_classify_milestones_in_due_order() -> None:
    result = classify_milestones(
        [MilestoneDue("late", "二", HORIZON), MilestoneDue("early", "一", NOW - timedelta(days=1))],
        now=NOW,
        calendar=CAL,
        params=P,
    )
    assert [(r.code, r.status) for r in result] == [("early", "overdue"), ("late", "due_soon")]


# -- change requests --------------------------------------------------------------------


def budget_change(*lines: tuple[str, str, str], lump_sum: bool = False) -> ChangeRequest:
    return ChangeRequest(
        "budget_line",
        lump_sum=lump_sum,
        lines=tuple(BudgetLineChange(n, Decimal(c), Decimal(p)) for n, c, p in lines),
    )


@pytest.mark.parametrize(
    ("lines", "outcome"),
    [
        (
            (("设备费", "1000.00", "1100.00"), ("材料费", "1000.00", "900.00")),
            "officer_approval",
        ),  # 10.00%
        (
            (("设备费", "1000.00", "1100.10"), ("材料费", "1000.00", "899.90")),
            "expert_opinion",
        ),  # 10.01%
        ((("设备费", "1000.00", "1050.00"), ("材料费", "500.00", "450.00")), "officer_approval"),
        (
            (("设备费", "1000.00", "950.00"), ("测试费", "0.00", "50.00")),
            "expert_opinion",
        ),  # new line
        (
            (("设备费", "1000.00", "1000.01"), ("材料费", "1000.00", "1000.00")),
            "refused",
        ),  # total changes
    ],
)
def test_route_budget_line_change(lines: tuple[tuple[str, str, str], ...], outcome: str) -> None:
    assert route_change_request(budget_change(*lines), params=P).outcome == outcome


def test_route_budget_line_change_reason_shows_percentage() -> None:
    decision = route_change_request(
        budget_change(("设备费", "1000.00", "1100.10"), ("材料费", "1000.00", "899.90")), params=P
    )
    assert (
        decision.reasons[0].zh
        == "预算科目「设备费」由 1,000.00元 调整为 1,100.10元，变动 10.01%，超过 10%。"
    )


def test_route_budget_line_change_lump_sum_needs_no_approval() -> None:
    decision = route_change_request(
        budget_change(("设备费", "1000.00", "2000.00"), lump_sum=True), params=P
    )
    assert (decision.outcome, decision.reasons[0].zh) == (
        "not_required",
        "包干制项目不设预算科目，经费由项目负责人自主使用，预算调整无需审批。",
    )


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (budget_change(), "change_lines_missing"),
        (budget_change(("设备费", "1.00", "1.00")), "change_nothing"),
        (
            budget_change(("设备费", "1.00", "2.00"), ("设备费", "2.00", "1.00")),
            "change_line_duplicate",
        ),
        (budget_change(("设备费", "1.00", "-1.00"), ("材料费", "1.00", "3.00")), "amount_invalid"),
        (ChangeRequest("schedule", extension_months=0), "extension_invalid"),
        (ChangeRequest("other"), "change_kind_invalid"),  # type: ignore[arg-type]  # bad input on purpose
    ],
)
def test_route_change_request_refuses_bad_input(request_: ChangeRequest, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        route_change_request(request_, params=P)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("months", "previous", "outcome", "refusals"),
    [
        (1, 0, "officer_approval", ()),
        (12, 0, "officer_approval", ()),
        (13, 0, "refused", ("too_long",)),
        (6, 1, "refused", ("too_many",)),
        (13, 1, "refused", ("too_many", "too_long")),
    ],
)
def test_route_schedule_extension_once_and_at_most_twelve_months(
    months: int, previous: int, outcome: str, refusals: tuple[str, ...]
) -> None:
    decision = route_change_request(
        ChangeRequest("schedule", extension_months=months, previous_extensions=previous), params=P
    )
    assert (decision.outcome, decision.facts["refusals"]) == (outcome, refusals)


def test_route_team_change_needs_officer() -> None:
    assert route_change_request(ChangeRequest("team"), params=P).outcome == "officer_approval"


def test_route_change_request_team_for_lump_sum_still_needs_officer() -> None:
    assert (
        route_change_request(ChangeRequest("team", lump_sum=True), params=P).outcome
        == "officer_approval"
    )


# -- final acceptance -------------------------------------------------------------------


def opinions(*kinds: str) -> list[ExpertOpinion]:
    return [ExpertOpinion(f"e{i}", kind) for i, kind in enumerate(kinds)]  # type: ignore[arg-type]  # table


@pytest.mark.parametrize(
    ("kinds", "outcome"),
    [
        (("pass", "pass", "pass"), "pass"),
        (("pass", "pass", "fail"), "pass"),  # 1 fail < half; 2 pass > half
        (("pass", "conditional_pass", "fail"), "conditional_pass"),
        (("pass", "fail", "fail"), "fail"),
        (("conditional_pass",) * 3, "conditional_pass"),
        (("pass", "pass", "fail", "fail"), "fail"),  # exactly half fail: 「半数以上」 includes half
        (
            ("pass", "pass", "conditional_pass", "fail"),
            "conditional_pass",
        ),  # 2 pass is not more than half
        (("pass", "pass", "pass", "fail"), "pass"),
    ],
)
def test_decide_acceptance_majority_rules(kinds: tuple[str, ...], outcome: str) -> None:
    assert decide_acceptance(opinions(*kinds), params=P).outcome == outcome


def test_decide_acceptance_states_rule() -> None:
    decision = decide_acceptance(opinions("pass", "pass", "fail", "fail"), params=P)
    assert [r.zh for r in decision.reasons] == [
        "4 位专家：通过 2、有条件通过 0、不通过 2。",
        "规则：不通过意见达 50%（含）以上的，不通过；否则通过意见超过 50% 的，通过；其余为有条件通过。",
        "验收不通过。",
    ]


@pytest.mark.parametrize(
    ("given_opinions", "code"),
    [
        (opinions("pass", "pass"), "acceptance_too_few_experts"),
        ([ExpertOpinion("e1", "pass")] * 3, "acceptance_duplicate_expert"),
        (opinions("pass", "pass", "maybe"), "acceptance_opinion_invalid"),
    ],
)
def test_decide_acceptance_refuses(given_opinions: list[ExpertOpinion], code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        decide_acceptance(given_opinions, params=P)
    assert exc.value.code == code


# -- termination and recovery -----------------------------------------------------------


@pytest.mark.parametrize(
    ("released", "accepted", "recover", "outcome"),
    [
        ("1000.00", "400.00", "600.00", "recover"),
        ("1000.00", "999.99", "0.01", "recover"),
        ("1000.00", "1000.00", "0.00", "nothing_to_recover"),
        ("1000.00", "1000.01", "0.00", "nothing_to_recover"),  # never negative
    ],
)
def test_decide_recovery(released: str, accepted: str, recover: str, outcome: str) -> None:
    result = decide_recovery(
        released=Decimal(released), accepted_spending=Decimal(accepted), params=P
    )
    assert (result.amount, result.decision.outcome) == (Decimal(recover), outcome)


def test_decide_recovery_explains_and_round_trips() -> None:
    result = decide_recovery(
        released=Decimal("400000.00"),
        accepted_spending=Decimal("150000.00"),
        params=P,
        grounds="未按期完成中期节点",
    )
    assert [r.zh for r in result.decision.reasons] == [
        "终止原因：未按期完成中期节点",
        "已拨付财政资金 400,000.00元，经审核认定的支出 150,000.00元，应追回 250,000.00元。",
    ]
    assert Decision.from_dict(result.decision.to_dict()) == result.decision


@given(
    st.integers(0, 10**12).map(lambda f: Decimal(f) / 100),
    st.integers(0, 10**12).map(lambda f: Decimal(f) / 100),
)
def test_decide_recovery_never_negative(released: Decimal, accepted: Decimal) -> None:
    result = decide_recovery(released=released, accepted_spending=accepted, params=P)
    assert result.amount == max(released - accepted, Decimal(0))
