"""Every stages 6-9 endpoint answers bad input with {"code", "message", "fields"} and
writes nothing; ``TESTED_ENDPOINTS`` is checked against the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from rainforest.programs.models import (
    ExpertAssignment,
    ExpertScore,
    FundingLine,
    Objection,
    Project,
    PublicNotice,
    RankingDecision,
    Signature,
    TaskContract,
)
from rainforest.programs.services import contract, decision, notice
from tests.conftest import at, sign_in
from tests.programs.decision_world import AFTER_NOTICE, passed, published, ranked, submit

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
MISSING = 999999
P = "/api/v1/programs"

EXPERTS = f"{P}/applications/{{application_id}}/experts"
SCORES = f"{P}/applications/{{application_id}}/scores"
FINISH = f"{P}/applications/{{application_id}}/finish-review"
RANKING = f"{P}/calls/{{call_id}}/ranking"
ADJUST = f"{P}/calls/{{call_id}}/ranking/adjustments"
NOTICE = f"{P}/calls/{{call_id}}/notice"
CLOSE = f"{P}/notices/{{notice_id}}/close"
OBJECTIONS = f"{P}/notices/{{notice_id}}/objections"
SETTLE = f"{P}/objections/{{objection_id}}/settle"
PUBLIC_NOTICES = f"{P}/public/notices"
PUBLIC_NOTICE = f"{P}/public/notices/{{notice_id}}"
LODGE = f"{P}/public/notices/{{notice_id}}/objections"
APPROVE = f"{P}/applications/{{application_id}}/approve"
CONTRACT = f"{P}/projects/{{project_id}}/contract"
SIGN = f"{P}/projects/{{project_id}}/contract/sign"

GROUNDS = "该项目负责人同期承担的项目与申报内容高度重复，请核查是否重复申报。"


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        ExpertAssignment.objects.count(),
        ExpertScore.objects.count(),
        RankingDecision.objects.count(),
        FundingLine.objects.count(),
        PublicNotice.objects.count(),
        Objection.objects.count(),
        Project.objects.count(),
        TaskContract.objects.count(),
        Signature.objects.count(),
    )


@dataclass(frozen=True)
class World:
    ids: dict[str, Any]
    users: dict[str, Any]


@pytest.fixture
def world(
    call: Any,
    make_call: Any,
    officer: Any,
    applicant: Any,
    lab: Any,
    rival_applicant: Any,
    rival: Any,
) -> World:
    """A call ranked and published (fixed clock, notice over); one objection settled; the
    first project approved with its contract; a second call with one application in
    expert review (two experts assigned, none scored)."""
    done = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])
    posted = published(done, officer)
    objection = notice.objection_lodge(
        notice=posted,
        application_number=done.apps[1].case.number,
        name="王某",
        contact="13800138000",
        grounds=GROUNDS,
        now=at("2026-11-18 10:00"),
    )
    notice.objection_settle(
        actor=officer, objection=objection, upheld=False, reason="不属实", now=at(AFTER_NOTICE)
    )
    project = contract.project_approve(
        actor=officer, application=done.apps[0], now=at(AFTER_NOTICE)
    )
    contract.contract_generate(actor=officer, project=project, now=at(AFTER_NOTICE))
    other = make_call(title="第二份指南")
    in_review = passed(officer, submit(other, applicant, lab, pi_number=40, title="评审中课题"))
    decision.expert_assign(
        actor=officer,
        application=in_review,
        experts=[decision.ExpertIn("专家甲"), decision.ExpertIn("专家乙")],
    )
    return World(
        ids={
            "ranked_call": call.pk,
            "review_call": other.pk,
            "approved": done.apps[0].pk,
            "listed": done.apps[1].pk,
            "in_review": in_review.pk,
            "notice": posted.pk,
            "objection": objection.pk,
            "project": project.pk,
            "criterion": other.criteria.first().pk,
            "listed_number": done.apps[1].case.number,
            "missing": MISSING,
        },
        users={"officer": officer, "applicant": applicant, "rival": rival_applicant},
    )


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    label: str
    status: int
    code: str
    fields: frozenset[str] | Callable[[dict[str, Any]], frozenset[str]] = field(
        default_factory=frozenset
    )
    who: str = "officer"
    url: str = ""
    body: Any = None  # str sent as is; dict as JSON; callable gets World.ids

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


def D(template: str, key: str) -> str:  # the path with the id of one of World's objects
    return template.replace(template[template.index("{") : template.index("}") + 1], f"{{{key}}}")


def _scores(ids: dict[str, Any], value: Any = "80", **change: Any) -> dict[str, Any]:
    return {"expert_name": "专家甲", "scores": {str(ids["criterion"]): value}, **change}


def _lodge(ids: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {
        "application_number": ids["listed_number"],
        "name": "王某",
        "contact": "13800138000",
        "grounds": GROUNDS,
        **change,
    }


# fmt: off
BAD_REQUESTS: list[Bad] = [
    # --- 6. expert review --------------------------------------------------------------
    Bad("POST", EXPERTS, "applicant assigns", 404, "not_found", who="applicant",
        url=D(EXPERTS, "in_review"), body={"experts": [{"name": "我自己"}]}),
    Bad("POST", EXPERTS, "experts missing", 422, "invalid", F("experts"),
        url=D(EXPERTS, "in_review"), body={}),
    Bad("POST", EXPERTS, "experts not a list", 422, "invalid", F("experts"),
        url=D(EXPERTS, "in_review"), body={"experts": "张三"}),
    Bad("POST", EXPERTS, "blank name", 422, "required", F("experts.0.name"),
        url=D(EXPERTS, "in_review"), body={"experts": [{"name": "  "}]}),
    Bad("POST", EXPERTS, "malformed json", 400, "bad_request", url=D(EXPERTS, "in_review"),
        body="{"),
    Bad("POST", EXPERTS, "not in review", 409, "not_in_expert_review",
        url=D(EXPERTS, "listed"), body={"experts": [{"name": "专家丙"}]}),
    Bad("POST", EXPERTS, "unknown", 404, "not_found", url=D(EXPERTS, "missing"),
        body={"experts": [{"name": "专家丙"}]}),
    Bad("POST", SCORES, "float score", 422, "score_invalid",
        lambda ids: F(f"scores.{ids['criterion']}"), url=D(SCORES, "in_review"),
        body=lambda ids: _scores(ids, 85.5)),
    Bad("POST", SCORES, "score 100.01", 422, "score_out_of_range",
        lambda ids: F(f"scores.{ids['criterion']}"), url=D(SCORES, "in_review"),
        body=lambda ids: _scores(ids, "100.01")),
    Bad("POST", SCORES, "negative score", 422, "score_out_of_range",
        lambda ids: F(f"scores.{ids['criterion']}"), url=D(SCORES, "in_review"),
        body=lambda ids: _scores(ids, -1)),
    Bad("POST", SCORES, "huge score", 422, "score_out_of_range",
        lambda ids: F(f"scores.{ids['criterion']}"), url=D(SCORES, "in_review"),
        body=lambda ids: _scores(ids, 10**30)),
    Bad("POST", SCORES, "a criterion missing", 422, "score_missing",
        lambda ids: F(f"scores.{ids['criterion'] + 1}"), url=D(SCORES, "in_review"),
        body=_scores),
    Bad("POST", SCORES, "unknown criterion", 422, "criterion_unknown", F("scores.abc"),
        url=D(SCORES, "in_review"), body={"expert_name": "专家甲", "scores": {"abc": "80"}}),
    Bad("POST", SCORES, "unassigned expert", 422, "expert_not_assigned", F("expert_name"),
        url=D(SCORES, "in_review"), body=lambda ids: _scores(ids, expert_name="路人")),
    Bad("POST", SCORES, "expert missing", 422, "invalid", F("expert_name"),
        url=D(SCORES, "in_review"), body={"scores": {}}),
    Bad("POST", SCORES, "applicant scores", 404, "not_found", who="applicant",
        url=D(SCORES, "in_review"), body=_scores),
    Bad("GET", SCORES, "applicant reads own scores", 404, "not_found", who="applicant",
        url=D(SCORES, "approved")),
    Bad("GET", SCORES, "rival reads scores", 404, "not_found", who="rival",
        url=D(SCORES, "approved")),
    Bad("GET", SCORES, "unknown", 404, "not_found", url=D(SCORES, "missing")),
    Bad("POST", FINISH, "scores missing", 409, "guard_failed", url=D(FINISH, "in_review")),
    Bad("POST", FINISH, "applicant finishes", 404, "not_found", who="applicant",
        url=D(FINISH, "in_review")),
    # --- 7. ranking ----------------------------------------------------------------------
    Bad("POST", RANKING, "application still in review", 409, "review_not_finished",
        url=D(RANKING, "review_call"), body={}),
    Bad("POST", RANKING, "after the notice", 409, "notice_published",
        url=D(RANKING, "ranked_call"), body={}),
    Bad("POST", RANKING, "mode a number", 422, "invalid", F("mode"),
        url=D(RANKING, "review_call"), body={"mode": 3}),
    Bad("POST", RANKING, "applicant ranks", 404, "not_found", who="applicant",
        url=D(RANKING, "review_call"), body={}),
    Bad("GET", RANKING, "applicant reads ranking", 404, "not_found", who="applicant",
        url=D(RANKING, "ranked_call")),
    Bad("GET", RANKING, "not ranked", 404, "not_found", url=D(RANKING, "review_call")),
    Bad("POST", ADJUST, "none", 422, "required", F("adjustments"),
        url=D(ADJUST, "ranked_call"), body={"adjustments": []}),
    Bad("POST", ADJUST, "id a word", 422, "invalid", F("adjustments.0.application_id"),
        url=D(ADJUST, "ranked_call"),
        body={"adjustments": [{"application_id": "one", "action": "include", "reason": "x"}]}),
    Bad("POST", ADJUST, "after the notice", 409, "notice_published",
        url=D(ADJUST, "ranked_call"),
        body={"adjustments": [{"application_id": 1, "action": "include", "reason": "理由充分"}]}),
    Bad("POST", ADJUST, "not ranked", 409, "no_ranking", url=D(ADJUST, "review_call"),
        body={"adjustments": [{"application_id": 1, "action": "include", "reason": "理由充分"}]}),
    Bad("POST", ADJUST, "applicant adjusts", 404, "not_found", who="applicant",
        url=D(ADJUST, "ranked_call"),
        body={"adjustments": [{"application_id": 1, "action": "include", "reason": "理由充分"}]}),
    # --- 8. notice and objections --------------------------------------------------------
    Bad("POST", NOTICE, "published twice", 409, "notice_published",
        url=D(NOTICE, "ranked_call"), body={}),
    Bad("POST", NOTICE, "not ranked", 409, "no_ranking", url=D(NOTICE, "review_call"), body={}),
    Bad("POST", NOTICE, "title a number", 422, "invalid", F("title"),
        url=D(NOTICE, "review_call"), body={"title": 5}),
    Bad("POST", NOTICE, "applicant publishes", 404, "not_found", who="applicant",
        url=D(NOTICE, "review_call"), body={}),
    Bad("POST", CLOSE, "applicant closes", 404, "not_found", who="applicant",
        url=D(CLOSE, "notice")),
    Bad("POST", CLOSE, "unknown", 404, "not_found", url=D(CLOSE, "missing")),
    Bad("GET", OBJECTIONS, "applicant reads objections", 404, "not_found", who="applicant",
        url=D(OBJECTIONS, "notice")),
    Bad("GET", OBJECTIONS, "limit 0", 422, "invalid", F("limit"),
        url=D(OBJECTIONS, "notice") + "?limit=0"),
    Bad("POST", SETTLE, "reason blank", 422, "required", F("reason"),
        url=D(SETTLE, "objection"), body={"upheld": False, "reason": " "}),
    Bad("POST", SETTLE, "upheld not bool", 422, "invalid", F("upheld"),
        url=D(SETTLE, "objection"), body={"upheld": "yes", "reason": "x"}),
    Bad("POST", SETTLE, "settled twice", 409, "objection_settled",
        url=D(SETTLE, "objection"), body={"upheld": True, "reason": "再次处理"}),
    Bad("POST", SETTLE, "applicant settles", 404, "not_found", who="applicant",
        url=D(SETTLE, "objection"), body={"upheld": True, "reason": "x"}),
    Bad("GET", PUBLIC_NOTICES, "limit 201", 422, "invalid", F("limit"), who="anonymous",
        url=PUBLIC_NOTICES + "?limit=201"),
    Bad("GET", PUBLIC_NOTICE, "unknown", 404, "not_found", who="anonymous",
        url=D(PUBLIC_NOTICE, "missing")),
    Bad("GET", PUBLIC_NOTICE, "id a word", 422, "invalid", F("notice_id"), who="anonymous",
        url=PUBLIC_NOTICE.format(notice_id="abc")),
    Bad("POST", LODGE, "after the notice", 422, "objection_after_notice", F("lodged_at"),
        who="anonymous", url=D(LODGE, "notice"), body=_lodge),
    Bad("POST", LODGE, "anonymous name", 422, "objection_name_required", F("objector_name"),
        who="anonymous", url=D(LODGE, "notice"), body=lambda ids: _lodge(ids, name=" ")),
    Bad("POST", LODGE, "contact garbage", 422, "objection_contact_invalid", F("contact"),
        who="anonymous", url=D(LODGE, "notice"), body=lambda ids: _lodge(ids, contact="明天")),
    Bad("POST", LODGE, "grounds missing", 422, "invalid", F("grounds"), who="anonymous",
        url=D(LODGE, "notice"), body=lambda ids: {k: v for k, v in _lodge(ids).items()
                                                   if k != "grounds"}),
    Bad("POST", LODGE, "unlisted project", 422, "objection_application_not_listed",
        F("application_number"), who="anonymous", url=D(LODGE, "notice"),
        body=lambda ids: _lodge(ids, application_number="RDA-2026-999999")),
    Bad("POST", LODGE, "malformed json", 400, "bad_request", who="anonymous",
        url=D(LODGE, "notice"), body="{"),
    Bad("POST", LODGE, "unknown notice", 404, "not_found", who="anonymous",
        url=D(LODGE, "missing"), body=_lodge),
    # --- 9. approval and the contract ----------------------------------------------------
    Bad("POST", APPROVE, "approved twice", 409, "approved",
        url=D(APPROVE, "approved")),
    Bad("POST", APPROVE, "in review", 409, "not_awaiting_approval", url=D(APPROVE, "in_review")),
    Bad("POST", APPROVE, "applicant approves", 404, "not_found", who="applicant",
        url=D(APPROVE, "listed")),
    Bad("POST", CONTRACT, "applicant generates", 403, "forbidden", who="applicant",
        url=D(CONTRACT, "project")),
    Bad("POST", CONTRACT, "unknown", 404, "not_found", url=D(CONTRACT, "missing")),
    Bad("GET", CONTRACT, "rival reads", 404, "not_found", who="rival",
        url=D(CONTRACT, "project")),
    Bad("POST", SIGN, "unknown side", 422, "side_invalid", F("side"), url=D(SIGN, "project"),
        body={"side": "witness"}),
    Bad("POST", SIGN, "side missing", 422, "invalid", F("side"), url=D(SIGN, "project"),
        body={}),
    Bad("POST", SIGN, "applicant signs for bureau", 403, "forbidden", who="applicant",
        url=D(SIGN, "project"), body={"side": "bureau"}),
    Bad("POST", SIGN, "rival signs", 404, "not_found", who="rival", url=D(SIGN, "project"),
        body={"side": "undertaker"}),
]
# fmt: on

PUBLIC = {("GET", PUBLIC_NOTICES), ("GET", PUBLIC_NOTICE), ("POST", LODGE)}
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS}


def _send(client: Client, bad: Bad, ids: dict[str, Any]) -> Any:
    url = (bad.url or bad.path).format(**ids)
    body = bad.body(ids) if callable(bad.body) else bad.body
    if bad.method == "GET":
        return client.get(url)
    payload = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return getattr(client, bad.method.lower())(url, data=payload, content_type="application/json")


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, world: World, bad: Bad
) -> None:
    if bad.who != "anonymous":
        sign_in(client, world.users[bad.who])
    before = _counts()

    response = _send(client, bad, world.ids)

    payload = response.json()
    expected = bad.fields(world.ids) if callable(bad.fields) else bad.fields
    assert (response.status_code, payload["code"]) == (bad.status, bad.code), payload
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == expected
    assert payload["message"] != ""
    assert _counts() == before


@pytest.mark.parametrize(("method", "path"), sorted(TESTED_ENDPOINTS - PUBLIC))
def test_endpoint_without_auth_is_401_envelope(
    client: Client, world: World, method: str, path: str
) -> None:
    ids = {
        "application_id": world.ids["in_review"],
        "call_id": world.ids["ranked_call"],
        "notice_id": world.ids["notice"],
        "objection_id": world.ids["objection"],
        "project_id": world.ids["project"],
    }
    before = _counts()

    url = path.format(**ids)
    response = (
        client.get(url)
        if method == "GET"
        else getattr(client, method.lower())(url, data="{}", content_type="application/json")
    )

    assert (response.status_code, response.json()) == (
        401,
        {"code": "unauthenticated", "message": "请先登录或提供有效的令牌", "fields": {}},
    )
    assert _counts() == before
