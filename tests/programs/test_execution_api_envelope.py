"""Every execution and organisation-mode endpoint answers bad input with
{"code", "message", "fields"} and writes nothing; ``TESTED_ENDPOINTS`` is checked against
the OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from rainforest.ledger.models import LedgerPosting
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import (
    Acceptance,
    Challenge,
    ChangeRequest,
    Consortium,
    GateReport,
    NationalProject,
    OwnerPlan,
    OwnerSubProject,
    Portfolio,
    StageGate,
    TrancheDecision,
)
from rainforest.programs.services import execution_changes as ch
from rainforest.programs.services import modes
from rainforest.programs.services import modes_owner as mo
from rainforest.programs.services import modes_portfolio as mp
from rainforest.programs.services import modes_registrations as mr
from tests.conftest import sign_in
from tests.factories import person
from tests.programs.conftest import shenzhen_uscc
from tests.programs.execution_support import quick_project

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
MISSING = 999999
P = "/api/v1/programs"

PROJECTS = f"{P}/projects"
PROJECT = f"{P}/projects/{{project_id}}"
BEGIN = f"{PROJECT}/execution"
RELEASE = f"{PROJECT}/tranches/{{order}}/release"
REPORT_SUBMIT = f"{PROJECT}/reports/{{report_id}}/submit"
REPORT_REVIEW = f"{PROJECT}/reports/{{report_id}}/review"
CHANGES = f"{PROJECT}/changes"
OPINION = f"{P}/changes/{{change_id}}/opinion"
CHANGE_DECISION = f"{P}/changes/{{change_id}}/decision"
MIDTERM = f"{PROJECT}/midterm"
ACC_REQUEST = f"{PROJECT}/acceptance/request"
ACC_DECISION = f"{PROJECT}/acceptance/decision"
TERMINATION = f"{PROJECT}/termination"
CHALLENGES = f"{P}/challenges"
CHALLENGE = f"{P}/challenges/{{challenge_id}}"
PUBLISH = f"{CHALLENGE}/publish"
EVALUATE = f"{CHALLENGE}/evaluate"
TAKE_UP = f"{CHALLENGE}/teams"
TEAM = f"{P}/challenge-teams/{{team_id}}"
SELECTION = f"{TEAM}/selection"
GATE_REPORT = f"{TEAM}/gates/{{gate_id}}/report"
GATE_REVIEW = f"{P}/gate-reports/{{report_id}}/review"
NATIONAL = f"{P}/national-projects"
NATIONAL_DECISION = f"{P}/national-projects/{{registration_id}}/decision"
CONSORTIA = f"{P}/consortia"
CONSORTIUM_DECISION = f"{P}/consortia/{{consortium_id}}/decision"
SHARE = f"{P}/consortia/share"
OWNER = f"{P}/owner-plans"
OWNER_PLAN = f"{P}/owner-plans/{{plan_id}}"
OWNER_SUBMISSION = f"{P}/owner-plans/{{plan_id}}/submission"
OWNER_DECISION = f"{P}/owner-plans/{{plan_id}}/decision"
SUBPROJECTS = f"{P}/owner-plans/{{plan_id}}/subprojects"
SUB_DECISION = f"{P}/owner-subprojects/{{subproject_id}}/decision"
AUDIT_SUBMIT = f"{P}/owner-plans/{{plan_id}}/audit-submission"
AUDIT = f"{P}/owner-plans/{{plan_id}}/audit"
PORTFOLIOS = f"{P}/portfolios"
PORTFOLIO = f"{P}/portfolios/{{portfolio_id}}"
PORTFOLIO_PROJECTS = f"{P}/portfolios/{{portfolio_id}}/projects"
STAGE_GATES = f"{PROJECT}/stage-gates"
GATE_DECISION = f"{P}/stage-gates/{{gate_id}}/decision"


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        LedgerPosting.objects.count(),
        ChangeRequest.objects.count(),
        TrancheDecision.objects.count(),
        Acceptance.objects.count(),
        Challenge.objects.count(),
        GateReport.objects.count(),
        NationalProject.objects.count(),
        Consortium.objects.count(),
        OwnerPlan.objects.count(),
        OwnerSubProject.objects.count(),
        Portfolio.objects.count(),
        StageGate.objects.count(),
    )


@dataclass(frozen=True)
class World:
    ids: dict[str, object]
    users: dict[str, Any]


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("a.pdf", b"%PDF-1.4\n% x\n", content_type="application/pdf")


@pytest.fixture
def world(
    officer: Any,
    applicant: Any,
    rival_applicant: Any,
    lab: Any,
    rival: Any,
    field_ai: Any,
    bureau: Any,
) -> World:
    now = timezone.now()
    later = now.replace(year=2098)
    manager = person(Role.PROGRAMME_OFFICER, bureau, username="manager")
    project = quick_project(officer=officer, org=lab, field=field_ai, number="E-1")
    managed = quick_project(officer=officer, org=lab, field=field_ai, number="E-2")
    report = project.reports.get()
    change = ch.change_request(actor=applicant, project=project, kind="team", description="换人")
    draft_challenge = modes.challenge_create(
        actor=officer,
        title="草稿榜",
        goal="目标",
        funding_per_team=Decimal("100"),
        max_teams=1,
        takeup_closes_at=later,
        gates=[modes.GateIn("一", later.replace(year=2099), Decimal("1"))],
    )
    challenge = modes.challenge_create(
        actor=officer,
        title="榜",
        goal="目标",
        funding_per_team=Decimal("1000000"),
        max_teams=2,
        takeup_closes_at=later,
        gates=[
            modes.GateIn("一", later.replace(year=2099), Decimal("0.5")),
            modes.GateIn("二", later.replace(year=2099, month=12), Decimal("0.5")),
        ],
    )
    challenge = modes.challenge_publish(actor=officer, challenge=challenge)
    team = modes.challenge_take_up(
        actor=applicant, challenge=challenge, organisation=lab, leader_name="张三", plan="方案"
    )
    modes.team_select(actor=officer, team=team, selected=True)
    gate1 = challenge.gates.get(order=1)
    gate_report = modes.gate_report_submit(actor=applicant, team=team, gate=gate1, body="报告")
    registration = mr.national_register(
        actor=applicant,
        organisation=lab,
        programme="国家重点研发计划",
        number="2026YFA01",
        title="国家项目",
        national_funding=Decimal("100"),
        period_start=now.date(),
        period_end=later.date(),
        landed_in_shenzhen=True,
        proof=_pdf(),
    )
    consortium = mr.consortium_register(
        actor=applicant,
        lead=lab,
        name="联合体",
        members=[dm.PartnerIn(shenzhen_uscc(41), "深圳大学", "university")],
        agreement=_pdf(),
    )
    plan = mo.owner_plan_create(
        actor=applicant, owner=lab, title="方案", plan="内容", budget_total=Decimal("1000")
    )
    mo.owner_plan_decide(actor=officer, plan=plan, approve=True)
    sub = mo.subproject_add(
        actor=applicant, plan=plan, title="子课题", undertaker="甲", amount=Decimal("10")
    )
    owner_draft = mo.owner_plan_save(
        actor=applicant, owner=lab, title="草稿方案", plan="", budget_total=None
    )
    portfolio = mp.portfolio_create(
        actor=officer, title="项目群", manager=manager, budget_total=Decimal("10000000")
    )
    mp.portfolio_add_project(actor=officer, portfolio=portfolio, project=managed)
    stage_gate = mp.stage_gate_request(actor=applicant, project=managed, report="中期")
    return World(
        ids={
            "project_id": project.pk,
            "report_id": report.pk,
            "order": 1,
            "change_id": change.pk,
            "challenge_id": challenge.pk,
            "draft_challenge": draft_challenge.pk,
            "team_id": team.pk,
            "gate_id": gate1.pk,
            "gate_report": gate_report.pk,
            "registration_id": registration.pk,
            "consortium_id": consortium.pk,
            "plan_id": plan.pk,
            "owner_draft": owner_draft.pk,
            "subproject_id": sub.pk,
            "portfolio_id": portfolio.pk,
            "managed": managed.pk,
            "stage_gate": stage_gate.pk,
            "missing": MISSING,
        },
        users={
            "officer": officer,
            "applicant": applicant,
            "rival": rival_applicant,
            "manager": manager,
            "anonymous": None,
        },
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
    ids: dict[str, str] = field(default_factory=dict)  # path key -> World id name
    query: str = ""
    body: Any = None  # str sent as is; dict as JSON
    multipart: bool = False

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


def _change(**change: Any) -> dict[str, Any]:
    return {"kind": "budget", "description": "调剂", "lines": [], **change}


def _challenge(**change: Any) -> dict[str, Any]:
    return {
        "title": "榜",
        "goal": "目标",
        "funding_per_team": "100万",
        "max_teams": 2,
        "takeup_closes_at": "2098-01-01T00:00:00+08:00",
        "gates": [{"title": "一", "deadline": "2099-01-01T00:00:00+08:00", "share": "1"}],
        **change,
    }


def _national(**change: Any) -> dict[str, Any]:
    return {
        "programme": "国家重点研发计划",
        "number": "2026YFB99",
        "title": "项目",
        "national_funding": "100万",
        "period_start": "2026-01-01",
        "period_end": "2098-12-31",
        "landed_in_shenzhen": "true",
        "proof": ("a.pdf", b"%PDF-1.4"),
        **change,
    }


def _consortium(**change: Any) -> dict[str, Any]:
    return {
        "name": "联合体",
        "members": json.dumps([{"uscc": shenzhen_uscc(42), "name": "大学", "kind": "university"}]),
        "agreement": ("a.pdf", b"%PDF-1.4"),
        **change,
    }


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


OPINIONS2 = {"opinions": [{"expert": "甲", "opinion": "pass"}, {"expert": "乙", "opinion": "pass"}]}
OPINIONS3 = {"opinions": [{"expert": n, "opinion": "pass"} for n in "甲乙丙"]}

# fmt: off
BAD_REQUESTS: list[Bad] = [
    # --- projects ----------------------------------------------------------------------
    Bad("GET", PROJECTS, "limit 0", 422, "invalid", F("limit"), query="?limit=0"),
    Bad("GET", PROJECT, "other applicant", 404, "not_found", who="rival"),
    Bad("GET", PROJECT, "unknown", 404, "not_found", ids={"project_id": "missing"}),
    Bad("POST", BEGIN, "applicant begins", 403, "forbidden"),
    Bad("POST", BEGIN, "unknown", 404, "not_found", who="officer", ids={"project_id": "missing"}),
    Bad("POST", RELEASE, "applicant releases", 403, "forbidden"),
    Bad("POST", RELEASE, "unknown tranche", 422, "tranche_unknown", F("order"), who="officer",
        ids={"order": "missing"}),
    Bad("POST", RELEASE, "other applicant", 404, "not_found", who="rival"),
    Bad("POST", REPORT_SUBMIT, "report missing", 422, "invalid", F("report"), body={}),
    Bad("POST", REPORT_SUBMIT, "report blank", 422, "required", F("report"), body={"report": " "}),
    Bad("POST", REPORT_SUBMIT, "report a number", 422, "invalid", F("report"), body={"report": 5}),
    Bad("POST", REPORT_SUBMIT, "other applicant", 404, "not_found", who="rival",
        body={"report": "x"}),
    Bad("POST", REPORT_SUBMIT, "unknown report", 404, "not_found", ids={"report_id": "missing"},
        body={"report": "x"}),
    Bad("POST", REPORT_REVIEW, "accept not bool", 422, "invalid", F("accept"), who="officer",
        body={"accept": "yes"}),
    Bad("POST", REPORT_REVIEW, "applicant reviews", 403, "forbidden", body={"accept": True}),
    Bad("POST", REPORT_REVIEW, "not submitted", 409, "report_not_submitted", who="officer",
        body={"accept": True}),
    Bad("POST", REPORT_REVIEW, "return without reason", 422, "reason_required", F("reason"),
        who="officer", body={"accept": False, "reason": ""}),
    Bad("POST", CHANGES, "malformed json", 400, "bad_request", body="{"),
    Bad("POST", CHANGES, "unknown kind", 422, "change_kind_invalid", F("kind"),
        body=_change(kind="office")),
    Bad("POST", CHANGES, "float amount", 422, "amount_invalid", F("lines.0.proposed"),
        body=_change(lines=[{"category": "equipment", "proposed": 1.5}])),
    Bad("POST", CHANGES, "negative amount", 422, "amount_invalid", F("lines.0.proposed"),
        body=_change(lines=[{"category": "equipment", "proposed": "-1"}])),
    Bad("POST", CHANGES, "huge amount", 422, "amount_invalid", F("lines.0.proposed"),
        body=_change(lines=[{"category": "equipment", "proposed": 10**30}])),
    Bad("POST", CHANGES, "unknown category", 422, "category_invalid", F("lines.0.category"),
        body=_change(lines=[{"category": "yacht", "proposed": "1"}])),
    Bad("POST", CHANGES, "total moves", 422, "change_refused", F("lines"),
        body=_change(lines=[{"category": "other", "proposed": "1"}])),
    Bad("POST", CHANGES, "description missing", 422, "invalid", F("description"),
        body=_without(_change(), "description")),
    Bad("POST", CHANGES, "months a word", 422, "invalid", F("extension_months"),
        body=_change(kind="schedule", extension_months="six")),
    Bad("POST", CHANGES, "officer asks", 403, "forbidden", who="officer", body=_change(kind="team")),
    Bad("POST", CHANGES, "other applicant", 404, "not_found", who="rival", body=_change(kind="team")),
    Bad("POST", OPINION, "applicant", 403, "forbidden", body={"opinion": "同意"}),
    Bad("POST", OPINION, "blank", 422, "required", F("opinion"), who="officer", body={"opinion": ""}),
    Bad("POST", OPINION, "unknown", 404, "not_found", who="officer", ids={"change_id": "missing"},
        body={"opinion": "x"}),
    Bad("POST", CHANGE_DECISION, "approve a word", 422, "invalid", F("approve"), who="officer",
        body={"approve": "ok"}),
    Bad("POST", CHANGE_DECISION, "applicant", 403, "forbidden", body={"approve": True}),
    Bad("POST", CHANGE_DECISION, "other applicant", 404, "not_found", who="rival",
        body={"approve": True}),
    Bad("POST", MIDTERM, "opinions missing", 422, "invalid", F("opinions"), who="officer", body={}),
    Bad("POST", MIDTERM, "two experts", 422, "acceptance_too_few_experts", F("opinions"),
        who="officer", body=OPINIONS2),
    Bad("POST", MIDTERM, "unknown opinion", 422, "acceptance_opinion_invalid", F("opinions"),
        who="officer", body={"opinions": [{"expert": n, "opinion": "meh"} for n in "甲乙丙"]}),
    Bad("POST", MIDTERM, "expert blank", 422, "required", F("opinions.0.expert"), who="officer",
        body={"opinions": [{"expert": " ", "opinion": "pass"}]}),
    Bad("POST", MIDTERM, "applicant", 403, "forbidden", body=OPINIONS3),
    Bad("POST", ACC_REQUEST, "officer", 403, "forbidden", who="officer"),
    Bad("POST", ACC_REQUEST, "reports not accepted", 409, "guard_failed"),
    Bad("POST", ACC_REQUEST, "other applicant", 404, "not_found", who="rival"),
    Bad("POST", ACC_DECISION, "not requested", 409, "acceptance_not_requested", who="officer",
        body=OPINIONS3),
    Bad("POST", ACC_DECISION, "float spending", 422, "amount_invalid", F("accepted_spending"),
        who="officer", body={**OPINIONS3, "accepted_spending": 1.5}),
    Bad("POST", ACC_DECISION, "applicant", 403, "forbidden", body=OPINIONS3),
    Bad("POST", TERMINATION, "reason missing", 422, "invalid", F("reason"), who="officer",
        body={"accepted_spending": "0"}),
    Bad("POST", TERMINATION, "reason blank", 422, "required", F("reason"), who="officer",
        body={"reason": " ", "accepted_spending": "0"}),
    Bad("POST", TERMINATION, "float spending", 422, "amount_invalid", F("accepted_spending"),
        who="officer", body={"reason": "x", "accepted_spending": 2.5}),
    Bad("POST", TERMINATION, "negative spending", 422, "amount_invalid", F("accepted_spending"),
        who="officer", body={"reason": "x", "accepted_spending": "-1"}),
    Bad("POST", TERMINATION, "applicant", 403, "forbidden",
        body={"reason": "x", "accepted_spending": "0"}),
    # --- 揭榜挂帅 -------------------------------------------------------------------------
    Bad("GET", CHALLENGES, "limit 0", 422, "invalid", F("limit"), who="anonymous", query="?limit=0"),
    Bad("GET", CHALLENGE, "draft to the public", 404, "not_found", who="anonymous",
        ids={"challenge_id": "draft_challenge"}),
    Bad("GET", CHALLENGE, "unknown", 404, "not_found", who="anonymous",
        ids={"challenge_id": "missing"}),
    Bad("POST", CHALLENGES, "malformed json", 400, "bad_request", who="officer", body="{"),
    Bad("POST", CHALLENGES, "applicant", 403, "forbidden", body=_challenge()),
    Bad("POST", CHALLENGES, "float funding", 422, "amount_invalid", F("funding_per_team"),
        who="officer", body=_challenge(funding_per_team=1.5)),
    Bad("POST", CHALLENGES, "zero funding", 422, "amount_invalid", F("funding_per_team"),
        who="officer", body=_challenge(funding_per_team="0")),
    Bad("POST", CHALLENGES, "share a word", 422, "share_invalid", F("gates.0.share"), who="officer",
        body=_challenge(gates=[{"title": "一", "deadline": "2099-01-01T00:00:00+08:00",
                               "share": "half"}])),
    Bad("POST", CHALLENGES, "shares 90%", 422, "tranche_shares_total", F("gates"), who="officer",
        body=_challenge(gates=[{"title": "一", "deadline": "2099-01-01T00:00:00+08:00",
                               "share": "0.9"}])),
    Bad("POST", CHALLENGES, "gates missing", 422, "invalid", F("gates"), who="officer",
        body=_without(_challenge(), "gates")),
    Bad("POST", CHALLENGES, "date garbage", 422, "invalid", F("takeup_closes_at"), who="officer",
        body=_challenge(takeup_closes_at="soon")),
    Bad("POST", CHALLENGES, "unknown field", 422, "unknown_field", F("field_code"), who="officer",
        body=_challenge(field_code="XX")),
    Bad("POST", PUBLISH, "applicant", 403, "forbidden", ids={"challenge_id": "draft_challenge"}),
    Bad("POST", PUBLISH, "published twice", 409, "challenge_published", who="officer"),
    Bad("POST", PUBLISH, "unknown", 404, "not_found", who="officer",
        ids={"challenge_id": "missing"}),
    Bad("POST", EVALUATE, "applicant", 403, "forbidden"),
    Bad("POST", EVALUATE, "unknown", 404, "not_found", who="officer",
        ids={"challenge_id": "missing"}),
    Bad("POST", TAKE_UP, "leader missing", 422, "invalid", F("leader_name"), who="rival",
        body={"plan": "x"}),
    Bad("POST", TAKE_UP, "other org", 422, "not_member", F("organisation_uscc"), who="rival",
        body={"organisation_uscc": shenzhen_uscc(1), "leader_name": "x", "plan": "x"}),
    Bad("POST", TAKE_UP, "officer", 422, "organisation_required", F("organisation_uscc"),
        who="officer", body={"leader_name": "x", "plan": "x"}),
    Bad("POST", TAKE_UP, "twice", 409, "takeup_refused", body={"leader_name": "x", "plan": "x"}),
    Bad("POST", TAKE_UP, "draft challenge", 404, "not_found",
        ids={"challenge_id": "draft_challenge"}, body={"leader_name": "x", "plan": "x"}),
    Bad("GET", TEAM, "another team", 404, "not_found", who="rival"),
    Bad("GET", TEAM, "unknown", 404, "not_found", ids={"team_id": "missing"}),
    Bad("POST", SELECTION, "selected a word", 422, "invalid", F("selected"), who="officer",
        body={"selected": "yes"}),
    Bad("POST", SELECTION, "applicant", 403, "forbidden", body={"selected": True}),
    Bad("POST", SELECTION, "another team", 404, "not_found", who="rival", body={"selected": True}),
    Bad("POST", GATE_REPORT, "report missing", 422, "invalid", F("report"), body={}),
    Bad("POST", GATE_REPORT, "another team", 404, "not_found", who="rival", body={"report": "x"}),
    Bad("POST", GATE_REPORT, "unknown gate", 422, "gate_unknown", F("gate_id"),
        ids={"gate_id": "missing"}, body={"report": "x"}),
    Bad("POST", GATE_REPORT, "twice", 409, "gate_report_exists", body={"report": "x"}),
    Bad("POST", GATE_REVIEW, "applicant", 403, "forbidden", ids={"report_id": "gate_report"},
        body={"accept": True}),
    Bad("POST", GATE_REVIEW, "reject without reason", 422, "reason_required", F("reason"),
        who="officer", ids={"report_id": "gate_report"}, body={"accept": False}),
    Bad("POST", GATE_REVIEW, "another team", 404, "not_found", who="rival",
        ids={"report_id": "gate_report"}, body={"accept": True}),
    # --- 配套资助 -------------------------------------------------------------------------
    Bad("POST", NATIONAL, "programme missing", 422, "invalid", F("programme"), multipart=True,
        body=_without(_national(), "programme")),
    Bad("POST", NATIONAL, "negative funding", 422, "amount_invalid", F("national_funding"),
        multipart=True, body=_national(national_funding="-5")),
    Bad("POST", NATIONAL, "funding a word", 422, "amount_invalid", F("national_funding"),
        multipart=True, body=_national(national_funding="lots")),
    Bad("POST", NATIONAL, "date garbage", 422, "invalid", F("period_start"), multipart=True,
        body=_national(period_start="2026-02-30")),
    Bad("POST", NATIONAL, "ends before start", 422, "period_invalid", F("period_end"),
        multipart=True, body=_national(period_end="2025-01-01")),
    Bad("POST", NATIONAL, "landed maybe", 422, "invalid", F("landed_in_shenzhen"), multipart=True,
        body=_national(landed_in_shenzhen="maybe")),
    Bad("POST", NATIONAL, "html proof", 422, "file_type", F("proof"), multipart=True,
        body=_national(proof=("a.pdf", b"<html>"))),
    Bad("POST", NATIONAL, "officer", 422, "organisation_required", F("organisation_uscc"),
        who="officer", multipart=True, body=_national()),
    Bad("POST", NATIONAL, "registered twice", 409, "national_project_exists", F("number"),
        multipart=True, body=_national(number="2026YFA01")),
    Bad("GET", NATIONAL, "limit 201", 422, "invalid", F("limit"), query="?limit=201"),
    Bad("POST", NATIONAL_DECISION, "applicant", 403, "forbidden", body={"approve": True}),
    Bad("POST", NATIONAL_DECISION, "approve a word", 422, "invalid", F("approve"), who="officer",
        body={"approve": "y"}),
    Bad("POST", NATIONAL_DECISION, "other applicant", 404, "not_found", who="rival",
        body={"approve": True}),
    # --- 创新联合体 -----------------------------------------------------------------------
    Bad("POST", CONSORTIA, "members not json", 422, "invalid", F("members"), multipart=True,
        body=_consortium(members="大学")),
    Bad("POST", CONSORTIA, "agreement missing", 422, "required", F("agreement"), multipart=True,
        body=_without(_consortium(), "agreement")),
    Bad("POST", CONSORTIA, "bad member code", 422, "uscc_invalid", F("members.0.uscc"),
        multipart=True,
        body=_consortium(members=json.dumps([{"uscc": "91440300MA5XXXXXXX", "name": "x"}]))),
    Bad("POST", CONSORTIA, "no members", 422, "consortium_members_missing", F("members"),
        multipart=True, body=_consortium(members="[]")),
    Bad("POST", CONSORTIA, "name missing", 422, "invalid", F("name"), multipart=True,
        body=_without(_consortium(), "name")),
    Bad("GET", CONSORTIA, "limit 0", 422, "invalid", F("limit"), query="?limit=0"),
    Bad("POST", CONSORTIUM_DECISION, "applicant", 403, "forbidden", body={"approve": True}),
    Bad("POST", CONSORTIUM_DECISION, "other applicant", 404, "not_found", who="rival",
        body={"approve": True}),
    Bad("GET", SHARE, "applicant", 403, "forbidden"),
    Bad("GET", SHARE, "year 1900", 422, "invalid", F("year"), who="officer", query="?year=1900"),
    # --- 业主制 ---------------------------------------------------------------------------
    Bad("POST", OWNER, "float budget", 422, "amount_invalid", F("budget_total"),
        body={"title": "x", "plan": "x", "budget_total": 1.5}),
    Bad("POST", OWNER, "title missing", 422, "invalid", F("title"),
        body={"plan": "x", "budget_total": "1"}),
    Bad("POST", OWNER, "officer", 422, "organisation_required", F("organisation_uscc"),
        who="officer", body={"title": "x", "plan": "x", "budget_total": "1"}),
    Bad("POST", OWNER, "submitted without budget", 422, "required", F("budget_total"),
        body={"title": "x", "plan": "x"}),
    Bad("POST", OWNER, "submit a word", 422, "invalid", F("submit"),
        body={"title": "x", "plan": "x", "budget_total": "1", "submit": "yes"}),
    Bad("GET", OWNER, "limit 0", 422, "invalid", F("limit"), query="?limit=0"),
    Bad("GET", OWNER_PLAN, "other applicant", 404, "not_found", who="rival"),
    Bad("GET", OWNER_PLAN, "officer sees no draft", 404, "not_found", who="officer",
        ids={"plan_id": "owner_draft"}),
    Bad("GET", OWNER_PLAN, "unknown", 404, "not_found", ids={"plan_id": "missing"}),
    Bad("PUT", OWNER_PLAN, "submitted plan", 409, "plan_submitted",
        body={"title": "x", "plan": "x", "budget_total": "1"}),
    Bad("PUT", OWNER_PLAN, "other applicant", 404, "not_found", who="rival",
        ids={"plan_id": "owner_draft"}, body={"title": "x"}),
    Bad("PUT", OWNER_PLAN, "title blank", 422, "required", F("title"),
        ids={"plan_id": "owner_draft"}, body={"title": "  "}),
    Bad("PUT", OWNER_PLAN, "zero budget", 422, "amount_invalid", F("budget_total"),
        ids={"plan_id": "owner_draft"}, body={"title": "x", "budget_total": "0"}),
    Bad("POST", OWNER_SUBMISSION, "draft without plan", 422, "required", F("plan"),
        ids={"plan_id": "owner_draft"}),
    Bad("POST", OWNER_SUBMISSION, "submitted twice", 409, "plan_submitted"),
    Bad("POST", OWNER_SUBMISSION, "other applicant", 404, "not_found", who="rival",
        ids={"plan_id": "owner_draft"}),
    Bad("POST", OWNER_SUBMISSION, "officer", 404, "not_found", who="officer",
        ids={"plan_id": "owner_draft"}),
    Bad("POST", OWNER_DECISION, "applicant", 403, "forbidden", body={"approve": True}),
    Bad("POST", OWNER_DECISION, "other applicant", 404, "not_found", who="rival",
        body={"approve": True}),
    Bad("POST", OWNER_DECISION, "decided twice", 409, "unknown_action", who="officer",
        body={"approve": True}),
    Bad("POST", SUBPROJECTS, "float amount", 422, "amount_invalid", F("amount"),
        body={"title": "x", "undertaker": "y", "amount": 0.5}),
    Bad("POST", SUBPROJECTS, "officer", 403, "forbidden", F("organisation"), who="officer",
        body={"title": "x", "undertaker": "y", "amount": "1"}),
    Bad("POST", SUBPROJECTS, "other applicant", 404, "not_found", who="rival",
        body={"title": "x", "undertaker": "y", "amount": "1"}),
    Bad("POST", SUB_DECISION, "officer", 403, "forbidden", F("organisation"), who="officer", body={"approve": True}),
    Bad("POST", SUB_DECISION, "other applicant", 404, "not_found", who="rival",
        body={"approve": True}),
    Bad("POST", AUDIT_SUBMIT, "officer", 403, "forbidden", F("organisation"), who="officer"),
    Bad("POST", AUDIT_SUBMIT, "sub-project undecided", 409, "guard_failed"),
    Bad("POST", AUDIT, "applicant", 403, "forbidden", body={"passed": True}),
    Bad("POST", AUDIT, "passed a word", 422, "invalid", F("passed"), who="officer",
        body={"passed": "yes"}),
    # --- 项目经理人制 ---------------------------------------------------------------------
    Bad("POST", PORTFOLIOS, "applicant", 403, "forbidden",
        body={"title": "x", "manager_username": "manager", "budget_total": "1"}),
    Bad("POST", PORTFOLIOS, "unknown user", 422, "unknown_user", F("manager_username"),
        who="officer", body={"title": "x", "manager_username": "nobody", "budget_total": "1"}),
    Bad("POST", PORTFOLIOS, "manager not staff", 422, "manager_invalid", F("manager"),
        who="officer", body={"title": "x", "manager_username": "applicant", "budget_total": "1"}),
    Bad("POST", PORTFOLIOS, "float budget", 422, "amount_invalid", F("budget_total"),
        who="officer", body={"title": "x", "manager_username": "manager", "budget_total": 1.5}),
    Bad("GET", PORTFOLIOS, "applicant", 403, "forbidden"),
    Bad("GET", PORTFOLIOS, "limit 201", 422, "invalid", F("limit"), who="officer",
        query="?limit=201"),
    Bad("GET", PORTFOLIO, "applicant", 404, "not_found"),
    Bad("GET", PORTFOLIO, "unknown", 404, "not_found", who="officer",
        ids={"portfolio_id": "missing"}),
    Bad("POST", PORTFOLIO_PROJECTS, "applicant", 404, "not_found", body={"project_id": 1}),
    Bad("POST", PORTFOLIO_PROJECTS, "unknown project", 422, "unknown_project", F("project_id"),
        who="officer", body={"project_id": MISSING}),
    Bad("POST", PORTFOLIO_PROJECTS, "project a word", 422, "invalid", F("project_id"),
        who="officer", body={"project_id": "one"}),
    Bad("POST", STAGE_GATES, "report missing", 422, "invalid", F("report"), body={}),
    Bad("POST", STAGE_GATES, "not in a portfolio", 409, "no_portfolio", body={"report": "x"}),
    Bad("POST", STAGE_GATES, "officer", 403, "forbidden", F("organisation"), who="officer", body={"report": "x"}),
    Bad("POST", STAGE_GATES, "other applicant", 404, "not_found", who="rival",
        body={"report": "x"}),
    Bad("POST", GATE_DECISION, "officer not the manager", 403, "not_portfolio_manager", who="officer",
        ids={"gate_id": "stage_gate"}, body={"passed": True}),
    Bad("POST", GATE_DECISION, "applicant", 403, "forbidden", ids={"gate_id": "stage_gate"},
        body={"passed": True}),
    Bad("POST", GATE_DECISION, "passed a word", 422, "invalid", F("passed"), who="manager",
        ids={"gate_id": "stage_gate"}, body={"passed": "y"}),
]
# fmt: on

TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS}


def _url(bad: Bad, ids: dict[str, object]) -> str:
    values = {key: ids.get(key) for key in ids}
    for key, name in bad.ids.items():
        values[key] = ids[name]
    return bad.path.format(**values) + bad.query


def _send(client: Client, bad: Bad, ids: dict[str, object]) -> Any:
    url = _url(bad, ids)
    if bad.method == "GET":
        return client.get(url)
    if bad.method == "PUT":
        return client.put(url, data=json.dumps(bad.body or {}), content_type="application/json")
    if bad.multipart:
        data = {
            k: SimpleUploadedFile(v[0], v[1]) if isinstance(v, tuple) else v
            for k, v in (bad.body or {}).items()
        }
        return client.post(url, data=data)
    payload = bad.body if isinstance(bad.body, str) else json.dumps(bad.body or {})
    return client.post(url, data=payload, content_type="application/json")


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, world: World, bad: Bad
) -> None:
    user = world.users[bad.who]
    if user is not None:
        sign_in(client, user)
    before = _counts()

    response = _send(client, bad, world.ids)

    body = response.json()
    assert (response.status_code, body["code"]) == (bad.status, bad.code), body
    assert set(body) == ENVELOPE_KEYS
    assert set(body["fields"]) == set(bad.fields)
    assert _counts() == before


def test_every_endpoint_of_this_module_is_listed() -> None:
    assert len(TESTED_ENDPOINTS) == 46
