"""enforcement/domain.py: approval levels at every threshold on both sides, and the checklist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.policy import Decision, NoParametersInForce
from rainforest.enforcement import domain
from rainforest.enforcement.domain import Measures, approval_level, missing_controls

PARAMS = domain.parameters_on(date(2026, 9, 30))


def level(persons: int = 0, property_value: str = "0.00", bank_accounts: int = 0) -> Decision:
    return approval_level(Measures(persons, Decimal(property_value), bank_accounts), PARAMS)


# (persons, property_value, bank_accounts) → (level, triggered_by)
@pytest.mark.parametrize(
    ("persons", "property_value", "bank_accounts", "expected", "triggered"),
    [
        # persons: 9 / 10 / 29 / 30 (「以上」 includes the number)
        (0, "0.00", 0, "routine", []),
        (9, "0.00", 0, "routine", []),
        (10, "0.00", 0, "bureau_department", ["persons"]),
        (29, "0.00", 0, "bureau_department", ["persons"]),
        (30, "0.00", 0, "bureau", ["persons"]),
        (31, "0.00", 0, "bureau", ["persons"]),
        # property: 9,999,999.99 / 10,000,000.00 / 99,999,999.99 / 100,000,000.00
        (0, "9999999.99", 0, "routine", []),
        (0, "10000000.00", 0, "bureau_department", ["property_value"]),
        (0, "99999999.99", 0, "bureau_department", ["property_value"]),
        (0, "100000000.00", 0, "bureau", ["property_value"]),
        (0, "100000000.01", 0, "bureau", ["property_value"]),
        # bank accounts: 49 / 50 / 199 / 200
        (0, "0.00", 49, "routine", []),
        (0, "0.00", 50, "bureau_department", ["bank_accounts"]),
        (0, "0.00", 199, "bureau_department", ["bank_accounts"]),
        (0, "0.00", 200, "bureau", ["bank_accounts"]),
        # every criterion just below the department level
        (9, "9999999.99", 49, "routine", []),
        # mixed: few persons but 200 accounts → the bureau, by the accounts alone
        (2, "0.00", 200, "bureau", ["bank_accounts"]),
        (9, "9999999.99", 200, "bureau", ["bank_accounts"]),
        # the highest level reached applies; triggered_by names only the fields at that level
        (12, "150000000.00", 60, "bureau", ["property_value"]),
        (30, "10000000.00", 50, "bureau", ["persons"]),
        (
            10,
            "10000000.00",
            50,
            "bureau_department",
            ["persons", "property_value", "bank_accounts"],
        ),
        (30, "100000000.00", 200, "bureau", ["persons", "property_value", "bank_accounts"]),
        (
            29,
            "99999999.99",
            199,
            "bureau_department",
            ["persons", "property_value", "bank_accounts"],
        ),
        (5, "20000000.00", 0, "bureau_department", ["property_value"]),
    ],
)
def test_approval_level_thresholds(
    persons: int, property_value: str, bank_accounts: int, expected: str, triggered: list[str]
) -> None:
    decision = level(persons, property_value, bank_accounts)

    assert (decision.outcome, domain.triggered_by(decision)) == (expected, triggered)


def test_approval_level_bureau_reason_names_value_and_threshold() -> None:
    decision = level(2, "0.00", 200)

    assert decision.reasons_in("zh-hans") == [
        "冻结银行账户数为 200 个，达到 200 个以上的标准，需报市局批准后协助执行"
    ]
    assert decision.reasons_in("en") == [
        "The bank accounts frozen is 200 accounts, which reaches the threshold of 200 accounts "
        "or more, so the request needs approval by the city bureau"
    ]


def test_approval_level_property_reason_in_yuan_units() -> None:
    decision = level(0, "10000000.00", 0)

    assert decision.reasons_in("zh-hans") == [
        "查封、扣押、冻结财物价值为 1,000.00万元，达到 1,000.00万元以上的标准，"
        "需报市局相关内设机构批准后协助执行"
    ]


def test_approval_level_routine_explains_each_criterion() -> None:
    decision = level(9, "9999999.99", 49)

    assert decision.reasons_in("zh-hans") == [
        "传唤、拘传、拘留、逮捕、讯问人数为 9 人，未达到 10 人",
        "查封、扣押、冻结财物价值为 999.999999万元，未达到 1,000.00万元",
        "冻结银行账户数为 49 个，未达到 50 个",
        "三项均未达到报批标准，属常规协作，按规定审查后协助执行",
    ]


def test_approval_level_cites_letter_section_and_named_documents() -> None:
    decision = level(30)

    assert [c.text() for c in decision.citations] == [
        f"{domain.SEED_LETTER} 一（三）二是（协外工作审批流程）",
        "《深圳市公安局刑事办案协作规范（试行）》",
        "《关于进一步明确开展办案协作有关事项的通知》",
        "《关于规范异地公安机关在深涉企业办案协作工作的通知》",
        "《关于进一步规范接受异地公安机关办案协作申请的通知》",
    ]
    assert (decision.parameters_name, decision.parameters_version) == (
        "enforcement.approval_level",
        "2025.1",
    )


def test_approval_level_decision_round_trips_through_storage() -> None:
    decision = level(12, "150000000.00", 60)

    restored = Decision.from_dict(decision.to_dict())

    assert restored == decision
    assert domain.triggered_by(restored) == ["property_value"]
    assert restored.facts["property_value"] == Decimal("150000000.00")


def test_every_threshold_value_carries_a_citation() -> None:
    assert sorted(PARAMS.citations) == sorted(PARAMS.values)
    assert {PARAMS.citation(k).document for k in PARAMS.values} == {domain.SEED_LETTER}


def test_parameters_before_first_version_refused() -> None:
    with pytest.raises(NoParametersInForce):
        domain.parameters_on(date(2024, 12, 31))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"persons": -1}, "persons"),
        ({"bank_accounts": -1}, "bank_accounts"),
        ({"property_value": Decimal("-0.01")}, "property_value"),
        ({"persons": True}, "persons"),
        ({"bank_accounts": 1.0}, "bank_accounts"),
        ({"persons": "3"}, "persons"),
        ({"property_value": 5}, "property_value"),
        ({"property_value": Decimal("NaN")}, "property_value"),
    ],
)
def test_measures_bad_input_names_field(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "persons": 0,
        "property_value": Decimal("0.00"),
        "bank_accounts": 0,
        **kwargs,
    }

    with pytest.raises(ValidationError) as caught:
        Measures(**values)  # type: ignore[arg-type]

    assert caught.value.field == field


# --- invariants --------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=1000)
amounts = st.decimals(min_value=0, max_value=Decimal("1000000000"), places=2)


@given(counts, amounts, counts, st.sampled_from(domain.FIELDS))
def test_more_of_any_measure_never_lowers_the_level(
    persons: int, value: Decimal, accounts: int, more: str
) -> None:
    base = Measures(persons, value, accounts)
    bigger = Measures(
        persons + (50 if more == "persons" else 0),
        value + (Decimal("50000000") if more == "property_value" else 0),
        accounts + (50 if more == "bank_accounts" else 0),
    )

    before = domain.level_rank(approval_level(base, PARAMS).outcome)
    after = domain.level_rank(approval_level(bigger, PARAMS).outcome)

    assert after >= before


@given(counts, amounts, counts)
def test_triggered_by_empty_exactly_when_routine(
    persons: int, value: Decimal, accounts: int
) -> None:
    decision = approval_level(Measures(persons, value, accounts), PARAMS)

    assert (decision.outcome == "routine") == (domain.triggered_by(decision) == [])


@given(counts, amounts, counts)
def test_level_is_the_highest_any_single_criterion_reaches(
    persons: int, value: Decimal, accounts: int
) -> None:
    alone = [
        approval_level(Measures(persons, Decimal(0), 0), PARAMS).outcome,
        approval_level(Measures(0, value, 0), PARAMS).outcome,
        approval_level(Measures(0, Decimal(0), accounts), PARAMS).outcome,
    ]

    combined = approval_level(Measures(persons, value, accounts), PARAMS).outcome

    assert combined == max(alone, key=domain.level_rank)


# --- process controls ---------------------------------------------------------------------

ALL_DONE = dict.fromkeys(domain.CONTROL_ITEMS, True)


@pytest.mark.parametrize(
    ("done", "persons", "missing"),
    [
        (ALL_DONE, 3, []),
        ({}, 3, list(domain.CONTROL_ITEMS)),
        ({**ALL_DONE, "body_camera": False}, 3, ["body_camera"]),
        (
            {**ALL_DONE, "two_way_notice": False, "case_centre": False},
            1,
            ["two_way_notice", "case_centre"],
        ),
        # Nobody to bring in: the case-handling centre does not apply.
        ({**ALL_DONE, "case_centre": False}, 0, []),
        ({}, 0, ["two_way_notice", "instruction_sheet", "accompanying_officers", "body_camera"]),
    ],
)
def test_missing_controls(done: dict[str, bool], persons: int, missing: list[str]) -> None:
    assert missing_controls(done, persons=persons) == missing


def test_controls_text_names_items_in_both_languages() -> None:
    assert domain.controls_text(["two_way_notice", "body_camera"]) == (
        "双向告知、全程执法记录仪",
        "two-way notice, body camera throughout",
    )
