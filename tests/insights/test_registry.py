"""insights/registry.py: what a process module may register, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest


def test_register_span_returns_definition(insights_registry: Any) -> None:
    span = insights_registry.register_span(
        "ip_pledge", "to_registered", "受理至登记", "Filing to registration",
        start_field="created_at", end_stage="registered",
    )  # fmt: skip

    assert insights_registry.spans("ip_pledge") == [span]
    assert (span.start_field, span.start_stage, span.end_stage, span.end_field) == (
        "created_at",
        None,
        "registered",
        None,
    )


def test_register_span_twice_identically_is_harmless(insights_registry: Any) -> None:
    for _ in range(2):
        insights_registry.register_span(
            "ip_pledge", "x", "甲", "A", start_stage="review", end_stage="registered"
        )

    assert len(insights_registry.spans("ip_pledge")) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_stage": "review"}, "exactly one of end_stage and end_field"),
        ({"end_stage": "registered"}, "exactly one of start_stage and start_field"),
        (
            {"start_stage": "review", "start_field": "created_at", "end_stage": "registered"},
            "exactly one of start_stage",
        ),
        ({"start_stage": "nowhere", "end_stage": "registered"}, "no stage 'nowhere'"),
        ({"start_stage": "review", "end_stage": "nowhere"}, "no stage 'nowhere'"),
        ({"start_field": "created_at; drop", "end_stage": "registered"}, "lookup path"),
    ],
)
def test_register_span_refuses_bad_definition(
    insights_registry: Any, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        insights_registry.register_span("ip_pledge", "bad", "坏", "Bad", **kwargs)


def test_register_span_refuses_unknown_process(insights_registry: Any) -> None:
    with pytest.raises(ValueError, match="not registered"):
        insights_registry.register_span(
            "no_such_process", "x", "甲", "A", start_field="created_at", end_field="closed_at"
        )


def test_register_span_refuses_same_code_differently(insights_registry: Any) -> None:
    insights_registry.register_span(
        "ip_pledge", "x", "甲", "A", start_stage="review", end_stage="registered"
    )

    with pytest.raises(ValueError, match="registered twice"):
        insights_registry.register_span(
            "ip_pledge", "x", "甲", "A", start_stage="review", end_stage="rejected"
        )


def test_register_dimension_refuses_renaming(insights_registry: Any) -> None:
    insights_registry.register_dimension("ip_pledge", "bank", "银行", list, lambda q, v: q)

    with pytest.raises(ValueError, match="registered twice"):
        insights_registry.register_dimension("ip_pledge", "bank", "机构", list, lambda q, v: q)
    assert [d.code for d in insights_registry.dimensions("ip_pledge")] == ["bank"]
    assert insights_registry.dimension("ip_pledge", "none") is None


def _share(registry: Any, **change: Any) -> Any:
    values: dict[str, Any] = {
        "numerator_zh": "已登记",
        "numerator_en": "Registered",
        "denominator_zh": "全部",
        "denominator_en": "All",
        "counts_fn": lambda cases, year: [],
        "percent_fn": lambda n, d: None,
    }
    values.update(change)
    return registry.register_share(
        "ip_pledge", "registered", "登记占比", "Registered share", **values
    )


def test_register_share_twice_identically_is_harmless(insights_registry: Any) -> None:
    _share(insights_registry)
    second = _share(insights_registry)

    assert insights_registry.shares("ip_pledge") == [second]
    assert insights_registry.shares("other") == []


def test_register_share_refuses_renaming_its_counts(insights_registry: Any) -> None:
    _share(insights_registry)

    with pytest.raises(ValueError, match="registered twice"):
        _share(insights_registry, numerator_zh="已撤回")


@pytest.mark.parametrize("blank", ["numerator_zh", "denominator_zh"])
def test_register_share_needs_names_for_both_counts(insights_registry: Any, blank: str) -> None:
    with pytest.raises(ValueError, match="Chinese names"):
        _share(insights_registry, **{blank: ""})


def test_register_share_refuses_unknown_process(insights_registry: Any) -> None:
    with pytest.raises(ValueError, match="not registered"):
        insights_registry.register_share(
            "no_such_process", "x", "甲", "A",
            numerator_zh="甲", numerator_en="A", denominator_zh="乙", denominator_en="B",
            counts_fn=lambda cases, year: [], percent_fn=lambda n, d: None,
        )  # fmt: skip
