"""The programme's processes: proposal review, an application's whole life, an objection.

Time limits in the definitions are the defaults in force (POLICY.md §1, [default]); a
call or a proposal window may set its own, which the services pass to the case engine as
``time_limits`` when a clock starts.

Guards read flags the services put in the transition's context after checking the
database (the notice period is over, objections are settled, both sides signed). An
action taken without its service (for instance from the generic case page without the
module's handler) finds the flag missing and is refused: the safe default.
"""

from __future__ import annotations

from collections.abc import Mapping

from rainforest.accounts.roles import Role
from rainforest.core.workflow import (
    Guard,
    GuardResult,
    Stage,
    StageKind,
    Transition,
    define_process,
)
from rainforest.programs.domain import PARAMETERS, STAGE_LIMITS

_limits = PARAMETERS.versions(STAGE_LIMITS)[-1]


def _limit(key: str) -> int:
    return _limits.integer(key)


STAFF = frozenset({Role.PROGRAMME_OFFICER.value})
APPLICANT = frozenset({Role.APPLICANT.value})

PROPOSAL = "programs_proposal"
APPLICATION = "programs_application"
OBJECTION = "programs_objection"


def _flag(key: str, zh: str, en: str) -> Guard:
    def guard(context: Mapping[str, object]) -> GuardResult:
        return GuardResult.allow() if context.get(key) is True else GuardResult.deny(zh, en)

    return guard


PROPOSAL_PROCESS = define_process(
    code=PROPOSAL,
    version=1,
    name_zh="项目建议评审",
    name_en="Project proposal review",
    initial="proposal_review",
    stages=[
        Stage(
            "proposal_review",
            "项目建议评审",
            "Proposal review",
            StageKind.TASK,
            _limit("proposal_review"),
        ),
        Stage("accepted", "建议采纳", "Accepted", StageKind.FINAL),
        Stage("declined", "建议未采纳", "Declined", StageKind.FINAL),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL),
    ],
    transitions=[
        Transition(
            "accept",
            "proposal_review",
            "accepted",
            STAFF,
            "采纳建议",
            "Accept",
            requires_reason=True,
        ),
        Transition(
            "decline",
            "proposal_review",
            "declined",
            STAFF,
            "不予采纳",
            "Decline",
            requires_reason=True,
        ),
        Transition("withdraw", "proposal_review", "withdrawn", APPLICANT, "撤回建议", "Withdraw"),
    ],
)


APPLICATION_GUARDS: dict[str, Guard] = {
    "correction_overdue": _flag(
        "correction_overdue",
        "补正期限尚未届满，不能按逾期未补正办结。",
        "The correction deadline has not passed yet.",
    ),
    "scores_complete": _flag(
        "scores_complete",
        "尚有专家评分未录入，不能结束专家评审。",
        "Some expert scores are still missing.",
    ),
    "notice_over_and_settled": _flag(
        "notice_over_and_settled",
        "公示期未满或仍有异议未处理完毕，不能结束公示。",
        "The notice period is not over or objections are not settled yet.",
    ),
    "contract_signed": _flag(
        "contract_signed",
        "任务书尚未由双方签署。",
        "The task contract is not signed by both sides yet.",
    ),
    "reports_accepted": _flag(
        "reports_accepted",
        "尚有里程碑报告未通过，不能申请验收。",
        "Some milestone reports are not accepted yet.",
    ),
}


def _t(
    action: str,
    source: str,
    target: str,
    roles: frozenset[str],
    zh: str,
    en: str,
    *,
    guard: str | None = None,
    reason: bool = False,
) -> Transition:
    return Transition(action, source, target, roles, zh, en, guard=guard, requires_reason=reason)


APPLICATION_PROCESS = define_process(
    code=APPLICATION,
    version=1,
    name_zh="重点领域研发计划项目",
    name_en="Key-area R&D programme project",
    initial="formal_review",
    stages=[
        Stage(
            "formal_review", "形式审查", "Formal review", StageKind.TASK, _limit("formal_review")
        ),
        Stage("correction", "待补正", "Awaiting correction", StageKind.WAIT_APPLICANT),
        Stage(
            "expert_review", "专家评审", "Expert review", StageKind.TASK, _limit("expert_review")
        ),
        Stage("ranking", "排序及资助决策", "Ranking and funding decision", StageKind.TASK),
        Stage(
            "public_notice", "社会公示", "Public notice", StageKind.TASK, _limit("public_notice")
        ),
        Stage(
            "approval_contract",
            "立项及签订任务书",
            "Approval and task contract",
            StageKind.TASK,
            _limit("approval_contract"),
        ),
        Stage("executing", "项目执行", "Executing", StageKind.TASK),
        Stage("acceptance", "结题验收", "Final acceptance", StageKind.TASK),
        Stage("closed", "已结题", "Closed", StageKind.FINAL),
        Stage("terminated", "已终止", "Terminated", StageKind.FINAL),
        Stage("rejected", "形式审查不通过", "Rejected in formal review", StageKind.FINAL),
        Stage("lapsed", "逾期未补正", "Not corrected in time", StageKind.FINAL),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL),
        Stage("not_funded", "未获立项", "Not funded", StageKind.FINAL),
    ],
    transitions=[
        # 5. formal review (形式审查)
        _t("pass", "formal_review", "expert_review", STAFF, "形式审查通过", "Pass"),
        _t(
            "return",
            "formal_review",
            "correction",
            STAFF,
            "退回补正",
            "Return for correction",
            reason=True,
        ),
        _t("reject", "formal_review", "rejected", STAFF, "形式审查不通过", "Reject", reason=True),
        _t("withdraw", "formal_review", "withdrawn", APPLICANT, "撤回申请", "Withdraw"),
        _t("resubmit", "correction", "formal_review", APPLICANT, "补正后重新提交", "Resubmit"),
        _t("withdraw", "correction", "withdrawn", APPLICANT, "撤回申请", "Withdraw"),
        _t(
            "lapse",
            "correction",
            "lapsed",
            STAFF,
            "逾期未补正办结",
            "Close as not corrected",
            guard="correction_overdue",
        ),
        # 6. expert review (专家评审), minimal until the review module takes over
        _t(
            "finish_review",
            "expert_review",
            "ranking",
            STAFF,
            "结束专家评审",
            "Finish review",
            guard="scores_complete",
        ),
        # 7. ranking and the funding line (排序及资助决策)
        _t(
            "propose",
            "ranking",
            "public_notice",
            STAFF,
            "列入拟立项名单并公示",
            "Propose for funding and publish",
        ),
        _t("not_fund", "ranking", "not_funded", STAFF, "未列入资助", "Not funded", reason=True),
        # 8. public notice (社会公示)
        _t(
            "close_notice",
            "public_notice",
            "approval_contract",
            STAFF,
            "公示结束",
            "Close the notice",
            guard="notice_over_and_settled",
        ),
        _t(
            "remove_after_objection",
            "public_notice",
            "not_funded",
            STAFF,
            "异议成立，取消立项",
            "Remove after an upheld objection",
            reason=True,
        ),
        # 9. approval and task contract (立项及签订任务书)
        _t(
            "start",
            "approval_contract",
            "executing",
            STAFF,
            "任务书签订，项目启动",
            "Contract signed; start",
            guard="contract_signed",
        ),
        _t(
            "refuse_approval",
            "approval_contract",
            "not_funded",
            STAFF,
            "不予立项",
            "Refuse approval",
            reason=True,
        ),
        # 10. execution to closure (全过程)
        _t(
            "request_acceptance",
            "executing",
            "acceptance",
            APPLICANT,
            "申请结题验收",
            "Request final acceptance",
            guard="reports_accepted",
        ),
        _t("terminate", "executing", "terminated", STAFF, "终止项目", "Terminate", reason=True),
        _t("pass_acceptance", "acceptance", "closed", STAFF, "验收通过，结题", "Pass acceptance"),
        _t(
            "return_acceptance",
            "acceptance",
            "executing",
            STAFF,
            "验收不通过，限期整改",
            "Return for rectification",
            reason=True,
        ),
        _t(
            "fail_acceptance",
            "acceptance",
            "terminated",
            STAFF,
            "验收不通过，终止",
            "Fail and terminate",
            reason=True,
        ),
    ],
    guards=APPLICATION_GUARDS,
)


OBJECTION_PROCESS = define_process(
    code=OBJECTION,
    version=1,
    name_zh="公示异议处理",
    name_en="Objection to a public notice",
    initial="objection_review",
    stages=[
        Stage(
            "objection_review",
            "异议核查",
            "Examining the objection",
            StageKind.TASK,
            _limit("objection_review"),
        ),
        Stage("upheld", "异议成立", "Upheld", StageKind.FINAL),
        Stage("dismissed", "异议不成立", "Dismissed", StageKind.FINAL),
    ],
    transitions=[
        _t("uphold", "objection_review", "upheld", STAFF, "异议成立", "Uphold", reason=True),
        _t("dismiss", "objection_review", "dismissed", STAFF, "异议不成立", "Dismiss", reason=True),
    ],
)

ALL_PROCESSES = (
    (PROPOSAL_PROCESS, "RDP"),
    (APPLICATION_PROCESS, "RDA"),
    (OBJECTION_PROCESS, "RDO"),
)
