"""The two processes of the voucher service items: provider registration and application."""

from __future__ import annotations

from rainforest.accounts.roles import Role
from rainforest.core.workflow import Stage, StageKind, Transition, define_process
from rainforest.vouchers.domain import PARAMETERS

_params = PARAMETERS.versions("vouchers")[-1]
STAFF = frozenset({Role.PROGRAMME_OFFICER.value})
APPLICANT = frozenset({Role.APPLICANT.value})
PROVIDER = frozenset({Role.PROVIDER.value})

PROVIDER_PROCESS = define_process(
    code="voucher_provider",
    version=1,
    name_zh="算力、模型、语料服务商登记",
    name_en="Voucher provider registration",
    initial="review",
    stages=[
        Stage(
            "review",
            "登记审核",
            "Review",
            StageKind.TASK,
            _params.integer("provider_review_time_limit_workdays"),
        ),
        Stage("approved", "已登记", "Registered", StageKind.FINAL, None),
        Stage("rejected", "不予登记", "Rejected", StageKind.FINAL, None),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL, None),
    ],
    transitions=[
        Transition("approve", "review", "approved", STAFF, "准予登记", "Approve"),
        Transition(
            "reject", "review", "rejected", STAFF, "不予登记", "Reject", requires_reason=True
        ),
        Transition("withdraw", "review", "withdrawn", PROVIDER, "撤回", "Withdraw"),
    ],
)

APPLICATION_PROCESS = define_process(
    code="voucher_application",
    version=1,
    name_zh="训力券、模型券、语料券申领",
    name_en="AI voucher application",
    initial="review",
    stages=[
        Stage(
            "review",
            "发券审核",
            "Review",
            StageKind.TASK,
            _params.integer("review_time_limit_workdays"),
        ),
        Stage("issued", "已发券", "Issued", StageKind.FINAL, None),
        Stage("rejected", "不予发券", "Rejected", StageKind.FINAL, None),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL, None),
    ],
    transitions=[
        Transition("approve", "review", "issued", STAFF, "批准并发券", "Approve and issue"),
        Transition(
            "reject", "review", "rejected", STAFF, "不予发券", "Reject", requires_reason=True
        ),
        Transition("withdraw", "review", "withdrawn", APPLICANT, "撤回", "Withdraw"),
    ],
)
