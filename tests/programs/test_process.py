"""programs/process.py: the three processes are registered, whole and drawn."""

from __future__ import annotations

import pytest

from rainforest.cases import registry
from rainforest.core.workflow import CaseState, StageKind, render_svg, transition
from rainforest.programs.process import (
    APPLICATION_PROCESS,
    OBJECTION_PROCESS,
    PROPOSAL_PROCESS,
)


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("programs_proposal", "RDP"), ("programs_application", "RDA"), ("programs_objection", "RDO")],
)
def test_processes_registered_with_prefixes(code: str, prefix: str) -> None:
    assert (registry.get(code).code, registry.prefix(code)) == (code, prefix)


def test_application_process_has_every_stage_of_a_projects_life() -> None:
    assert [s.code for s in APPLICATION_PROCESS.stages] == [
        "formal_review",
        "correction",
        "expert_review",
        "ranking",
        "public_notice",
        "approval_contract",
        "executing",
        "acceptance",
        "closed",
        "terminated",
        "rejected",
        "lapsed",
        "withdrawn",
        "not_funded",
    ]


def test_default_time_limits_in_working_days() -> None:
    limits = {s.code: s.time_limit_workdays for s in APPLICATION_PROCESS.stages}

    assert {
        k: limits[k]
        for k in ("formal_review", "expert_review", "public_notice", "approval_contract")
    } == {"formal_review": 5, "expert_review": 15, "public_notice": 5, "approval_contract": 15}
    assert APPLICATION_PROCESS.stage("correction").kind is StageKind.WAIT_APPLICANT
    assert PROPOSAL_PROCESS.stage("proposal_review").time_limit_workdays == 10
    assert OBJECTION_PROCESS.stage("objection_review").time_limit_workdays == 10


@pytest.mark.parametrize(
    ("stage", "action", "context_key"),
    [
        ("expert_review", "finish_review", "scores_complete"),
        ("public_notice", "close_notice", "notice_over_and_settled"),
        ("approval_contract", "start", "contract_signed"),
        ("correction", "lapse", "correction_overdue"),
    ],
)
def test_guarded_actions_need_their_service_flag(stage: str, action: str, context_key: str) -> None:
    state = CaseState(stage, "formal_review" if stage == "correction" else None)
    roles = frozenset({"programme_officer"})

    refused = transition(APPLICATION_PROCESS, state, action, roles=roles, context={})
    allowed = transition(
        APPLICATION_PROCESS, state, action, roles=roles, context={context_key: True}
    )

    assert (refused.accepted, allowed.accepted) == (False, True)


def test_applicant_cannot_pass_formal_review() -> None:
    outcome = transition(
        APPLICATION_PROCESS,
        CaseState("formal_review"),
        "pass",
        roles=frozenset({"applicant"}),
        context={},
    )

    assert (outcome.accepted, getattr(outcome, "code", "")) == (False, "role_not_allowed")


@pytest.mark.parametrize("defn", [PROPOSAL_PROCESS, APPLICATION_PROCESS, OBJECTION_PROCESS])
def test_process_drawn(defn: object) -> None:
    svg = render_svg(defn)  # type: ignore[arg-type]  # parametrised definitions

    assert svg.startswith("<svg")
