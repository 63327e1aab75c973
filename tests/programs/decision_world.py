"""Builders for stages 6-9 tests: applications through formal review, scored, ranked,
published. Plain functions (not fixtures) so each test states the world it needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rainforest.programs import services
from rainforest.programs.models import Application, PublicNotice, RankingDecision
from rainforest.programs.services import decision, notice, ranking
from tests.conftest import at
from tests.programs.conftest import NOW, fill

PASSED = "2026-11-02 10:00"
SCORED = "2026-11-05 10:00"
RANKED = "2026-11-10 10:00"
# Thursday 12 November 2026; five working days counted from the next day end on
# Thursday 19 November at 23:59:59.999999.
PUBLISHED = "2026-11-12 10:00"
NOTICE_CLOSES = "2026-11-19 23:59:59.999999"
AFTER_NOTICE = "2026-11-20 09:00"
EXPERTS = ("专家甲", "专家乙", "专家丙")


def submit(
    call: Any,
    actor: Any,
    org: Any,
    *,
    pi_number: int,
    title: str,
    fiscal: str = "3000000.00",
) -> Application:
    draft = services.application_create(
        actor=actor, call=call, organisation=org, now=at("2026-09-10 10:00")
    )
    fill(
        draft,
        actor,
        pi_number=pi_number,
        title=title,
        summary=f"{title}：研究内容与预期成果说明，编号 {pi_number}。",
        fiscal=fiscal,
        own=fiscal,
    )
    return services.application_submit(actor=actor, application=draft, now=at(NOW))


def passed(officer: Any, application: Application) -> Application:
    services.formal_review_pass(actor=officer, application=application, now=at(PASSED))
    application.refresh_from_db()
    return application


def score(officer: Any, application: Application, points: dict[str, int]) -> None:
    """Assign the three experts and record ``points[expert]`` on every criterion."""
    decision.expert_assign(
        actor=officer,
        application=application,
        experts=[decision.ExpertIn(name) for name in points],
        now=at(SCORED),
    )
    criteria = list(application.call.criteria.all())
    for name, value in points.items():
        decision.expert_scores_record(
            actor=officer,
            application=application,
            expert_name=name,
            scores={c.pk: value for c in criteria},
            comment=f"{name}的评审意见",
            now=at(SCORED),
        )


@dataclass
class Ranked:
    call: Any
    apps: list[Application]  # in the order given: best score first
    ranking: RankingDecision


def ranked(
    call: Any,
    officer: Any,
    people: list[tuple[Any, Any]],
    *,
    scores: tuple[int, ...] = (90, 80, 70),
    fiscal: tuple[str, ...] = ("5000000.00", "5000000.00", "5000000.00"),
) -> Ranked:
    """Applications from ``people`` [(user, org)], passed, scored, finished and ranked."""
    apps = []
    for i, ((user, org), points) in enumerate(zip(people, scores, strict=True)):
        app = submit(
            call,
            user,
            org,
            pi_number=10 + i,
            title=f"第{i + 1}号课题：边缘推理芯片方向{i + 1}",
            fiscal=fiscal[i],
        )
        passed(officer, app)
        score(officer, app, {name: points for name in EXPERTS})
        decision.expert_review_finish(actor=officer, application=app, now=at(SCORED))
        app.refresh_from_db()
        apps.append(app)
    drawn = ranking.ranking_draw(actor=officer, call=call, now=at(RANKED))
    return Ranked(call=call, apps=apps, ranking=drawn)


def published(world: Ranked, officer: Any) -> PublicNotice:
    return notice.notice_publish(actor=officer, call=world.call, now=at(PUBLISHED))


def budget(total: str, projects: int) -> dict[str, Any]:
    return {"funding_total": Decimal(total), "projects_planned": projects}
