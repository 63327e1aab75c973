"""programs' review_results_receive: the review module's sheets, "n/a" included.

"n/a" (不适用) is never counted as zero: a sheet with an n/a criterion is accepted and the
criterion is left out of the sheet's weighted total, as review computes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case
from rainforest.programs.models import ExpertScore
from rainforest.programs.services import review_results_receive
from tests.conftest import at
from tests.programs.decision_world import EXPERTS, SCORED, passed, submit

pytestmark = pytest.mark.django_db


def _sheet(name: str, scores: dict[str, Any]) -> dict[str, Any]:
    return {"expert_user": None, "expert_name": name, "scores": scores, "comments": {}}


def _receive(officer: Any, call: Any, app: Any, sheets: list[dict[str, Any]]) -> Any:
    return review_results_receive(
        actor=officer,
        call_id=call.pk,
        results=[{"item_ref": str(app.pk), "rank": 1, "score": Decimal("80"), "sheets": sheets}],
        now=at(SCORED),
    )


def _stage(app: Any) -> str:
    return str(Case.objects.get(pk=app.case_id).stage)


def test_sheet_with_na_is_accepted_and_na_is_not_zero(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    # criteria 创新性 40, 可行性 35, 团队 25; the first expert marks 可行性 n/a
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    innovation, feasibility, team = (str(c.pk) for c in call.criteria.order_by("order"))
    sheets = [
        _sheet(EXPERTS[0], {innovation: Decimal(90), feasibility: None, team: Decimal(64)}),
        *(_sheet(n, {innovation: 80, feasibility: 80, team: 80}) for n in EXPERTS[1:]),
    ]

    result = _receive(officer, call, app, sheets)

    assert (result["finished"], _stage(app)) == ([app.case.number], "ranking")
    # (90 × 40 + 64 × 25) ÷ 65 = 80: the sheet's total over the criteria answered
    row = ExpertScore.objects.get(expert_name=EXPERTS[0], criterion_id=int(feasibility))
    assert row.score == Decimal("80.00")
    assert row.comment.startswith("「可行性」不适用（n/a）")
    finished = AuditRecord.objects.get(action="programs.expert_review_finished")
    # counted as zero it would be (52 + 80 + 80) ÷ 3 = 70.67
    assert finished.data["aggregate"]["facts"]["score"] == "80.00"
    received = AuditRecord.objects.get(action="programs.review_results_received")
    assert received.data["not_applicable"] == {EXPERTS[0]: [feasibility]}


def test_na_filled_with_the_sheets_weighted_mean_rounded_half_up(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    innovation, feasibility, team = (str(c.pk) for c in call.criteria.order_by("order"))
    sheets = [
        _sheet(n, {innovation: Decimal(90), feasibility: Decimal(70), team: None}) for n in EXPERTS
    ]

    _receive(officer, call, app, sheets)

    # (90 × 40 + 70 × 35) ÷ 75 = 80.666… → 80.67
    assert (
        sorted(ExpertScore.objects.filter(criterion_id=int(team)).values_list("score", flat=True))
        == [Decimal("80.67")] * 3
    )


@pytest.mark.parametrize(
    "scores",
    [
        {"innovation": None, "feasibility": None, "team": None},  # nothing answered
        {"innovation": 80, "feasibility": 80},  # a criterion missing altogether
    ],
)
def test_sheet_that_cannot_count_leaves_the_application_waiting(
    call: Any, officer: Any, applicant: Any, lab: Any, scores: dict[str, Any]
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    codes = dict(
        zip(
            ("innovation", "feasibility", "team"),
            (str(c.pk) for c in call.criteria.order_by("order")),
            strict=True,
        )
    )
    sheets = [
        _sheet(EXPERTS[0], {codes[k]: v for k, v in scores.items()}),
        *(_sheet(n, {c: 80 for c in codes.values()}) for n in EXPERTS[1:]),
    ]

    result = _receive(officer, call, app, sheets)

    assert (result["waiting"], _stage(app)) == ([app.case.number], "expert_review")
    assert ExpertScore.objects.filter(expert_name=EXPERTS[0]).count() == 0
