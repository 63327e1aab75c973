"""Plain data for the pure review rules' tests: people, organisations, items, experts."""

from __future__ import annotations

from datetime import date

from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.review.domain import (
    AVOIDANCE,
    DRAW,
    SCORING,
    ExpertProfile,
    Relation,
    ReviewItem,
    parameters_on,
)

DAY = date(2026, 9, 30)
AVOID = parameters_on(AVOIDANCE, DAY)
DRAWP = parameters_on(DRAW, DAY)
SCORE = parameters_on(SCORING, DAY)


def uscc(n: int) -> str:
    return make_uscc(f"91440300{n:09d}")


def pid(n: int) -> str:
    return make_resident_id(f"440301198001{(n % 28) + 1:02d}{n:03d}")


ORG_A, ORG_B, ORG_C, ORG_X = uscc(1), uscc(2), uscc(3), uscc(9)
ALICE, BOB, CAROL, XAVIER = pid(1), pid(2), pid(3), pid(9)


def item(
    id: str = "A1",
    *,
    call: str = "C1",
    applicant: str = ORG_A,
    members: tuple[str, ...] = (),
    team: tuple[str, ...] = (ALICE,),
    applicants: tuple[str, ...] = (),
    fields: tuple[str, ...] = ("F06",),
) -> ReviewItem:
    return ReviewItem(
        id=id,
        call=call,
        title="人工智能芯片",
        applicant_uscc=applicant,
        member_usccs=members,
        team_ids=team,
        applicant_ids=applicants,
        fields=fields,
        keywords=("芯片", "人工智能"),
        text="面向大模型推理的低功耗芯片",
    )


def expert(
    id: str = "E1",
    *,
    person: str = XAVIER,
    employer: str = ORG_X,
    relations: tuple[Relation, ...] = (),
    fields: tuple[str, ...] = ("F06",),
) -> ExpertProfile:
    return ExpertProfile(
        id=id,
        name="专家甲",
        person_id=person,
        employer_uscc=employer,
        fields=fields,
        keywords=("芯片设计",),
        relations=relations,
    )
