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
