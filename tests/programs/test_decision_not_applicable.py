"""Staff record "n/a" (不适用) for a criterion; it is stored as a None score, aggregated as
left out (never zero), and every page and API answer shows it as 不适用 / null."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.core.errors import ValidationError
from rainforest.programs.models import ExpertScore
from rainforest.programs.services import decision
from tests.conftest import at, sign_in
from tests.programs.decision_world import SCORED, passed, submit

pytestmark = pytest.mark.django_db

P = "/api/v1/programs"


def _app(call: Any, officer: Any, applicant: Any, lab: Any, *experts: str) -> Any:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    decision.expert_assign(
        actor=officer,
        application=app,
        experts=[decision.ExpertIn(e) for e in experts],
        now=at(SCORED),
    )
    return app


def _criteria(call: Any) -> list[Any]:
    return list(call.criteria.order_by("order"))  # 创新性 40, 可行性 35, 团队 25


@pytest.mark.parametrize("word", ["不适用", "n/a", "N/A", " na "])
def test_staff_record_na_as_none_and_the_score_leaves_it_out(
    call: Any, officer: Any, applicant: Any, lab: Any, word: str
) -> None:
    app = _app(call, officer, applicant, lab, "专家甲", "专家乙")
    innovation, feasibility, team = _criteria(call)
    for name, team_score in (("专家甲", word), ("专家乙", "70")):
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name=name,
            scores={innovation.pk: "90", feasibility.pk: 80, team.pk: team_score},
            now=at(SCORED),
        )
    decision.expert_review_finish(actor=officer, application=app, now=at(SCORED))

    row = ExpertScore.objects.get(expert_name="专家甲", criterion=team)
    assert row.score is None
    recorded = AuditRecord.objects.get(
        action="programs.expert_scores_recorded", data__expert="专家甲"
    )
    assert recorded.data["not_applicable"] == [str(team.pk)]
    facts = AuditRecord.objects.get(action="programs.expert_review_finished").data["aggregate"][
        "facts"
    ]
    # 团队's mean is 70 (only 专家乙 scored it): 90 × 0.40 + 80 × 0.35 + 70 × 0.25 = 81.50;
    # counted as zero it would be 72.75
    assert (facts["score"], facts["criterion_means"][str(team.pk)]) == ("81.50", "70.00")


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (("不适用", "n/a", "NA"), "scores_all_not_applicable"),
        (("80", "", "80"), "score_missing"),  # blank is missing, not n/a
        (("80", "n.a.", "80"), "score_invalid"),
    ],
)
def test_staff_sheet_refused_writes_nothing(
    call: Any, officer: Any, applicant: Any, lab: Any, values: tuple[str, ...], code: str
) -> None:
    app = _app(call, officer, applicant, lab, "专家甲")
    with pytest.raises(ValidationError) as exc:
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name="专家甲",
            scores={c.pk: v for c, v in zip(_criteria(call), values, strict=True)},
        )
    assert exc.value.code == code
    assert not ExpertScore.objects.filter(application=app).exists()


def test_scores_page_shows_na_and_a_real_zero(
    client: Client, call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = _app(call, officer, applicant, lab, "专家甲", "专家乙")
    innovation, feasibility, team = _criteria(call)
    sign_in(client, officer)
    url = f"/programs/decision/applications/{app.pk}/scores/"

    posted = client.post(
        url,
        {
            "action": "score",
            "expert_name": "专家甲",
            f"score-{innovation.pk}": "0",
            f"score-{feasibility.pk}": "不适用",
            f"score-{team.pk}": "66.5",
        },
    )
    html = client.get(url).content.decode()

    assert posted.status_code == 302
    row = html.split('<table id="sheets">')[1].split("</table>")[0].split("专家甲")[1]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:4]]
    assert cells == ["0.00", "不适用", "66.50"]
    assert "None" not in html.split('<table id="sheets">')[1].split("</table>")[0]


def test_scores_api_takes_na_and_answers_null(
    client: Client, call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = _app(call, officer, applicant, lab, "专家甲")
    innovation, feasibility, team = _criteria(call)
    sign_in(client, officer)

    posted = client.post(
        f"{P}/applications/{app.pk}/scores",
        data={
            "expert_name": "专家甲",
            "scores": {str(innovation.pk): 90, str(feasibility.pk): "n/a", str(team.pk): "0"},
        },
        content_type="application/json",
    )
    read = client.get(f"{P}/applications/{app.pk}/scores").json()

    assert posted.status_code == 200
    assert read["sheets"][0]["scores"] == [
        {
            "criterion_id": innovation.pk,
            "criterion": "创新性",
            "score": "90.00",
            "not_applicable": False,
        },
        {
            "criterion_id": feasibility.pk,
            "criterion": "可行性",
            "score": None,
            "not_applicable": True,
        },
        {"criterion_id": team.pk, "criterion": "团队", "score": "0.00", "not_applicable": False},
    ]
    assert ExpertScore.objects.get(criterion=feasibility).score is None


def test_openapi_score_out_allows_null(client: Client) -> None:
    schemas = client.get(f"{P.removesuffix('/programs')}/openapi.json").json()["components"][
        "schemas"
    ]
    score = schemas["ScoreOut"]["properties"]["score"]
    assert {"type": "null"} in score["anyOf"]
    assert (
        "n/a" in schemas["ScoresIn"]["properties"]["scores"]["additionalProperties"]["description"]
    )
