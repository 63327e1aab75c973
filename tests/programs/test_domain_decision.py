"""programs/domain_decision.py: scores, ranking, the funding line, adjustments, public
notice and objections, national matching funds. Pure: no database."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.policy import Decision, ParameterSet
from rainforest.core.workdays import WorkCalendar, WorkdayAnswer
from rainforest.programs.domain_decision import (
    MATCHING,
    PARAMETERS,
    RANKING,
    Criterion,
    ExpertSheet,
    ScoredApplication,
    aggregate_scores,
    matching_parameters,
    ranking_parameters,
)
from rainforest.programs.domain_matching import NationalProject, decide_matching
from rainforest.programs.domain_notice import (
    NoticeWindow,
    ObjectionInput,
    PendingObjection,
    can_approve_after_notice,
    can_close_notice,
    notice_window,
    objection_problems,
    validate_objection,
)
from rainforest.programs.domain_ranking import (
    Adjustment,
    CallBudget,
    RankedApplication,
    RankingEntry,
    apply_adjustments,
    draw_funding_line,
    rank_applications,
    rank_entries,
)

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 9, 30)
P = ranking_parameters(DAY)
M = matching_parameters(DAY)
CAL = WorkCalendar()
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=SH)

CRITERIA = (
    Criterion("innovation", "创新性", "Innovation", Decimal(60)),
    Criterion("feasibility", "可行性", "Feasibility", Decimal(40)),
)


def with_values(params: ParameterSet, **changes: object) -> ParameterSet:
    """A copy of ``params`` with some values changed (citations kept)."""
    return replace(params, version=f"{params.version}-test", values={**params.values, **changes})


def sheet(expert: str, innovation: str, feasibility: str) -> ExpertSheet:
    return ExpertSheet(
        expert, {"innovation": Decimal(innovation), "feasibility": Decimal(feasibility)}
    )


def app(number: str, *sheets: ExpertSheet, requested: str = "1000000.00") -> ScoredApplication:
    return ScoredApplication(number, T0, Decimal(requested), tuple(sheets))


def entry(number: str, score: str, requested: str, minute: int = 0) -> RankingEntry:
    return RankingEntry(number, Decimal(score), T0 + timedelta(minutes=minute), Decimal(requested))


def ranked(*entries: RankingEntry) -> tuple[RankedApplication, ...]:
    return rank_entries(entries, params=P)


# -- parameters -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [RANKING, MATCHING])
def test_parameters_every_value_cited(name: str) -> None:
    ps = PARAMETERS.in_force(name, DAY)
    assert sorted(ps.citations) == sorted(ps.values)


def test_parameters_defaults_are_marked_as_platform_defaults() -> None:
    assert P.citation("trim_min_experts").article.startswith("平台默认值")
    assert M.citation("matching_cap").article.startswith("平台默认值")


def test_parameters_notice_counting_cites_civil_code_article_201() -> None:
    assert P.citation("notice_period_counting").text() == "《中华人民共和国民法典》 第二百零一条"


def test_parameters_matching_defaults_one_to_one_up_to_ten_million() -> None:
    assert (M.decimal("matching_ratio"), M.decimal("matching_cap")) == (
        Decimal(1),
        Decimal("10000000.00"),
    )


# -- score aggregation ------------------------------------------------------------------


def test_aggregate_scores_weighted_mean_of_criterion_means() -> None:
    # innovation means (80+90+70)/3 = 80; feasibility (60+70+80)/3 = 70; 0.6*80 + 0.4*70 = 76
    result = aggregate_scores(
        app("A1", sheet("e1", "80", "60"), sheet("e2", "90", "70"), sheet("e3", "70", "80")),
        CRITERIA,
        params=P,
    )
    assert (result.score, dict(result.criterion_means)) == (
        Decimal("76.00"),
        {"innovation": Decimal("80.00"), "feasibility": Decimal("70.00")},
    )


def test_aggregate_scores_rounds_half_up_to_two_decimals() -> None:
    # expert totals 80, 80 and 80.05: (80 + 80 + 80.05) / 3 = 80.01666… → 80.02
    result = aggregate_scores(
        app("A1", sheet("e1", "80", "80"), sheet("e2", "80", "80"), sheet("e3", "80.05", "80.05")),
        CRITERIA,
        params=P,
    )
    assert result.score == Decimal("80.02")


@pytest.mark.parametrize(
    ("experts", "trimmed"),
    [
        (4, ()),  # fewer than 5: nobody left out
        (5, ("e0", "e4")),  # 5 (「以上」 includes it): lowest and highest out
        (6, ("e0", "e5")),
    ],
)
def test_aggregate_scores_trims_extremes_from_five_experts(
    experts: int, trimmed: tuple[str, ...]
) -> None:
    sheets = [sheet(f"e{i}", str(60 + 5 * i), str(60 + 5 * i)) for i in range(experts)]
    result = aggregate_scores(app("A1", *sheets), CRITERIA, params=P)
    assert tuple(sorted(result.experts_trimmed)) == trimmed


def test_aggregate_scores_five_experts_score_excludes_outliers() -> None:
    sheets = [
        sheet("e1", "0", "0"),
        sheet("e2", "70", "70"),
        sheet("e3", "80", "80"),
        sheet("e4", "90", "90"),
        sheet("e5", "100", "100"),
    ]
    result = aggregate_scores(app("A1", *sheets), CRITERIA, params=P)
    assert (result.score, result.experts_counted) == (Decimal("80.00"), ("e2", "e3", "e4"))


def test_aggregate_scores_trimming_switched_off_counts_everyone() -> None:
    sheets = [sheet(f"e{i}", "50", "50") for i in range(4)] + [sheet("e9", "100", "100")]
    result = aggregate_scores(
        app("A1", *sheets), CRITERIA, params=with_values(P, trim_extremes=False)
    )
    assert (result.score, result.experts_trimmed) == (Decimal("60.00"), ())


def test_aggregate_scores_trim_reason_names_dropped_experts() -> None:
    sheets = [sheet(f"e{i}", str(60 + i), str(60 + i)) for i in range(5)]
    result = aggregate_scores(app("A1", *sheets), CRITERIA, params=P)
    assert result.decision.reasons[1].zh == (
        "专家人数 5 人，达到 5 人（含）以上，去掉加权总分最高的专家 e4（64.00 分）和最低的专家 e0（60.00 分）。"
    )


@pytest.mark.parametrize(
    ("score", "ok"),
    [("0", True), ("-0.01", False), ("100", True), ("100.01", False)],
)
def test_aggregate_scores_range_boundaries(score: str, ok: bool) -> None:
    application = app("A1", sheet("e1", score, "50"))
    if ok:
        assert aggregate_scores(application, CRITERIA, params=P).number == "A1"
    else:
        with pytest.raises(ValidationError) as exc:
            aggregate_scores(application, CRITERIA, params=P)
        assert exc.value.code == "score_out_of_range"


@pytest.mark.parametrize(
    ("criteria", "code"),
    [
        ((), "criteria_missing"),
        (
            (Criterion("a", "甲", "A", Decimal(60)), Criterion("b", "乙", "B", Decimal(39))),
            "criteria_weights_total",
        ),
        (
            (Criterion("a", "甲", "A", Decimal(60)), Criterion("b", "乙", "B", Decimal("40.01"))),
            "criteria_weights_total",
        ),
        (
            (Criterion("a", "甲", "A", Decimal(100)), Criterion("a", "甲", "A", Decimal(0))),
            "criteria_duplicate",
        ),
        (
            (Criterion("a", "甲", "A", Decimal(100)), Criterion("b", "乙", "B", Decimal(0))),
            "criteria_weight_invalid",
        ),
    ],
)
def test_aggregate_scores_refuses_bad_criteria(criteria: tuple[Criterion, ...], code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        aggregate_scores(app("A1", sheet("e1", "50", "50")), criteria, params=P)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("application", "code"),
    [
        (app("A1"), "scores_missing"),
        (app("A1", sheet("e1", "50", "50"), sheet("e1", "60", "60")), "scores_duplicate_expert"),
        (app("A1", ExpertSheet("e1", {"innovation": Decimal(50)})), "scores_criteria_mismatch"),
        (
            app(
                "A1",
                ExpertSheet(
                    "e1", {"innovation": Decimal(5), "feasibility": Decimal(5), "x": Decimal(5)}
                ),
            ),
            "scores_criteria_mismatch",
        ),
    ],
)
def test_aggregate_scores_refuses_bad_sheets(application: ScoredApplication, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        aggregate_scores(application, CRITERIA, params=P)
    assert exc.value.code == code


# -- ranking ----------------------------------------------------------------------------


def test_rank_entries_higher_score_first() -> None:
    result = ranked(entry("A", "70", "1"), entry("B", "90", "1"), entry("C", "80", "1"))
    assert [(r.rank, r.number) for r in result] == [(1, "B"), (2, "C"), (3, "A")]


def test_rank_entries_tie_earlier_submission_first() -> None:
    result = ranked(entry("A", "80", "1", minute=5), entry("B", "80", "1", minute=1))
    assert [r.number for r in result] == ["B", "A"]


def test_rank_entries_tie_same_time_by_number() -> None:
    result = ranked(entry("B", "80", "1"), entry("A", "80", "1"))
    assert [r.number for r in result] == ["A", "B"]


def test_rank_entries_reason_states_the_tie_rule() -> None:
    result = ranked(entry("B", "80", "1"), entry("A", "80", "1"))
    assert result[1].decision.reasons[0].zh == (
        "申请 B 综合得分 80.00 分，排名第 2 位（共 2 项）。与 A 得分相同，按规则排序。"
        "排序规则：综合得分高者在前；得分相同的，提交时间早者在前；仍相同的，按申请编号升序。"
    )


def test_rank_entries_refuses_duplicate_numbers() -> None:
    with pytest.raises(ValidationError) as exc:
        ranked(entry("A", "80", "1"), entry("A", "70", "1"))
    assert exc.value.code == "ranking_duplicate"


def test_rank_applications_aggregates_then_ranks() -> None:
    result = rank_applications(
        [app("A1", sheet("e1", "60", "60")), app("A2", sheet("e1", "90", "90"))], CRITERIA, params=P
    )
    assert [(r.number, r.score, r.aggregate is not None) for r in result] == [
        ("A2", Decimal("90.00"), True),
        ("A1", Decimal("60.00"), True),
    ]


ENTRIES = st.lists(
    st.builds(
        lambda score, minute, amount: (Decimal(score) / 100, minute, Decimal(amount) / 100),
        st.integers(0, 10000),
        st.integers(0, 5),
        st.integers(1, 10**9),
    ),
    max_size=25,
).map(
    lambda rows: [
        RankingEntry(f"N{i:03d}", score, T0 + timedelta(minutes=minute), amount)
        for i, (score, minute, amount) in enumerate(rows)
    ]
)


@given(ENTRIES, st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_rank_entries_is_deterministic_permutation(
    entries: list[RankingEntry], rnd: random.Random
) -> None:
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    first = ranked(*entries)
    second = ranked(*shuffled)
    assert sorted(r.number for r in first) == sorted(e.number for e in entries)
    assert [r.rank for r in first] == list(range(1, len(entries) + 1))
    assert [r.number for r in first] == [r.number for r in second]
    assert all(a.score >= b.score for a, b in pairwise(first))


# -- funding line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "funded"),
    [
        ("300.00", ("A", "B")),  # exactly fits: 100 + 200
        ("299.99", ("A",)),  # B exceeds what is left by 0.01
    ],
)
def test_draw_funding_line_exact_fit_boundary(budget: str, funded: tuple[str, ...]) -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "100.00"), entry("B", "80", "200.00")),
        CallBudget(Decimal(budget), 10),
        params=P,
    )
    assert line.funded == funded


def test_draw_funding_line_stop_mode_stops_at_first_misfit() -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "100.00"), entry("B", "80", "300.00"), entry("C", "70", "50.00")),
        CallBudget(Decimal("200.00"), 10),
        params=P,
    )
    assert [(e.number, e.why) for e in line.entries] == [
        ("A", "funded"),
        ("B", "over_budget"),
        ("C", "below_line"),
    ]


def test_draw_funding_line_skip_mode_lets_a_smaller_one_fit() -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "100.00"), entry("B", "80", "300.00"), entry("C", "70", "50.00")),
        CallBudget(Decimal("200.00"), 10),
        params=P,
        mode="skip",
    )
    assert (line.funded, line.funded_total, line.remaining) == (
        ("A", "C"),
        Decimal("150.00"),
        Decimal("50.00"),
    )


def test_draw_funding_line_skip_mode_from_parameters() -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "100.00"), entry("B", "80", "300.00"), entry("C", "70", "50.00")),
        CallBudget(Decimal("200.00"), 10),
        params=with_values(P, funding_line_mode="skip"),
    )
    assert line.mode == "skip"


@pytest.mark.parametrize(("max_projects", "funded"), [(1, ("A",)), (2, ("A", "B")), (0, ())])
def test_draw_funding_line_project_count(max_projects: int, funded: tuple[str, ...]) -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "1.00"), entry("B", "80", "1.00"), entry("C", "70", "1.00")),
        CallBudget(Decimal("100.00"), max_projects),
        params=P,
    )
    assert line.funded == funded


def test_draw_funding_line_entry_decision_explains_rank_cumulative_remaining() -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "100.00"), entry("B", "80", "200.00")),
        CallBudget(Decimal("250.00"), 10),
        params=P,
    )
    b = line.entries[1].decision
    assert (b.outcome, b.facts["rank"], b.facts["cumulative"], b.facts["remaining"]) == (
        "not_funded",
        2,
        Decimal("100.00"),
        Decimal("150.00"),
    )
    assert b.reasons[0].zh == (
        "排名第 2 位，综合得分 80.00 分，申请财政资金 200.00元；累计已安排 100.00元，"
        "剩余预算 150.00元，不足以资助本项目，不予资助（按排名依次，遇到预算不足即止）。"
    )


def test_draw_funding_line_decision_round_trips() -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "100.00")), CallBudget(Decimal("100.00"), 1), params=P
    )
    assert Decision.from_dict(line.decision.to_dict()) == line.decision


@pytest.mark.parametrize(
    ("budget", "code"),
    [
        (CallBudget(Decimal("-0.01"), 1), "amount_invalid"),
        (CallBudget(Decimal("1.001"), 1), "amount_invalid"),
        (CallBudget(Decimal("1.00"), -1), "max_projects_invalid"),
    ],
)
def test_draw_funding_line_refuses_bad_budget(budget: CallBudget, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        draw_funding_line(ranked(entry("A", "90", "1.00")), budget, params=P)
    assert exc.value.code == code


@given(
    ENTRIES,
    st.integers(0, 10**10).map(lambda c: Decimal(c) / 100),
    st.integers(0, 30),
    st.sampled_from(["stop", "skip"]),
)
@settings(max_examples=80, deadline=None)
def test_draw_funding_line_never_exceeds_budget_or_count(
    entries: list[RankingEntry], budget: Decimal, count: int, mode: str
) -> None:
    line = draw_funding_line(
        ranked(*entries),
        CallBudget(budget, count),
        params=P,
        mode="stop" if mode == "stop" else "skip",
    )
    funded_amounts = [e.requested_fiscal for e in line.entries if e.funded]
    assert sum(funded_amounts, Decimal(0)) == line.funded_total
    assert line.funded_total <= budget
    assert len(line.funded) <= count
    assert line.remaining == budget - line.funded_total


@given(ENTRIES, st.integers(0, 10**10).map(lambda c: Decimal(c) / 100))
@settings(max_examples=60, deadline=None)
def test_draw_funding_line_skip_funds_at_least_what_stop_funds(
    entries: list[RankingEntry], budget: Decimal
) -> None:
    r = ranked(*entries)
    stop = draw_funding_line(r, CallBudget(budget, 100), params=P, mode="stop")
    skip = draw_funding_line(r, CallBudget(budget, 100), params=P, mode="skip")
    assert set(stop.funded) <= set(skip.funded)


# -- staff adjustments ------------------------------------------------------------------

LINE = draw_funding_line(
    ranked(entry("A", "90", "100.00"), entry("B", "80", "100.00"), entry("C", "70", "100.00")),
    CallBudget(Decimal("200.00"), 2),
    params=P,
)


def test_apply_adjustments_swap_records_both_lists_and_reasons() -> None:
    result = apply_adjustments(
        LINE,
        [
            Adjustment("B", "exclude", "负责人在研项目超限，经核实属实", "officer-1"),
            Adjustment("C", "include", "递补：B 调出后按排名递补", "officer-1"),
        ],
        params=P,
    )
    assert (result.original, result.adjusted, result.decision.outcome) == (
        ("A", "B"),
        ("A", "C"),
        "adjusted",
    )
    assert result.decision.reasons[1].zh == (
        "调出申请 B（原排名第 2 位），操作人 officer-1，理由：负责人在研项目超限，经核实属实"
    )


def test_apply_adjustments_none_is_unchanged() -> None:
    result = apply_adjustments(LINE, [], params=P)
    assert (result.adjusted, result.decision.outcome) == (("A", "B"), "unchanged")


@pytest.mark.parametrize(
    ("adjustments", "code"),
    [
        ([Adjustment("C", "include", "  ", "o")], "adjustment_reason_required"),
        ([Adjustment("C", "include", "四个字啊", "o")], "adjustment_reason_required"),  # 4 < 5
        ([Adjustment("Z", "include", "理由充分完整", "o")], "adjustment_unknown"),
        ([Adjustment("A", "include", "理由充分完整", "o")], "adjustment_already_funded"),
        ([Adjustment("C", "exclude", "理由充分完整", "o")], "adjustment_not_funded"),
        ([Adjustment("C", "include", "理由充分完整", "o")], "adjustment_over_budget"),
        (
            [
                Adjustment("B", "exclude", "理由充分完整", "o"),
                Adjustment("B", "exclude", "理由充分完整", "o"),
            ],
            "adjustment_duplicate",
        ),
        ([Adjustment("B", "exclude", "理由充分完整", " ")], "adjustment_actor_required"),
    ],
)
def test_apply_adjustments_refusals(adjustments: list[Adjustment], code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        apply_adjustments(LINE, adjustments, params=P)
    assert exc.value.code == code


def test_apply_adjustments_reason_of_exactly_minimum_length_accepted() -> None:
    result = apply_adjustments(LINE, [Adjustment("B", "exclude", "五个字理由", "o")], params=P)
    assert result.adjusted == ("A",)


def test_apply_adjustments_over_count_refused() -> None:
    line = draw_funding_line(
        ranked(entry("A", "90", "1.00"), entry("B", "80", "1.00")),
        CallBudget(Decimal("100.00"), 1),
        params=P,
    )
    with pytest.raises(ValidationError) as exc:
        apply_adjustments(line, [Adjustment("B", "include", "理由充分完整", "o")], params=P)
    assert exc.value.code == "adjustment_over_count"


# -- public notice ----------------------------------------------------------------------

OPENS = datetime(2026, 9, 29, 10, 0, tzinfo=SH)
# 5 working days, opening day not counted, across National Day 2026 (Oct 1-7 off, Sat Oct 10
# worked): Sep 30, Oct 8, Oct 9, Oct 10, Oct 12.
CLOSES = datetime(2026, 10, 12, 23, 59, 59, 999999, tzinfo=SH)
WINDOW = notice_window(OPENS, CAL, params=P)


def test_notice_window_counts_working_days_across_national_day() -> None:
    assert (WINDOW.closes_at, WINDOW.workdays, WINDOW.provisional) == (CLOSES, 5, False)


def test_notice_window_days_from_the_call_override_parameter() -> None:
    window = notice_window(OPENS, CAL, params=P, notice_workdays=1)
    assert (window.closes_at, window.decision.facts["from_call"]) == (
        datetime(2026, 9, 30, 23, 59, 59, 999999, tzinfo=SH),
        True,
    )


@pytest.mark.parametrize("days", [0, -1])
def test_notice_window_refuses_empty_period(days: int) -> None:
    with pytest.raises(ValidationError) as exc:
        notice_window(OPENS, CAL, params=P, notice_workdays=days)
    assert exc.value.code == "notice_period_invalid"


class FakeCalendar:
    """Every day is a working day; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[datetime, int]] = []

    def add_workdays(self, start: datetime, n: int) -> WorkdayAnswer[datetime]:
        return WorkdayAnswer(start + timedelta(days=n))

    def end_of_workday_after(self, start: datetime, n: int) -> WorkdayAnswer[datetime]:
        self.asked.append((start, n))
        day = (start + timedelta(days=n)).date()
        return WorkdayAnswer(
            datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=SH), True, (2099,)
        )


def test_notice_window_takes_any_calendar_and_flags_provisional() -> None:
    fake = FakeCalendar()
    window = notice_window(OPENS, fake, params=P)
    assert (fake.asked, window.provisional) == ([(OPENS, 5)], True)


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        (CLOSES - timedelta(days=1), "refused"),
        (CLOSES, "refused"),  # the last instant still belongs to the notice
        (CLOSES + timedelta(microseconds=1), "allowed"),
    ],
)
def test_can_close_notice_not_before_it_ends(now: datetime, outcome: str) -> None:
    assert can_close_notice(now, CLOSES, []).outcome == outcome


def test_can_close_notice_refused_while_objection_open_names_it() -> None:
    decision = can_close_notice(
        CLOSES + timedelta(days=1),
        CLOSES,
        [PendingObjection("YY-2026-0002", "A2"), PendingObjection("YY-2026-0001", "A1")],
    )
    assert (decision.outcome, decision.facts["refusals"], decision.reasons[0].zh) == (
        "refused",
        ("objections_unsettled",),
        "尚有 2 件异议未办结：异议 YY-2026-0001（涉及申请 A1）；异议 YY-2026-0002（涉及申请 A2）。"
        "异议办结前不能结束公示并进入立项。",
    )


def test_can_close_notice_early_and_objections_gives_both_reasons() -> None:
    decision = can_close_notice(CLOSES, CLOSES, [PendingObjection("YY-1", "A1")], params=P)
    assert decision.facts["refusals"] == ("notice_open", "objections_unsettled")


@pytest.mark.parametrize(
    ("now", "objections", "outcome"),
    [
        (CLOSES, [], "refused"),
        (CLOSES + timedelta(seconds=1), [PendingObjection("YY-1", "A1")], "refused"),
        (CLOSES + timedelta(seconds=1), [], "allowed"),
    ],
)
def test_can_approve_after_notice(
    now: datetime, objections: list[PendingObjection], outcome: str
) -> None:
    assert can_approve_after_notice(now, CLOSES, objections, params=P).outcome == outcome


def objection(**changes: object) -> ObjectionInput:
    base = ObjectionInput(
        objector_name="李四",
        contact="13800138000",
        grounds="该项目负责人同时承担三项市级在研项目，超过申请指南规定的上限。",
        application_number="A1",
        lodged_at=OPENS + timedelta(days=1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]  # test helper: fields vary


def problems_of(obj: ObjectionInput, window: NoticeWindow = WINDOW) -> list[str]:
    return [
        p.code
        for p in objection_problems(obj, window=window, listed_numbers={"A1", "A2"}, params=P)
    ]


@pytest.mark.parametrize(
    ("lodged_at", "codes"),
    [
        (OPENS - timedelta(microseconds=1), ["objection_before_notice"]),
        (OPENS, []),
        (datetime(2026, 10, 12, 23, 59, 59, tzinfo=SH), []),  # the last second
        (CLOSES, []),  # the last instant
        (datetime(2026, 10, 13, 0, 0, 0, tzinfo=SH), ["objection_after_notice"]),  # one after
    ],
)
def test_objection_lodged_within_notice_inclusive(lodged_at: datetime, codes: list[str]) -> None:
    assert problems_of(objection(lodged_at=lodged_at)) == codes


@pytest.mark.parametrize(
    ("grounds", "codes"),
    [
        ("一" * 19, ["objection_grounds_too_short"]),
        ("一" * 20, []),
        ("  " + "一" * 19 + "  ", ["objection_grounds_too_short"]),  # spaces do not count
    ],
)
def test_objection_grounds_minimum_length(grounds: str, codes: list[str]) -> None:
    assert problems_of(objection(grounds=grounds)) == codes


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"objector_name": " "}, ["objection_name_required"]),
        ({"contact": ""}, ["objection_contact_required"]),
        ({"contact": "微信"}, ["objection_contact_invalid"]),
        ({"contact": "0755-88888888"}, []),
        ({"contact": "li@example.cn"}, []),
        ({"application_number": ""}, ["objection_application_required"]),
        ({"application_number": "A9"}, ["objection_application_not_listed"]),
        (
            {"objector_name": "", "contact": ""},
            ["objection_name_required", "objection_contact_required"],
        ),
    ],
)
def test_objection_fields(changes: dict[str, object], codes: list[str]) -> None:
    assert problems_of(objection(**changes)) == codes


def test_validate_objection_trims_or_raises_first_problem() -> None:
    cleaned = validate_objection(
        objection(objector_name=" 李四 ", application_number=" A1 "),
        window=WINDOW,
        listed_numbers={"A1"},
        params=P,
    )
    assert (cleaned.objector_name, cleaned.application_number) == ("李四", "A1")
    with pytest.raises(ValidationError) as exc:
        validate_objection(objection(contact=""), window=WINDOW, listed_numbers={"A1"}, params=P)
    assert exc.value.field == "contact"


# -- national matching funds ------------------------------------------------------------


def national(funding: str, **changes: object) -> NationalProject:
    base = NationalProject(
        programme="国家重点研发计划",
        number="2026YFB0000001",
        national_funding=Decimal(funding),
        period_start=date(2026, 1, 1),
        period_end=date(2028, 12, 31),
        landed_in_shenzhen=True,
        proof_attached=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]  # test helper: fields vary


@pytest.mark.parametrize(
    ("funding", "amount", "capped"),
    [
        ("5000000.00", "5000000.00", False),
        ("9999999.99", "9999999.99", False),
        ("10000000.00", "10000000.00", False),  # 「以内」 includes the cap
        ("10000000.01", "10000000.00", True),
        ("30000000.00", "10000000.00", True),
    ],
)
def test_decide_matching_one_to_one_up_to_cap(funding: str, amount: str, capped: bool) -> None:
    result = decide_matching(national(funding), on=DAY, params=M)
    assert (result.eligible, result.amount, result.capped, result.decision.outcome) == (
        True,
        Decimal(amount),
        capped,
        "eligible",
    )


def test_decide_matching_explains_cap() -> None:
    result = decide_matching(national("12000000.00"), on=DAY, params=M)
    assert result.decision.reasons[0].zh == (
        "国家资助 12,000,000.00元 × 配套比例 1 = 12,000,000.00元，超过每项上限 10,000,000.00元，"
        "按上限配套 10,000,000.00元。"
    )


def test_decide_matching_ratio_rounds_down_to_fen() -> None:
    params = with_values(M, matching_ratio=Decimal("0.333"))
    assert decide_matching(national("100.01"), on=DAY, params=params).amount == Decimal("33.30")


@pytest.mark.parametrize(
    ("changes", "on", "problems"),
    [
        ({}, date(2028, 12, 31), ()),  # last day of the period still counts
        ({}, date(2029, 1, 1), ("period_ended",)),
        ({"landed_in_shenzhen": False}, DAY, ("not_landed",)),
        ({"proof_attached": False}, DAY, ("proof_missing",)),
        (
            {"landed_in_shenzhen": False, "proof_attached": False},
            date(2029, 1, 1),
            ("period_ended", "not_landed", "proof_missing"),
        ),
    ],
)
def test_decide_matching_ineligible_cases(
    changes: dict[str, object], on: date, problems: tuple[str, ...]
) -> None:
    result = decide_matching(national("1000000.00", **changes), on=on, params=M)
    assert (result.problems, result.eligible, len(result.decision.reasons)) == (
        problems,
        not problems,
        max(1, len(problems)),
    )
    if problems:
        assert (result.amount, result.decision.outcome) == (Decimal("0.00"), "ineligible")


@pytest.mark.parametrize("funding", ["0", "-1.00", "1.001"])
def test_decide_matching_refuses_bad_amounts(funding: str) -> None:
    with pytest.raises(ValidationError):
        decide_matching(national(funding), on=DAY, params=M)


def test_decide_matching_cites_seed_letter_and_records_version() -> None:
    decision = decide_matching(national("1.00"), on=DAY, params=M).decision
    assert (
        decision.parameters_name,
        decision.parameters_version,
        decision.citations[0].article,
    ) == (
        "programs.matching",
        "2025.1",
        "平台默认值：三（一） 国家项目配套资助 1:1",
    )


def test_rule_modules_do_not_import_django() -> None:
    code = (
        "import sys\n"
        "import rainforest.programs.domain_decision, rainforest.programs.domain_execution\n"
        "import rainforest.programs.domain_ranking, rainforest.programs.domain_notice\n"
        "import rainforest.programs.domain_matching, rainforest.programs.domain_challenge\n"
        "import rainforest.programs.domain_changes, rainforest.programs.domain_closure\n"
        "import rainforest.programs.contract_pdf\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True)
    assert out.stdout.strip() == "[]"
