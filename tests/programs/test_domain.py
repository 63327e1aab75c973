"""programs/domain.py and domain_formal_review.py: the formal-review rules on both sides of
every boundary, similarity, the application window."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.ids import make_uscc
from rainforest.core.policy import Decision
from rainforest.programs import domain, domain_formal_review
from rainforest.programs.domain_formal_review import BudgetRow, Rule

DAY = date(2026, 9, 30)
REVIEW = domain.parameters_on(domain.FORMAL_REVIEW, DAY)
SIMILARITY = domain.parameters_on(domain.SIMILARITY, DAY)
SZ = make_uscc("91440300MA5000001")
TZ = ZoneInfo("Asia/Shanghai")


def facts(**change: object) -> domain_formal_review.ApplicationFacts:
    base = domain_formal_review.ApplicationFacts(
        call_id=1,
        applicant_uscc=SZ,
        missing_sections=(),
        required_attachments=("feasibility_report",),
        present_attachments=("feasibility_report",),
        budget=(BudgetRow("equipment", Decimal("50.00"), Decimal("50.00")),),
        declared_fiscal_total=Decimal("50.00"),
        declared_self_total=Decimal("50.00"),
        funding_per_project=Decimal("5000000.00"),
        require_city_registration=True,
        min_self_funding_percent=Decimal("50"),
        max_concurrent_per_pi=2,
        pi_current_projects=0,
        text="面向边缘推理的低功耗芯片研制",
    )
    return replace(base, **change)  # type: ignore[arg-type]  # test helper


def check(rule: Rule, f: domain_formal_review.ApplicationFacts) -> domain_formal_review.Check:
    (found,) = [c for c in domain_formal_review.run_checks(f, REVIEW, SIMILARITY) if c.rule == rule]
    return found


def test_all_rules_pass_gives_pass_decision() -> None:
    decision, checks = domain_formal_review.formal_review(facts(), REVIEW, SIMILARITY)

    assert (decision.outcome, [c.ok for c in checks]) == ("pass", [True] * 8)
    assert [c.rule for c in checks] == list(Rule)
    assert Decision.from_dict(decision.to_dict()) == decision


@pytest.mark.parametrize(
    ("fiscal", "own", "ok"),
    [
        ("50.01", "49.99", False),  # 49.99 %
        ("50.00", "50.00", True),  # 50.00 %: 「不低于」 includes the number
        ("49.99", "50.01", True),
        ("100.01", "99.99", False),  # 49.995 %: never rounded up to 50 %
        ("0.00", "0.00", False),
    ],
)
def test_self_funding_at_fifty_percent(fiscal: str, own: str, ok: bool) -> None:
    row = BudgetRow("equipment", Decimal(fiscal), Decimal(own))
    f = facts(budget=(row,), declared_fiscal_total=None, declared_self_total=None)

    assert check(Rule.SELF_FUNDING, f).ok is ok


def test_self_funding_zero_minimum_accepts_no_self_funds() -> None:
    row = BudgetRow("equipment", Decimal("100"), Decimal("0"))
    f = facts(
        budget=(row,),
        min_self_funding_percent=Decimal("0"),
        declared_self_total=None,
        declared_fiscal_total=None,
    )

    assert check(Rule.SELF_FUNDING, f).ok is True


def test_self_funding_reason_names_percentages() -> None:
    row = BudgetRow("equipment", Decimal("50.01"), Decimal("49.99"))
    f = facts(budget=(row,), declared_fiscal_total=None, declared_self_total=None)

    assert check(Rule.SELF_FUNDING, f).reason.zh == "自筹资金占总预算 49.99%，低于指南要求的 50%"


@pytest.mark.parametrize(("current", "ok"), [(0, True), (1, True), (2, False), (3, False)])
def test_concurrent_projects_with_max_two(current: int, ok: bool) -> None:
    # Holding ``current`` running projects, this one would make current + 1.
    assert check(Rule.CONCURRENT_PROJECTS, facts(pi_current_projects=current)).ok is ok


@pytest.mark.parametrize(
    ("declared_fiscal", "declared_self", "ok"),
    [
        ("50.00", "50.00", True),
        ("50.01", "50.00", False),
        ("49.99", "50.00", False),
        ("50.00", "50.01", False),
        ("50.00", "49.99", False),
    ],
)
def test_budget_totals_off_by_one_fen(declared_fiscal: str, declared_self: str, ok: bool) -> None:
    f = facts(
        declared_fiscal_total=Decimal(declared_fiscal), declared_self_total=Decimal(declared_self)
    )

    assert check(Rule.BUDGET_ARITHMETIC, f).ok is ok


def test_budget_without_lines_fails() -> None:
    assert check(Rule.BUDGET_ARITHMETIC, facts(budget=())).ok is False


def test_budget_negative_line_fails() -> None:
    row = BudgetRow("equipment", Decimal("-1"), Decimal("50"))
    f = facts(budget=(row,), declared_fiscal_total=None, declared_self_total=None)

    assert check(Rule.BUDGET_ARITHMETIC, f).ok is False


@pytest.mark.parametrize(
    ("fiscal", "ok"), [("4999999.99", True), ("5000000.00", True), ("5000000.01", False)]
)
def test_funding_cap_inclusive(fiscal: str, ok: bool) -> None:
    row = BudgetRow("equipment", Decimal(fiscal), Decimal("6000000"))
    f = facts(budget=(row,), declared_fiscal_total=None, declared_self_total=None)

    assert check(Rule.FUNDING_CAP, f).ok is ok


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ("91440300MA5000001", True),  # 440300 Shenzhen
        ("91440305MA5000001", True),  # 440305 Nanshan district
        ("91440100MA5000001", False),  # 440100 Guangzhou
        ("91110000MA5000001", False),  # 110000 Beijing
        ("91440400MA5000001", False),  # 440400 Zhuhai: 4404, one off
        ("91440200MA5000001", False),  # 4402, one off below
    ],
)
def test_registered_in_city_by_division_code(body: str, ok: bool) -> None:
    assert check(Rule.REGISTERED_IN_CITY, facts(applicant_uscc=make_uscc(body))).ok is ok


def test_registered_in_city_not_required() -> None:
    f = facts(applicant_uscc=make_uscc("91110000MA5000001"), require_city_registration=False)

    assert check(Rule.REGISTERED_IN_CITY, f).ok is True


def test_division_prefix_is_a_parameter() -> None:
    wider = replace_params(REVIEW, city_division_prefixes=("4403", "4401"))
    f = facts(applicant_uscc=make_uscc("91440100MA5000001"))

    (found,) = [
        c
        for c in domain_formal_review.run_checks(f, wider, SIMILARITY)
        if c.rule == Rule.REGISTERED_IN_CITY
    ]

    assert found.ok is True


def replace_params(params: domain.ParameterSet, **values: object) -> domain.ParameterSet:
    return domain.ParameterSet(
        name=params.name,
        version="test",
        effective_from=params.effective_from,
        effective_to=None,
        values={**params.values, **values},
        citations=params.citations,
    )


@pytest.mark.parametrize(
    ("required", "present", "ok"),
    [
        ((), (), True),
        (("feasibility_report",), ("feasibility_report",), True),
        (("feasibility_report",), (), False),
        (("feasibility_report", "self_funding_commitment"), ("feasibility_report",), False),
        (("feasibility_report",), ("other",), False),
    ],
)
def test_required_attachments_present(
    required: tuple[str, ...], present: tuple[str, ...], ok: bool
) -> None:
    f = facts(required_attachments=required, present_attachments=present)

    assert check(Rule.ATTACHMENTS, f).ok is ok


def test_missing_attachment_named_in_reason() -> None:
    f = facts(present_attachments=())

    assert check(Rule.ATTACHMENTS, f).reason.zh == "缺少指南要求的附件：可行性研究报告"


@pytest.mark.parametrize(("missing", "ok"), [((), True), (("budget",), False)])
def test_complete_sections(missing: tuple[str, ...], ok: bool) -> None:
    assert check(Rule.COMPLETE, facts(missing_sections=missing)).ok is ok


def test_duplicate_to_another_call_flagged() -> None:
    other = domain_formal_review.OtherApplication(
        7, 2, "RDA-2026-000007", "面向边缘推理的低功耗芯片研制"
    )

    found = check(Rule.DUPLICATE, facts(others_by_pi=(other,)))

    assert (found.ok, found.related) == (False, ("RDA-2026-000007",))


def test_duplicate_in_same_call_not_this_rule() -> None:
    other = domain_formal_review.OtherApplication(
        7, 1, "RDA-2026-000007", "面向边缘推理的低功耗芯片研制"
    )

    assert check(Rule.DUPLICATE, facts(others_by_pi=(other,))).ok is True


def test_unrelated_application_to_another_call_not_flagged() -> None:
    other = domain_formal_review.OtherApplication(
        7, 2, "RDA-2026-000007", "海水淡化膜材料的规模化制备工艺"
    )

    assert check(Rule.DUPLICATE, facts(others_by_pi=(other,))).ok is True


def test_duplicate_fails_decision_but_not_submission() -> None:
    other = domain_formal_review.OtherApplication(
        7, 2, "RDA-2026-000007", "面向边缘推理的低功耗芯片研制"
    )

    decision, checks = domain_formal_review.formal_review(
        facts(others_by_pi=(other,)), REVIEW, SIMILARITY
    )

    assert (decision.outcome, domain_formal_review.submission_refusals(checks)) == ("attention", [])


# --- similarity --------------------------------------------------------------------


def test_shingles_ignore_punctuation_and_width() -> None:
    assert (
        domain.shingles("人工，智能！")
        == domain.shingles("人工智能")
        == frozenset({"人工", "工智", "智能"})
    )


def test_shingles_short_text_is_one_shingle() -> None:
    assert domain.shingles("芯") == frozenset({"芯"})


def test_jaccard_of_empty_texts_is_zero() -> None:
    assert domain.jaccard(frozenset(), frozenset()) == Decimal("0.0000")


def test_find_similar_flags_near_duplicate_only() -> None:
    earlier = [
        domain.Earlier(1, "研发面向大模型推理的低功耗专用芯片，能效比提升十倍"),
        domain.Earlier(2, "城市内涝预警的多源数据融合平台建设"),
    ]

    found = domain.find_similar(
        "研发面向大模型推理的低功耗专用芯片，能效比提升10倍",
        earlier,
        threshold=SIMILARITY.decimal("proposal_threshold"),
    )

    assert [s.id for s in found] == [1]


@pytest.mark.parametrize(("threshold", "flagged"), [("0.5000", True), ("0.5001", False)])
def test_find_similar_threshold_inclusive(threshold: str, flagged: bool) -> None:
    # {"ab","bc"} vs {"ab","bd"... }: "abc" and "abd" share 1 of 3 shingles; use exact halves.
    earlier = [domain.Earlier(1, "甲乙丙")]  # 甲乙 乙丙

    found = domain.find_similar("甲乙", earlier, threshold=Decimal(threshold))  # 甲乙: 1/2

    assert bool(found) is flagged


@given(st.text(min_size=0, max_size=40), st.text(min_size=0, max_size=40))
def test_jaccard_symmetric_and_bounded(a: str, b: str) -> None:
    sa, sb = domain.shingles(a), domain.shingles(b)

    score = domain.jaccard(sa, sb)

    assert score == domain.jaccard(sb, sa)
    assert Decimal(0) <= score <= Decimal(1)


@given(st.text(alphabet="人工智能芯片研发推理", min_size=1, max_size=40))
def test_text_is_identical_to_itself(a: str) -> None:
    assert domain.jaccard(domain.shingles(a), domain.shingles(a)) == Decimal("1.0000")


# --- the application window -----------------------------------------------------------

CLOSES = datetime(2026, 10, 30, 23, 59, 59, tzinfo=TZ)
OPENS = datetime(2026, 9, 1, 9, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (OPENS - timedelta(microseconds=1), "window_not_open"),
        (OPENS, None),
        (CLOSES - timedelta(seconds=1), None),
        (CLOSES, None),
        (CLOSES + timedelta(microseconds=1), "window_closed"),
    ],
)
def test_window_both_ends_included(now: datetime, code: str | None) -> None:
    if code is None:
        domain.check_window(OPENS, CLOSES, now)
        return
    with pytest.raises(ValidationError) as caught:
        domain.check_window(OPENS, CLOSES, now)
    assert caught.value.code == code


# --- guideline rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "code"),
    [
        ([40, 35, 25], None),
        ([100], None),
        ([40, 35, 24], "weights_not_100"),
        ([40, 35, 26], "weights_not_100"),
        ([100, 0], "weight_invalid"),
        ([], "criteria_required"),
    ],
)
def test_weights_sum_to_100(weights: list[int], code: str | None) -> None:
    if code is None:
        domain.check_weights(weights)
        return
    with pytest.raises(ValidationError) as caught:
        domain.check_weights(weights)
    assert caught.value.code == code


def test_stage_limit_defaults_cite_the_procedure() -> None:
    params = domain.parameters_on(domain.STAGE_LIMITS, DAY)

    assert domain.default_stage_limits(DAY) == {
        "proposal_collection": 20,
        "proposal_review": 10,
        "formal_review": 5,
        "correction": 10,
        "expert_review": 15,
        "public_notice": 5,
        "approval_contract": 15,
        "objection_review": 10,
    }
    assert params.citation("formal_review").document == domain.PROCEDURE
