"""programs' review_results_receive: the review module's sheets, "n/a" included.

"n/a" (不适用) is never counted as zero: a sheet with an n/a criterion is accepted, the
criterion is stored as a None score (no number the expert never gave), and the call's
aggregate leaves it out of every sum, renormalising the weights.
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
    # stored as the expert said it: n/a, not a number made up for them
    row = ExpertScore.objects.get(expert_name=EXPERTS[0], criterion_id=int(feasibility))
    assert (row.score, row.comment) == (None, "")
    assert ExpertScore.objects.filter(score__isnull=True).count() == 1
    finished = AuditRecord.objects.get(action="programs.expert_review_finished")
    facts = finished.data["aggregate"]["facts"]
    # criterion means: 创新性 (90+80+80)/3, 可行性 (80+80)/2 over the two who scored it,
    # 团队 (64+80+80)/3; (83.33… × 40 + 80 × 35 + 74.66… × 25) ÷ 100 = 80.00.
    # Counted as zero it would be (52 + 80 + 80) ÷ 3 = 70.67.
    assert (facts["score"], facts["criterion_means"][feasibility]) == ("80.00", "80.00")
    assert (facts["not_applicable"], facts["criteria_left_out"]) == (1, [])
    assert "共有 1 项评分为「不适用」（n/a），未计入，不按零分计算" in str(
        finished.data["aggregate"]["reasons"]
    )
    received = AuditRecord.objects.get(action="programs.review_results_received")
    assert received.data["not_applicable"] == {EXPERTS[0]: [feasibility]}
    recorded = AuditRecord.objects.get(
        action="programs.expert_scores_recorded", data__expert=EXPERTS[0]
    )
    assert recorded.data["not_applicable"] == [feasibility]


def test_criterion_every_expert_marks_na_is_left_out_and_weights_renormalised(
    call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    innovation, feasibility, team = (str(c.pk) for c in call.criteria.order_by("order"))
    sheets = [
        _sheet(n, {innovation: Decimal(90), feasibility: Decimal(70), team: None}) for n in EXPERTS
    ]

    _receive(officer, call, app, sheets)

    assert (
        list(ExpertScore.objects.filter(criterion_id=int(team)).values_list("score", flat=True))
        == [None] * 3
    )
    facts = AuditRecord.objects.get(action="programs.expert_review_finished").data["aggregate"][
        "facts"
    ]
    # 团队 (25) left out: (90 × 40 + 70 × 35) ÷ 75 = 80.666… → 80.67 (as zero: 60.50)
    assert (facts["score"], facts["criteria_left_out"], facts["not_applicable"]) == (
        "80.67",
        [team],
        3,
    )
    assert team not in facts["criterion_means"]


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
