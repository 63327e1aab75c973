"""programs/insights_hooks.py: the span 「申请截止至立项」 and the dimensions 「指南」 and
「领域」 on the leadership dashboard.

Both calls close on Friday 30 October 2026 (23:59:59). November 2026 has no public
holiday, so the working days below are plain weekdays counted after the deadline:

| application | call | field | approval entered  | span |
| ----------- | ---- | ----- | ----------------- | ---- |
| A           | AI   | AI    | Fri 20 November   | 15   |
| B           | AI   | AI    | Tue 24 November   | 17   |
| C           | BIO  | BIO   | Mon 23 November   | 16   |
| D           | AI   | AI    | still in review   | open |
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rainforest.accounts.roles import Role
from rainforest.cases.services import case_transition
from rainforest.core.errors import ValidationError
from rainforest.insights.domain import Summary
from rainforest.insights.selectors import cycle_times, resolve_filters
from rainforest.programs import services
from rainforest.programs.insights_hooks import register_insights
from tests.conftest import at
from tests.factories import person
from tests.programs.conftest import NOW, fill

pytestmark = pytest.mark.django_db

BOARD_NOW = at("2026-11-30 10:00")
FLAGS = {"scores_complete": True, "notice_over_and_settled": True}


def _submit(call: Any, actor: Any, org: Any, n: int) -> Any:
    draft = services.application_create(
        actor=actor, call=call, organisation=org, now=at("2026-09-10 10:00")
    )
    fill(draft, actor, pi_number=n, title=f"课题{n}：低功耗推理芯片", summary=f"研究内容 {n}。")
    return services.application_submit(actor=actor, application=draft, now=at(NOW))


def _approve(officer: Any, application: Any, day: str) -> None:
    services.formal_review_pass(actor=officer, application=application, now=at("2026-11-02 10:00"))
    application.refresh_from_db()
    case = application.case
    for action, moment in (
        ("finish_review", "2026-11-05 10:00"),
        ("propose", "2026-11-10 10:00"),
        ("close_notice", f"2026-11-{day} 10:00"),
    ):
        case = case_transition(
            case=case, action=action, actor=officer, context=FLAGS, now=at(moment)
        )
    assert case.stage == "approval_contract"


@pytest.fixture
def world(make_call: Any, field_bio: Any, officer: Any, applicant: Any, lab: Any) -> Any:
    ai = make_call()
    bio = make_call(field=field_bio, title="2026年生物医药重点领域研发计划")
    a = _submit(ai, applicant, lab, 1)
    b = _submit(ai, applicant, lab, 2)
    c = _submit(bio, applicant, lab, 3)
    _submit(ai, applicant, lab, 4)  # D: still in formal review
    _approve(officer, a, "20")
    _approve(officer, b, "24")
    _approve(officer, c, "23")
    return ai, bio


@pytest.fixture
def leader(bureau: Any) -> Any:
    return person(Role.ADMINISTRATOR, bureau, username="leader")


def _span(user: Any, **filters: Any) -> Summary:
    resolved, _options = resolve_filters(user, process="programs_application", **filters)
    board = cycle_times(user, resolved, now=BOARD_NOW)
    (block,) = [p for p in board.processes if p.code == "programs_application"]
    (row,) = [s for s in block.spans if s.code == "deadline_to_approval"]
    assert (row.name_zh, row.name_en) == (
        "申请截止至立项",
        "From the application deadline to approval",
    )
    return row.summary


def test_span_deadline_to_approval_counts_working_days(world: Any, leader: Any) -> None:
    # 15, 16, 17: median 16; 90th percentile 16 + 0.8 * 1 = 16.8; D is open, in progress.
    assert _span(leader) == Summary(3, Decimal("16"), Decimal("16.8"), in_progress=1)


def test_dimension_call_narrows_the_span(world: Any, leader: Any) -> None:
    ai, bio = world

    on_ai = _span(leader, dimension="call", value=str(ai.pk))
    on_bio = _span(leader, dimension="call", value=str(bio.pk))

    # AI: 15 and 17, D in progress. BIO: 16 alone.
    assert on_ai == Summary(2, Decimal("16"), Decimal("16.8"), in_progress=1)
    assert on_bio == Summary(1, Decimal("16"), Decimal("16"), in_progress=0)


def test_dimension_field_narrows_the_span(world: Any, leader: Any) -> None:
    _ai, bio = world

    on_bio = _span(leader, dimension="field", value=str(bio.field_id))

    assert on_bio == Summary(1, Decimal("16"), Decimal("16"), in_progress=0)


def test_dimension_values_list_calls_and_fields(world: Any, leader: Any) -> None:
    ai, bio = world

    _f, calls = resolve_filters(leader, process="programs_application", dimension="call")
    _f, fields = resolve_filters(leader, process="programs_application", dimension="field")

    assert [(o.value, o.label) for o in calls.values] == sorted(
        [(str(ai.pk), f"{ai.number} {ai.title}"), (str(bio.pk), f"{bio.number} {bio.title}")],
        key=lambda item: item[1],
    )
    assert sorted((o.value, o.label) for o in fields.values) == sorted(
        [(str(ai.field_id), "人工智能"), (str(bio.field_id), "生物医药")]
    )
    assert [(o.value, o.label) for o in calls.dimensions] == [("call", "指南"), ("field", "领域")]


def test_dimension_value_not_listed_is_refused(world: Any, leader: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_filters(leader, process="programs_application", dimension="call", value="999999")

    assert caught.value.field == "value"


def test_register_insights_twice_is_harmless() -> None:
    register_insights()
    register_insights()
