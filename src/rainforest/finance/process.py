"""The IP-pledge registration process (知识产权质押登记)."""

from __future__ import annotations

from rainforest.accounts.roles import Role
from rainforest.core.workflow import Stage, StageKind, Transition, define_process
from rainforest.finance.domain import PARAMETERS

_limit = PARAMETERS.versions("finance.ip_pledge")[-1].integer("review_time_limit_workdays")

BANK = frozenset({Role.BANK_OFFICER.value})
STAFF = frozenset({Role.PROGRAMME_OFFICER.value})

PLEDGE_PROCESS = define_process(
    code="ip_pledge",
    version=1,
    name_zh="知识产权质押登记",
    name_en="IP-pledge registration",
    initial="review",
    stages=[
        Stage("review", "登记审查", "Review", StageKind.TASK, _limit),
        Stage("correction", "待补正", "Awaiting correction", StageKind.WAIT_APPLICANT, None, False),
        Stage("registered", "已登记", "Registered", StageKind.FINAL, None),
        Stage("rejected", "不予登记", "Rejected", StageKind.FINAL, None),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL, None),
    ],
    transitions=[
        Transition("register", "review", "registered", STAFF, "准予登记", "Register"),
        Transition(
            "return",
            "review",
            "correction",
            STAFF,
            "退回补正",
            "Return for correction",
            requires_reason=True,
        ),
        Transition(
            "reject", "review", "rejected", STAFF, "不予登记", "Reject", requires_reason=True
        ),
        Transition("resubmit", "correction", "review", BANK, "补正后重新提交", "Resubmit"),
        Transition("withdraw", "correction", "withdrawn", BANK, "撤回", "Withdraw"),
    ],
)
