"""Versioned parameter sets, the registry that picks the one in force, and decisions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.policy import (
    Citation,
    Decision,
    NoParametersInForce,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)

ART8 = Citation("财库〔2020〕46号", "第八条", "https://www.ccgp.gov.cn/")
ART10 = Citation("财库〔2020〕46号", "第十条")
SZ = Citation("深圳市政府采购中小企业预留份额规定")


def make_set(
    version: str = "2021",
    effective_from: date = date(2021, 1, 1),
    effective_to: date | None = date(2022, 12, 31),
    *,
    name: str = "sme_procurement",
    values: Mapping[str, object] | None = None,
    citations: Mapping[str, Citation] | None = None,
) -> ParameterSet:
    if values is None:
        values = {
            "reserve_share": Decimal("0.30"),
            "small_micro_share": "0.60",
            "goods_threshold": 2_000_000,
            "min_bidders": 3,
        }
    if citations is None:
        citations = {
            "reserve_share": ART8,
            "small_micro_share": ART8,
            "goods_threshold": SZ,
            "min_bidders": ART10,
        }
    return ParameterSet(name, version, effective_from, effective_to, values, citations)


# --- Citation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("citation", "expected"),
    [
        (ART8, "财库〔2020〕46号 第八条"),
        (SZ, "深圳市政府采购中小企业预留份额规定"),
        (Citation("国科发火〔2016〕32号", "第十一条"), "国科发火〔2016〕32号 第十一条"),
    ],
)
def test_citation_text(citation: Citation, expected: str) -> None:
    assert citation.text() == expected


@pytest.mark.parametrize("document", ["", "   "])
def test_citation_without_document_rejected(document: str) -> None:
    with pytest.raises(ValueError, match="needs the document"):
        Citation(document)


@pytest.mark.parametrize("citation", [ART8, ART10, SZ])
def test_citation_dict_round_trip(citation: Citation) -> None:
    assert Citation.from_dict(json.loads(json.dumps(citation.to_dict()))) == citation


# --- ParameterSet construction ----------------------------------------------------------


def test_parameter_set_value_without_citation_rejected() -> None:
    with pytest.raises(ValueError, match="value 'min_bidders' has no citation"):
        make_set(
            values={"reserve_share": "0.30", "min_bidders": 3},
            citations={"reserve_share": ART8},
        )


def test_parameter_set_citation_for_unknown_key_rejected() -> None:
    with pytest.raises(ValueError, match="citation for 'typo_key', which is not one of the values"):
        make_set(values={"a": 1}, citations={"a": ART8, "typo_key": ART8})


def test_parameter_set_citation_must_be_citation() -> None:
    with pytest.raises(ValueError, match="citation for 'a' is not a Citation"):
        make_set(values={"a": 1}, citations={"a": "财库〔2020〕46号"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"rate": 0.3}, "value.rate is a float"),
        ({"rates": [Decimal("0.1"), 0.2]}, r"value.rates\[1\] is a float"),
        ({"bands": {"low": 0.1}}, "value.bands.low is a float"),
    ],
)
def test_parameter_set_float_rejected(values: dict[str, object], where: str) -> None:
    citations = dict.fromkeys(values, ART8)
    with pytest.raises(ValueError, match=where):
        make_set(values=values, citations=citations)


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), object(), {1: "a"}])
def test_parameter_set_unsupported_value_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="value"):
        make_set(values={"x": bad}, citations={"x": ART8})


def test_parameter_set_ending_before_start_rejected() -> None:
    with pytest.raises(ValueError, match=r"ends \(2020-12-31\) before it starts \(2021-01-01\)"):
        make_set(effective_from=date(2021, 1, 1), effective_to=date(2020, 12, 31))


def test_parameter_set_single_day_allowed() -> None:
    ps = make_set(effective_from=date(2021, 1, 1), effective_to=date(2021, 1, 1))
    assert ps.in_force_on(date(2021, 1, 1)) is True


def test_parameter_set_datetime_effective_from_rejected() -> None:
    with pytest.raises(ValueError, match="must be a date"):
        make_set(effective_from=datetime(2021, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(("name", "version"), [("", "1"), ("x", "")])
def test_parameter_set_needs_name_and_version(name: str, version: str) -> None:
    with pytest.raises(ValueError, match="needs a"):
        ParameterSet(name, version, date(2021, 1, 1), None, {}, {})


def test_parameter_set_values_are_read_only() -> None:
    source = {"a": 1}
    ps = make_set(values=source, citations={"a": ART8})
    source["a"] = 2
    assert ps.value("a") == 1
    with pytest.raises(TypeError):
        ps.values["a"] = 3  # type: ignore[index]


# --- in force ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 12, 31), False),  # the day before effective_from
        (date(2021, 1, 1), True),  # effective_from itself
        (date(2022, 12, 31), True),  # effective_to itself
        (date(2023, 1, 1), False),  # the day after effective_to
    ],
)
def test_parameter_set_in_force_on_edges(day: date, expected: bool) -> None:
    assert make_set().in_force_on(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2020, 12, 31), False), (date(2021, 1, 1), True), (date(9999, 12, 31), True)],
)
def test_parameter_set_open_ended_in_force_on(day: date, expected: bool) -> None:
    assert make_set(effective_to=None).in_force_on(day) is expected


def test_parameter_set_in_force_on_refuses_datetime() -> None:
    with pytest.raises(TypeError, match="needs a date"):
        make_set().in_force_on(datetime(2021, 6, 1, tzinfo=UTC))


# --- reading values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("reserve_share", Decimal("0.30")),
        ("small_micro_share", Decimal("0.60")),
        ("goods_threshold", Decimal("2000000")),
    ],
)
def test_parameter_set_decimal_from_decimal_str_and_int(key: str, expected: Decimal) -> None:
    result = make_set().decimal(key)
    assert result == expected
    assert type(result) is Decimal


@pytest.mark.parametrize("raw", ["abc", "NaN", True, None, "1e"])
def test_parameter_set_decimal_non_number_refused(raw: object) -> None:
    ps = make_set(values={"x": raw}, citations={"x": ART8})
    with pytest.raises(ValueError, match="not a number"):
        ps.decimal("x")


@pytest.mark.parametrize(("raw", "expected"), [(20, 20), ("15", 15), (Decimal("5.0"), 5)])
def test_parameter_set_integer_whole_numbers(raw: object, expected: int) -> None:
    ps = make_set(values={"days": raw}, citations={"days": ART8})
    assert ps.integer("days") == expected


def test_parameter_set_integer_refuses_fraction() -> None:
    ps = make_set(values={"days": "2.5"}, citations={"days": ART8})
    with pytest.raises(ValueError, match="not a whole number"):
        ps.integer("days")


def test_parameter_set_unknown_key_names_known_keys() -> None:
    with pytest.raises(KeyError, match="has no value 'nope'"):
        make_set().value("nope")


def test_parameter_set_citation_for_key() -> None:
    assert make_set().citation("min_bidders") == ART10


def test_parameter_set_citation_unknown_key() -> None:
    with pytest.raises(KeyError, match="no value 'nope' to cite"):
        make_set().citation("nope")


# --- storage round trip -----------------------------------------------------------------


def test_parameter_set_to_dict_is_json_safe() -> None:
    ps = make_set(
        values={"rate": Decimal("0.30"), "start": date(2023, 1, 1), "n": 3, "label": "0.30"},
        citations=dict.fromkeys(("rate", "start", "n", "label"), ART8),
    )
    assert ps.to_dict() == {
        "name": "sme_procurement",
        "version": "2021",
        "effective_from": "2021-01-01",
        "effective_to": "2022-12-31",
        "values": {"rate": "0.30", "start": "2023-01-01", "n": 3, "label": "0.30"},
        "value_types": {"rate": "decimal", "start": "date"},
        "citations": {
            key: {
                "document": "财库〔2020〕46号",
                "article": "第八条",
                "url": "https://www.ccgp.gov.cn/",
            }
            for key in ("rate", "start", "n", "label")
        },
    }


@pytest.mark.parametrize(
    "ps",
    [
        make_set(),
        make_set(effective_to=None),
        make_set(
            values={
                "bands": [
                    {"upto": Decimal("50000000"), "ratio": Decimal("0.05")},
                    {"upto": None, "ratio": Decimal("0.03")},
                ],
                "excluded": ("烟草制造业", "住宿和餐饮业"),
                "a/b~c": {"x/y": date(2024, 2, 29)},
                "enabled": True,
            },
            citations=dict.fromkeys(("bands", "excluded", "a/b~c", "enabled"), ART8),
        ),
    ],
)
def test_parameter_set_dict_round_trip(ps: ParameterSet) -> None:
    restored = ParameterSet.from_dict(json.loads(json.dumps(ps.to_dict(), ensure_ascii=False)))
    assert restored == ps
    assert restored.to_dict() == ps.to_dict()


def test_parameter_set_from_dict_keeps_plain_strings_as_strings() -> None:
    restored = ParameterSet.from_dict(make_set().to_dict())
    assert restored.value("small_micro_share") == "0.60"
    assert restored.value("reserve_share") == Decimal("0.30")


def test_parameter_set_from_dict_missing_name_rejected() -> None:
    data = make_set().to_dict()
    del data["name"]
    with pytest.raises(ValueError, match="'name' must be a non-empty string"):
        ParameterSet.from_dict(data)


# --- registry ---------------------------------------------------------------------------

OLD = make_set("2021", date(2021, 1, 1), date(2022, 12, 31))
NEW = make_set(
    "2023",
    date(2023, 1, 1),
    None,
    values={"reserve_share": Decimal("0.40"), "small_micro_share": Decimal("0.70")},
    citations={"reserve_share": SZ, "small_micro_share": SZ},
)


def registry() -> ParameterRegistry:
    return ParameterRegistry([NEW, OLD])


@pytest.mark.parametrize(
    ("day", "expected_version"),
    [
        (date(2021, 1, 1), "2021"),
        (date(2022, 12, 31), "2021"),  # old version's last day
        (date(2023, 1, 1), "2023"),  # new version's first day
        (date(2030, 6, 1), "2023"),
    ],
)
def test_registry_in_force_picks_version_at_edges(day: date, expected_version: str) -> None:
    assert registry().in_force("sme_procurement", day).version == expected_version


def test_registry_in_force_before_first_version_raises() -> None:
    with pytest.raises(NoParametersInForce) as caught:
        registry().in_force("sme_procurement", date(2020, 12, 31))
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.code == "no_parameters"
    assert error.name == "sme_procurement"
    assert error.on == date(2020, 12, 31)
    assert error.message_en == (
        "No version of the parameters 'sme_procurement' is in force on 2020-12-31; "
        "an administrator needs to enter a version covering that date."
    )
    assert error.message_zh == (
        "没有在2020-12-31生效的「sme_procurement」参数，请管理员录入适用于该日期的参数版本后再试。"
    )


def test_registry_in_force_unknown_name_raises() -> None:
    with pytest.raises(NoParametersInForce):
        registry().in_force("ai_vouchers", date(2024, 1, 1))


def test_registry_in_force_in_gap_raises() -> None:
    reg = ParameterRegistry([make_set("a", date(2021, 1, 1), date(2021, 6, 30))])
    reg.add(make_set("b", date(2021, 7, 2), None))
    with pytest.raises(NoParametersInForce):
        reg.in_force("sme_procurement", date(2021, 7, 1))


@pytest.mark.parametrize(
    ("effective_from", "effective_to"),
    [
        (date(2022, 12, 31), None),  # starts on the old version's last day
        (date(2020, 1, 1), date(2021, 1, 1)),  # ends on the old version's first day
        (date(2021, 6, 1), date(2021, 6, 30)),  # inside
        (date(2020, 1, 1), None),  # covers everything
    ],
)
def test_registry_overlap_rejected(effective_from: date, effective_to: date | None) -> None:
    reg = ParameterRegistry([OLD])
    with pytest.raises(ValueError, match=r"version 'x' .* overlaps version '2021'"):
        reg.add(make_set("x", effective_from, effective_to))


@pytest.mark.parametrize(
    ("effective_from", "effective_to"),
    [
        (date(2023, 1, 1), None),  # the day after the old version's last day
        (date(2020, 1, 1), date(2020, 12, 31)),  # the day before the old version's first day
    ],
)
def test_registry_adjacent_periods_allowed(effective_from: date, effective_to: date | None) -> None:
    reg = ParameterRegistry([OLD])
    reg.add(make_set("x", effective_from, effective_to))
    assert [ps.version for ps in reg.versions("sme_procurement")] == sorted(
        ["2021", "x"], key=lambda v: reg.get("sme_procurement", v).effective_from
    )


def test_registry_overlap_message_names_both_versions() -> None:
    reg = ParameterRegistry([OLD])
    with pytest.raises(ValueError, match="overlaps") as caught:
        reg.add(make_set("2022", date(2022, 1, 1), None))
    assert str(caught.value) == (
        "parameter set 'sme_procurement': version '2022' (2022-01-01 to open-ended) overlaps "
        "version '2021' (2021-01-01 to 2022-12-31); end the older one the day before the newer "
        "one starts"
    )


def test_registry_duplicate_version_rejected() -> None:
    reg = ParameterRegistry([OLD])
    with pytest.raises(ValueError, match="already has a version '2021'"):
        reg.add(make_set("2021", date(2030, 1, 1), None))


def test_registry_other_names_do_not_overlap() -> None:
    reg = ParameterRegistry([OLD])
    reg.add(make_set("2021", date(2021, 1, 1), None, name="ai_vouchers"))
    assert reg.names() == ["ai_vouchers", "sme_procurement"]


def test_registry_versions_sorted_by_start() -> None:
    assert [ps.version for ps in registry().versions("sme_procurement")] == ["2021", "2023"]


def test_registry_versions_unknown_name_empty() -> None:
    assert registry().versions("nope") == []


def test_registry_get_by_version() -> None:
    assert registry().get("sme_procurement", "2023") == NEW


def test_registry_get_unknown_version_raises() -> None:
    with pytest.raises(KeyError, match="no parameter set 'sme_procurement' with version '1999'"):
        registry().get("sme_procurement", "1999")


# --- decisions --------------------------------------------------------------------------

REASON_RESERVED = Reason(
    "预算200万元以下，全部预留给中小企业。", "Budget of 2 million or less: reserved for SMEs."
)
REASON_BIDDERS = Reason("合格中小企业不足3家。", "Fewer than 3 qualified SMEs.")


def make_decision() -> Decision:
    return decide(
        "reserved",
        OLD,
        reasons=[REASON_RESERVED, REASON_BIDDERS],
        cite=["goods_threshold", "reserve_share", "small_micro_share", "min_bidders"],
        facts={
            "budget": Decimal("1999999.99"),
            "decided_on": date(2022, 12, 31),
            "at": datetime(2022, 12, 31, 9, 30, tzinfo=UTC),
            "lots": [{"no": 1, "budget": Decimal("500000.00")}],
            "note": "2022-12-31",
            "bidders": 2,
            "consortium": False,
            "waiver": None,
        },
    )


def test_decide_pulls_citations_once_in_key_order() -> None:
    assert make_decision().citations == (SZ, ART8, ART10)


def test_decide_records_parameter_version() -> None:
    decision = make_decision()
    assert (decision.parameters_name, decision.parameters_version) == ("sme_procurement", "2021")


def test_decide_unknown_cite_key_raises() -> None:
    with pytest.raises(KeyError, match="no value 'nope' to cite"):
        decide("reserved", OLD, cite=["nope"])


def test_decide_without_facts_has_empty_facts() -> None:
    assert dict(decide("reserved", OLD).facts) == {}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["预算200万元以下，全部预留给中小企业。", "合格中小企业不足3家。"]),
        ("zh", ["预算200万元以下，全部预留给中小企业。", "合格中小企业不足3家。"]),
        ("en", ["Budget of 2 million or less: reserved for SMEs.", "Fewer than 3 qualified SMEs."]),
        (
            "en-gb",
            ["Budget of 2 million or less: reserved for SMEs.", "Fewer than 3 qualified SMEs."],
        ),
    ],
)
def test_decision_reasons_in_language(language: str, expected: list[str]) -> None:
    assert make_decision().reasons_in(language) == expected


def test_decision_to_dict_is_json_safe() -> None:
    data = make_decision().to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["facts"] == {
        "budget": "1999999.99",
        "decided_on": "2022-12-31",
        "at": "2022-12-31T09:30:00+00:00",
        "lots": [{"no": 1, "budget": "500000.00"}],
        "note": "2022-12-31",
        "bidders": 2,
        "consortium": False,
        "waiver": None,
    }
    assert data["fact_types"] == {
        "budget": "decimal",
        "decided_on": "date",
        "at": "datetime",
        "lots/0/budget": "decimal",
    }
    assert data["reasons"][1] == {
        "zh": "合格中小企业不足3家。",
        "en": "Fewer than 3 qualified SMEs.",
    }
    assert data["citations"][0] == {
        "document": "深圳市政府采购中小企业预留份额规定",
        "article": "",
        "url": "",
    }


def test_decision_round_trip_exact() -> None:
    decision = make_decision()
    restored = Decision.from_dict(json.loads(json.dumps(decision.to_dict(), ensure_ascii=False)))
    assert restored == decision
    assert restored.facts["budget"] == Decimal("1999999.99")
    assert str(restored.facts["budget"]) == "1999999.99"
    assert restored.facts["note"] == "2022-12-31"
    assert restored.facts["lots"] == ({"no": 1, "budget": Decimal("500000.00")},)
    assert hash(restored) == hash(decision)


@pytest.mark.parametrize(
    "facts",
    [
        {"": {"": Decimal("1.0")}},
        {"a/b": {"c~d": [date(2024, 1, 1), "2024-01-01"]}, "a": {"b/c~d": Decimal("2")}},
        {"x": [[Decimal("0.10")], []], "y": {}},
    ],
)
def test_decision_round_trip_awkward_keys(facts: dict[str, object]) -> None:
    decision = decide("ok", OLD, facts=facts)
    assert Decision.from_dict(json.loads(json.dumps(decision.to_dict()))) == decision


def test_decision_float_fact_rejected() -> None:
    with pytest.raises(ValueError, match=r"decision fact\.ratio is a float"):
        decide("reserved", OLD, facts={"ratio": 0.5})


def test_decision_facts_are_read_only() -> None:
    with pytest.raises(TypeError):
        make_decision().facts["budget"] = Decimal(0)  # type: ignore[index]


@pytest.mark.parametrize(("zh", "en"), [("", "x"), ("x", "")])
def test_reason_needs_both_languages(zh: str, en: str) -> None:
    with pytest.raises(ValueError, match="both its Chinese and its English"):
        Reason(zh, en)


def test_decision_needs_outcome() -> None:
    with pytest.raises(ValueError, match="needs an outcome"):
        decide("", OLD)


def test_decision_from_dict_missing_outcome_rejected() -> None:
    data = make_decision().to_dict()
    del data["outcome"]
    with pytest.raises(ValueError, match="'outcome' must be a non-empty string"):
        Decision.from_dict(data)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.text(max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.dates(),
)
fact_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(facts=st.dictionaries(st.text(max_size=8), fact_values, max_size=5))
def test_decision_round_trip_any_facts(facts: dict[str, object]) -> None:
    decision = decide("ok", OLD, reasons=[REASON_BIDDERS], cite=["min_bidders"], facts=facts)
    restored = Decision.from_dict(json.loads(json.dumps(decision.to_dict())))
    assert restored == decision
    assert restored.to_dict() == decision.to_dict()
