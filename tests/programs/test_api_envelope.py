"""Every programmes endpoint answers bad input with {"code", "message", "fields"} and
writes nothing; ``TESTED_ENDPOINTS`` is checked against the OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from rainforest.programs import services
from rainforest.programs.models import (
    Application,
    BudgetLine,
    Call,
    DraftAttachment,
    Proposal,
    ProposalWindow,
    TeamMember,
)
from tests.conftest import at, sign_in
from tests.programs.conftest import fill, resident_id

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
MISSING = 999999
P = "/api/v1/programs"

CALLS = f"{P}/calls"
CALL = f"{P}/calls/{{call_id}}"
PUBLISH = f"{P}/calls/{{call_id}}/publish"
WINDOWS = f"{P}/windows"
PROPOSALS = f"{P}/proposals"
PROPOSAL = f"{P}/proposals/{{proposal_id}}"
DECISION = f"{P}/proposals/{{proposal_id}}/decision"
APPS = f"{P}/applications"
APP = f"{P}/applications/{{application_id}}"
BASIC = f"{APP}/basic"
TEAM = f"{APP}/team"
CONSORTIUM = f"{APP}/consortium"
BUDGET = f"{APP}/budget"
MILESTONES = f"{APP}/milestones"
ATTACH = f"{APP}/attachments"
SUBMIT = f"{APP}/submit"
RESUBMIT = f"{APP}/resubmit"
PASS = f"{APP}/formal-review/pass"
RETURN = f"{APP}/formal-review/return"
REJECT = f"{APP}/formal-review/reject"


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        Application.objects.count(),
        Call.objects.count(),
        Proposal.objects.count(),
        ProposalWindow.objects.count(),
        TeamMember.objects.count(),
        BudgetLine.objects.count(),
        DraftAttachment.objects.count(),
    )


@dataclass(frozen=True)
class World:
    ids: dict[str, object]
    users: dict[str, Any]


@pytest.fixture
def world(
    officer: Any,
    applicant: Any,
    rival_applicant: Any,
    open_call: Any,
    make_call: Any,
    lab: Any,
    field_ai: Any,
) -> World:
    draft_call = make_call(publish=False)
    draft = services.application_create(actor=applicant, call=open_call, organisation=lab)
    submitted = services.application_create(actor=applicant, call=open_call, organisation=lab)
    fill(submitted, applicant, now=at("2026-09-30 10:00"))
    submitted = services.application_submit(actor=applicant, application=submitted)
    window = services.window_open(
        actor=officer,
        field=field_ai,
        title="征集",
        opens_at=at("2026-01-01 00:00"),
        closes_at=at("2099-12-31 23:59:59"),
    )
    proposal = services.proposal_submit(
        actor=applicant,
        organisation=lab,
        window=window,
        title="建议",
        problem="问题",
        target_indicators="指标",
        why_now="原因",
        suggested_budget=__import__("decimal").Decimal("1"),
    )
    return World(
        ids={
            "call": open_call.pk,
            "draft_call": draft_call.pk,
            "draft": draft.pk,
            "submitted": submitted.pk,
            "proposal": proposal.pk,
            "window": window.pk,
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
    fields: frozenset[str] = field(default_factory=frozenset)
    who: str = "applicant"
    url: str = ""
    body: Any = None  # str sent as is; dict as JSON; callable gets World.ids
    multipart: bool = False

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:  # reads as a set literal in the table
    return frozenset(names)


def _call_body(**change: Any) -> dict[str, Any]:
    return {
        "title": "指南",
        "field_code": "AI",
        "funding_per_project": "500万",
        "funding_total": "2000万",
        "projects_planned": 4,
        "opens_at": "2026-01-01T09:00:00+08:00",
        "closes_at": "2099-01-01T23:59:59+08:00",
        "directions": [{"title": "方向", "target_indicators": "指标"}],
        "criteria": [{"name": "创新性", "weight": 100}],
        **change,
    }


def _window_body(**change: Any) -> dict[str, Any]:
    return {
        "field_code": "AI",
        "title": "征集",
        "opens_at": "2026-01-01T09:00:00+08:00",
        "closes_at": "2099-01-01T00:00:00+08:00",
        **change,
    }


def _proposal_body(ids: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {
        "window_id": ids["window"],
        "title": "建议",
        "problem": "问题",
        "target_indicators": "指标",
        "why_now": "原因",
        "suggested_budget": "100万",
        **change,
    }


def _basic(**change: Any) -> dict[str, Any]:
    return {
        "title": "项目",
        "summary": "摘要",
        "start_date": "2027-01-01",
        "end_date": "2028-01-01",
        **change,
    }


def _member(**change: Any) -> dict[str, Any]:
    return {
        "name": "张三",
        "id_number": resident_id(1),
        "organisation_name": "单位",
        "role": "负责",
        "is_pi": True,
        **change,
    }


def _budget(**change: Any) -> dict[str, Any]:
    return {
        "lines": [{"category": "equipment", "fiscal": "100", "self_raised": "100"}],
        "fiscal_total": "100",
        "self_total": "100",
        **change,
    }


def _line(**change: Any) -> dict[str, Any]:
    return _budget(
        lines=[{"category": "equipment", "fiscal": "100", "self_raised": "100", **change}]
    )


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def D(template: str, key: str) -> str:  # a path with the id of one of World's objects
    return template.replace(template[template.index("{") : template.index("}") + 1], f"{{{key}}}")


# fmt: off
BAD_REQUESTS: list[Bad] = [
    # --- public calls --------------------------------------------------------------
    Bad("GET", CALLS, "limit 0", 422, "invalid", F("limit"), url=CALLS + "?limit=0"),
    Bad("GET", CALLS, "limit a word", 422, "invalid", F("limit"), url=CALLS + "?limit=all"),
    Bad("GET", CALL, "draft call", 404, "not_found", url=D(CALL, "draft_call")),
    Bad("GET", CALL, "unknown id", 404, "not_found", url=D(CALL, "missing")),
    Bad("GET", CALL, "id a word", 422, "invalid", F("call_id"), url=CALL.format(call_id="abc")),
    # --- drafting a call -----------------------------------------------------------
    Bad("POST", CALLS, "malformed json", 400, "bad_request", who="officer", body="{"),
    Bad("POST", CALLS, "title missing", 422, "invalid", F("title"), who="officer",
        body=_without(_call_body(), "title")),
    Bad("POST", CALLS, "float amount", 422, "amount_invalid", F("funding_total"), who="officer",
        body=_call_body(funding_total=1.5)),
    Bad("POST", CALLS, "negative amount", 422, "amount_invalid", F("funding_per_project"),
        who="officer", body=_call_body(funding_per_project="-5")),
    Bad("POST", CALLS, "huge amount", 422, "amount_invalid", F("funding_total"), who="officer",
        body=_call_body(funding_total=10**30)),
    Bad("POST", CALLS, "projects a word", 422, "invalid", F("projects_planned"), who="officer",
        body=_call_body(projects_planned="four")),
    Bad("POST", CALLS, "unknown field", 422, "unknown_field", F("field_code"), who="officer",
        body=_call_body(field_code="XX")),
    Bad("POST", CALLS, "weights 99", 422, "weights_not_100", F("criteria"), who="officer",
        body=_call_body(criteria=[{"name": "a", "weight": 99}])),
    Bad("POST", CALLS, "percent 100.5", 422, "percent_invalid", F("min_self_funding_percent"),
        who="officer", body=_call_body(min_self_funding_percent="100.5")),
    Bad("POST", CALLS, "unknown attachment", 422, "unknown_kind", F("required_attachments"),
        who="officer", body=_call_body(required_attachments=["selfie"])),
    Bad("POST", CALLS, "unknown stage", 422, "unknown_stage", F("stage_limits"), who="officer",
        body=_call_body(stage_limits={"lunch": 3})),
    Bad("POST", CALLS, "applicant drafts", 403, "forbidden", body=_call_body()),
    Bad("POST", PUBLISH, "applicant publishes", 404, "not_found", url=D(PUBLISH, "draft_call")),
    Bad("POST", PUBLISH, "published twice", 409, "call_published", who="officer",
        url=D(PUBLISH, "call")),
    Bad("POST", PUBLISH, "unknown", 404, "not_found", who="officer", url=D(PUBLISH, "missing")),
    # --- windows -------------------------------------------------------------------
    Bad("POST", WINDOWS, "closes before opens", 422, "window_invalid", F("closes_at"), who="officer",
        body=_window_body(closes_at="2025-01-01T00:00:00+08:00")),
    Bad("POST", WINDOWS, "date garbage", 422, "invalid", F("opens_at"), who="officer",
        body=_window_body(opens_at="soon")),
    Bad("POST", WINDOWS, "limit 0", 422, "limit_invalid", F("review_limit_workdays"),
        who="officer", body=_window_body(review_limit_workdays=-1)),
    Bad("POST", WINDOWS, "applicant opens", 403, "forbidden", body=_window_body()),
    Bad("GET", WINDOWS, "limit 201", 422, "invalid", F("limit"), url=WINDOWS + "?limit=201"),
    # --- proposals -----------------------------------------------------------------
    Bad("POST", PROPOSALS, "malformed json", 400, "bad_request", body="[{"),
    Bad("POST", PROPOSALS, "problem missing", 422, "invalid", F("problem"),
        body=lambda ids: _without(_proposal_body(ids), "problem")),
    Bad("POST", PROPOSALS, "float budget", 422, "amount_invalid", F("suggested_budget"),
        body=lambda ids: _proposal_body(ids, suggested_budget=1.5)),
    Bad("POST", PROPOSALS, "zero budget", 422, "amount_invalid", F("suggested_budget"),
        body=lambda ids: _proposal_body(ids, suggested_budget="0")),
    Bad("POST", PROPOSALS, "blank title", 422, "required", F("title"),
        body=lambda ids: _proposal_body(ids, title="  ")),
    Bad("POST", PROPOSALS, "unknown window", 422, "unknown_window", F("window_id"),
        body=lambda ids: _proposal_body(ids, window_id=MISSING)),
    Bad("POST", PROPOSALS, "other org", 422, "not_member", F("organisation_uscc"),
        body=lambda ids: _proposal_body(ids, organisation_uscc="91440300MA5000002X")),
    Bad("GET", PROPOSALS, "limit 0", 422, "invalid", F("limit"), url=PROPOSALS + "?limit=0"),
    Bad("GET", PROPOSAL, "other org", 404, "not_found", who="rival", url=D(PROPOSAL, "proposal")),
    Bad("GET", PROPOSAL, "unknown", 404, "not_found", url=D(PROPOSAL, "missing")),
    Bad("POST", DECISION, "reason blank", 422, "required", F("reason"), who="officer",
        url=D(DECISION, "proposal"), body={"accept": True, "reason": ""}),
    Bad("POST", DECISION, "accept not bool", 422, "invalid", F("accept"), who="officer",
        url=D(DECISION, "proposal"), body={"accept": "yes", "reason": "x"}),
    Bad("POST", DECISION, "applicant decides", 403, "forbidden",
        url=D(DECISION, "proposal"), body={"accept": True, "reason": "x"}),
    Bad("POST", DECISION, "other org", 404, "not_found", who="rival",
        url=D(DECISION, "proposal"), body={"accept": True, "reason": "x"}),
    # --- applications ----------------------------------------------------------------
    Bad("POST", APPS, "call missing", 422, "invalid", F("call_id"), body={}),
    Bad("POST", APPS, "call a word", 422, "invalid", F("call_id"), body={"call_id": "one"}),
    Bad("POST", APPS, "draft call", 422, "unknown_call", F("call_id"),
        body=lambda ids: {"call_id": ids["draft_call"]}),
    Bad("POST", APPS, "officer applies", 422, "organisation_required", F("organisation_uscc"),
        who="officer", body=lambda ids: {"call_id": ids["call"]}),
    Bad("GET", APPS, "limit 500", 422, "invalid", F("limit"), url=APPS + "?limit=500"),
    Bad("GET", APP, "other applicant", 404, "not_found", who="rival", url=D(APP, "draft")),
    Bad("GET", APP, "unknown", 404, "not_found", url=D(APP, "missing")),
    Bad("PUT", BASIC, "end before start", 422, "dates_invalid", F("end_date"), url=D(BASIC, "draft"),
        body=_basic(end_date="2026-01-01")),
    Bad("PUT", BASIC, "date garbage", 422, "invalid", F("start_date"), url=D(BASIC, "draft"),
        body=_basic(start_date="2027-02-30")),
    Bad("PUT", BASIC, "no direction", 422, "direction_invalid", F("direction"),
        url=D(BASIC, "draft"), body=_basic()),
    Bad("PUT", BASIC, "submitted", 409, "not_editable", url=D(BASIC, "submitted"),
        body=_basic(direction_id=1)),
    Bad("PUT", BASIC, "other applicant", 404, "not_found", who="rival", url=D(BASIC, "draft"),
        body=_basic()),
    Bad("PUT", TEAM, "bad id number", 422, "id_number_invalid", F("team.0.id_number"),
        url=D(TEAM, "draft"), body={"members": [_member(id_number="440305199001011234")]}),
    Bad("PUT", TEAM, "no pi", 422, "pi_count", F("team"), url=D(TEAM, "draft"),
        body={"members": [_member(is_pi=False)]}),
    Bad("PUT", TEAM, "members not a list", 422, "invalid", F("members"), url=D(TEAM, "draft"),
        body={"members": "张三"}),
    Bad("PUT", CONSORTIUM, "bad uscc", 422, "uscc_invalid", F("consortium.0.uscc"),
        url=D(CONSORTIUM, "draft"),
        body={"partners": [{"uscc": "91440300MA5XXXXXXX", "name": "x", "role": "lead"}]}),
    Bad("PUT", CONSORTIUM, "unknown role", 422, "role_invalid", F("consortium.0.role"),
        url=D(CONSORTIUM, "draft"),
        body={"partners": [{"uscc": "x", "name": "x", "role": "boss"}]}),
    Bad("PUT", BUDGET, "float fiscal", 422, "amount_invalid", F("lines.0.fiscal"),
        url=D(BUDGET, "draft"), body=_line(fiscal=1.5)),
    Bad("PUT", BUDGET, "negative self", 422, "amount_invalid", F("lines.0.self_raised"),
        url=D(BUDGET, "draft"), body=_line(self_raised="-1")),
    Bad("PUT", BUDGET, "unknown category", 422, "category_invalid", F("budget.0.category"),
        url=D(BUDGET, "draft"), body=_line(category="yacht")),
    Bad("PUT", BUDGET, "total off by a fen", 422, "total_mismatch", F("fiscal_total"),
        url=D(BUDGET, "draft"), body=_budget(fiscal_total="100.01")),
    Bad("PUT", BUDGET, "huge total", 422, "amount_invalid", F("self_total"),
        url=D(BUDGET, "draft"), body=_budget(self_total=10**30)),
    Bad("PUT", MILESTONES, "none", 422, "required", F("milestones"), url=D(MILESTONES, "draft"),
        body={"milestones": []}),
    Bad("PUT", MILESTONES, "due date missing", 422, "invalid", F("milestones.0.due_date"),
        url=D(MILESTONES, "draft"), body={"milestones": [{"title": "a", "deliverables": "b"}]}),
    Bad("POST", ATTACH, "html as pdf", 422, "file_type", F("file"), url=D(ATTACH, "draft"),
        multipart=True, body={"kind": "feasibility_report", "file": ("a.pdf", b"<html>")}),
    Bad("POST", ATTACH, "unknown kind", 422, "unknown_kind", F("kind"), url=D(ATTACH, "draft"),
        multipart=True, body={"kind": "selfie", "file": ("a.pdf", b"%PDF-1.4")}),
    Bad("POST", ATTACH, "file missing", 422, "required", F("file"), url=D(ATTACH, "draft"),
        multipart=True, body={"kind": "other"}),
    Bad("POST", ATTACH, "other applicant", 404, "not_found", who="rival", url=D(ATTACH, "draft"),
        multipart=True, body={"kind": "other", "file": ("a.pdf", b"%PDF-1.4")}),
    Bad("POST", SUBMIT, "incomplete", 422, "incomplete", url=D(SUBMIT, "draft")),
    Bad("POST", SUBMIT, "twice", 409, "not_editable", url=D(SUBMIT, "submitted")),
    Bad("POST", SUBMIT, "other applicant", 404, "not_found", who="rival", url=D(SUBMIT, "draft")),
    Bad("POST", RESUBMIT, "not returned", 409, "unknown_action", url=D(RESUBMIT, "submitted")),
    Bad("POST", RESUBMIT, "draft", 409, "not_submitted", url=D(RESUBMIT, "draft")),
    Bad("POST", PASS, "applicant passes", 403, "role_not_allowed", url=D(PASS, "submitted")),
    Bad("POST", PASS, "reason a number", 422, "invalid", F("reason"), who="officer",
        url=D(PASS, "submitted"), body={"reason": 5}),
    Bad("POST", PASS, "draft", 409, "not_submitted", who="officer", url=D(PASS, "draft")),
    Bad("POST", RETURN, "reason missing", 422, "invalid", F("reason"), who="officer",
        url=D(RETURN, "submitted"), body={}),
    Bad("POST", RETURN, "reason blank", 422, "reason_required", F("reason"), who="officer",
        url=D(RETURN, "submitted"), body={"reason": " ", "correction_due": "2099-01-01"}),
    Bad("POST", RETURN, "deadline in the past", 422, "date_invalid", F("correction_due"),
        who="officer", url=D(RETURN, "submitted"),
        body={"reason": "补充", "correction_due": "2020-01-01"}),
    Bad("POST", RETURN, "deadline garbage", 422, "invalid", F("correction_due"), who="officer",
        url=D(RETURN, "submitted"), body={"reason": "补充", "correction_due": "next week"}),
    Bad("POST", REJECT, "reason blank", 422, "reason_required", F("reason"), who="officer",
        url=D(REJECT, "submitted"), body={"reason": ""}),
    Bad("POST", REJECT, "malformed json", 400, "bad_request", who="officer",
        url=D(REJECT, "submitted"), body="{"),
    Bad("POST", REJECT, "unknown", 404, "not_found", who="officer", url=D(REJECT, "missing"),
        body={"reason": "x"}),
]
# fmt: on

PUBLIC = {("GET", CALLS), ("GET", CALL)}
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS}


def _send(client: Client, bad: Bad, ids: dict[str, object]) -> Any:
    url = (bad.url or bad.path).format(**{k: v for k, v in ids.items()})
    body = bad.body(ids) if callable(bad.body) else bad.body
    if bad.method == "GET":
        return client.get(url)
    if bad.multipart:
        data = {
            k: SimpleUploadedFile(v[0], v[1]) if isinstance(v, tuple) else v
            for k, v in (body or {}).items()
        }
        return client.post(url, data=data)
    payload = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return getattr(client, bad.method.lower())(url, data=payload, content_type="application/json")


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, world: World, bad: Bad
) -> None:
    sign_in(client, world.users[bad.who])
    before = _counts()

    response = _send(client, bad, world.ids)

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code), payload
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert payload["message"] != ""
    assert _counts() == before


AUTHENTICATED = sorted(TESTED_ENDPOINTS - PUBLIC)


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_endpoint_without_auth_is_401_envelope(
    client: Client, world: World, method: str, path: str
) -> None:
    ids = {
        "call_id": world.ids["call"],
        "proposal_id": world.ids["proposal"],
        "application_id": world.ids["draft"],
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


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC))
def test_public_endpoint_needs_no_auth(
    client: Client, world: World, method: str, path: str
) -> None:
    response = client.get(path.format(call_id=world.ids["call"]))

    assert response.status_code == 200
