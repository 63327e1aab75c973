"""The enforcement-collaboration request process (异地办案协作申请).

review (法制审查) → by the approval level: straight to ``approved`` (routine), or to the
department's or the bureau's approval → approved (准予协作，待执行) → executed (已执行，
待信息报告) → reported (已报告办结). From any open stage before execution an irregularity
stops the case (异常中止，报请上级协调处置); a request may be refused (不予协作).

Only police legal officers act. No stage has a time limit: POLICY.md §2 gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rainforest.accounts.roles import Role
from rainforest.core.workflow import (
    Guard,
    GuardResult,
    Stage,
    StageKind,
    Transition,
    define_process,
)
from rainforest.enforcement import domain

PROCESS_CODE = "enforcement_request"
POLICE = frozenset({Role.POLICE_LEGAL_OFFICER.value})


def _request(context: Mapping[str, object]) -> Any:
    case: Any = context["case"]
    return case.enforcement


def _level_is(level: str) -> Guard:
    def guard(context: Mapping[str, object]) -> GuardResult:
        actual = getattr(_request(context), "level", "")
        if actual == level:
            return GuardResult.allow()
        zh, en = domain.LEVEL_NAMES.get(actual, (actual, actual))
        return GuardResult.deny(
            f"该申请的审批层级是「{zh}」，不能按这一层级办理",
            f"This request's approval level is {en}; it cannot be routed this way",
        )

    return guard


def _controls_complete(context: Mapping[str, object]) -> GuardResult:
    missing = _request(context).missing_controls()
    if not missing:
        return GuardResult.allow()
    zh, en = domain.controls_text(missing)
    return GuardResult.deny(
        f"执法管控措施尚未落实：{zh}。全部落实后才能记录执行。",
        f"These process controls are not yet in place: {en}. "
        "Record them all before recording the execution.",
    )


_OPEN_BEFORE_EXECUTION = ("review", "department_approval", "bureau_approval", "approved")

ENFORCEMENT_PROCESS = define_process(
    code=PROCESS_CODE,
    version=1,
    name_zh="异地公安机关办案协作申请",
    name_en="Cross-region enforcement collaboration request",
    initial="review",
    stages=[
        Stage("review", "法制审查", "Legal review", StageKind.TASK, None),
        Stage(
            "department_approval",
            "报市局相关内设机构批准",
            "Approval by a bureau department",
            StageKind.TASK,
            None,
        ),
        Stage("bureau_approval", "报市局批准", "Approval by the city bureau", StageKind.TASK, None),
        Stage("approved", "准予协作（待执行）", "Approved, to be executed", StageKind.TASK, None),
        Stage("executed", "已执行（待信息报告）", "Executed, to be reported", StageKind.TASK, None),
        Stage("reported", "已报告办结", "Reported and closed", StageKind.FINAL, None),
        Stage("refused", "不予协作", "Refused", StageKind.FINAL, None),
        Stage("stopped", "异常中止", "Stopped as irregular", StageKind.FINAL, None),
    ],
    transitions=[
        Transition(
            "route_routine",
            "review",
            "approved",
            POLICE,
            "审查通过（常规协作）",
            "Pass review (routine)",
            guard="level_routine",
        ),
        Transition(
            "route_department",
            "review",
            "department_approval",
            POLICE,
            "报市局相关内设机构批准",
            "Send for department approval",
            guard="level_department",
        ),
        Transition(
            "route_bureau",
            "review",
            "bureau_approval",
            POLICE,
            "报市局批准",
            "Send for bureau approval",
            guard="level_bureau",
        ),
        Transition("approve", "department_approval", "approved", POLICE, "批准协助执行", "Approve"),
        Transition("approve", "bureau_approval", "approved", POLICE, "批准协助执行", "Approve"),
        *[
            Transition(
                "refuse", source, "refused", POLICE, "不予协作", "Refuse", requires_reason=True
            )
            for source in ("review", "department_approval", "bureau_approval")
        ],
        Transition(
            "execute",
            "approved",
            "executed",
            POLICE,
            "记录执行",
            "Record execution",
            guard="controls_complete",
        ),
        Transition(
            "report",
            "executed",
            "reported",
            POLICE,
            "信息报告",
            "File the information report",
            requires_reason=True,
        ),
        *[
            Transition(
                "stop",
                source,
                "stopped",
                POLICE,
                "异常处理：中止并报请上级",
                "Stop as irregular and escalate",
                requires_reason=True,
            )
            for source in _OPEN_BEFORE_EXECUTION
        ],
    ],
    guards={
        "level_routine": _level_is(domain.ROUTINE),
        "level_department": _level_is(domain.DEPARTMENT),
        "level_bureau": _level_is(domain.BUREAU),
        "controls_complete": _controls_complete,
    },
)

ROUTE_ACTIONS = {
    domain.ROUTINE: "route_routine",
    domain.DEPARTMENT: "route_department",
    domain.BUREAU: "route_bureau",
}

# Outcomes for the monthly report, from the stage a case is in.
OUTCOME_OF_STAGE = {
    "review": "pending",
    "department_approval": "pending",
    "bureau_approval": "pending",
    "approved": "pending",
    "executed": "executed",
    "reported": "executed",
    "refused": "refused",
    "stopped": "stopped",
}
OUTCOMES = ("pending", "executed", "refused", "stopped")
OUTCOME_NAMES = {
    "pending": ("办理中", "in progress"),
    "executed": ("已执行", "executed"),
    "refused": ("不予协作", "refused"),
    "stopped": ("异常中止", "stopped"),
}
