"""Processes of execution and of the organisation modes (组织方式), one definition each.

- ``programs_change``: a change request (项目变更) routed by ``route_change_request``;
  包干制 budget changes are recorded without approval.
- ``programs_challenge``: a team's way through a 揭榜挂帅 challenge: defence and
  selection, then gates until it completes them or is stopped at the first one missed.
- ``programs_owner``: an 业主制 owner's plan: the bureau approves it, the owner manages
  its sub-projects, the bureau audits.
- ``programs_stage_gate``: a stage gate of a 项目经理人制 portfolio, decided by its manager.
- ``programs_matching``: matching funds for a national project (配套资助).
- ``programs_consortium``: registering an innovation consortium (创新联合体).

Time limits are our own starting values (POLICY.md §1 gives none for these stages,
[default]). Guards read flags the services set after checking the database; an action
taken without its service finds the flag missing and is refused.
"""

from __future__ import annotations

from rainforest.core.workflow import Guard, Stage, StageKind, define_process
from rainforest.programs.process import APPLICANT, STAFF, _flag, _t

CHANGE = "programs_change"
CHALLENGE = "programs_challenge"
OWNER = "programs_owner"
STAGE_GATE = "programs_stage_gate"
MATCHING = "programs_matching"
CONSORTIUM = "programs_consortium"

# [default] working days for each review stage.
CHANGE_REVIEW_DAYS = 10
DEFENCE_DAYS = 15
OWNER_PLAN_DAYS = 10
OWNER_AUDIT_DAYS = 15
GATE_DAYS = 10
MATCHING_DAYS = 15
CONSORTIUM_DAYS = 10


def _guards(*items: tuple[str, str, str]) -> dict[str, Guard]:
    return {key: _flag(key, zh, en) for key, zh, en in items}


CHANGE_PROCESS = define_process(
    code=CHANGE,
    version=1,
    name_zh="项目变更",
    name_en="Project change request",
    initial="change_review",
    stages=[
        Stage("change_review", "变更审核", "Change review", StageKind.TASK, CHANGE_REVIEW_DAYS),
        Stage("approved", "变更已批准", "Approved", StageKind.FINAL),
        Stage("rejected", "变更未批准", "Rejected", StageKind.FINAL),
        Stage("recorded", "已备案（无需审批）", "Recorded (no approval needed)", StageKind.FINAL),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL),
    ],
    transitions=[
        _t(
            "approve",
            "change_review",
            "approved",
            STAFF,
            "批准变更",
            "Approve",
            guard="opinion_ready",
        ),
        _t("reject", "change_review", "rejected", STAFF, "不予批准", "Reject", reason=True),
        _t(
            "record",
            "change_review",
            "recorded",
            APPLICANT,
            "备案（包干制无需审批）",
            "Record (lump sum: no approval)",
            guard="approval_not_required",
        ),
        _t("withdraw", "change_review", "withdrawn", APPLICANT, "撤回变更申请", "Withdraw"),
    ],
    guards=_guards(
        (
            "opinion_ready",
            "本项变更须经专家论证，请先录入专家意见。",
            "This change needs expert opinion; record it first.",
        ),
        (
            "approval_not_required",
            "本项变更须经审批，不能直接备案。",
            "This change needs approval; it cannot just be recorded.",
        ),
    ),
)


CHALLENGE_PROCESS = define_process(
    code=CHALLENGE,
    version=1,
    name_zh="揭榜挂帅",
    name_en="Open challenge (揭榜挂帅)",
    initial="defence",
    stages=[
        Stage("defence", "答辩遴选", "Defence and selection", StageKind.TASK, DEFENCE_DAYS),
        Stage("running", "节点攻关", "Working through the gates", StageKind.TASK),
        Stage("completed", "全部节点通过", "All gates passed", StageKind.FINAL),
        Stage("stopped", "未通过节点，停止支持", "Stopped at a missed gate", StageKind.FINAL),
        Stage("not_selected", "未入选", "Not selected", StageKind.FINAL),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL),
    ],
    transitions=[
        _t("select", "defence", "running", STAFF, "答辩通过，入选", "Select after the defence"),
        _t("not_select", "defence", "not_selected", STAFF, "未入选", "Not selected", reason=True),
        _t("withdraw", "defence", "withdrawn", APPLICANT, "撤回揭榜", "Withdraw"),
        _t(
            "stop",
            "running",
            "stopped",
            STAFF,
            "未通过节点，停止支持",
            "Stop at the missed gate",
            guard="gate_missed",
        ),
        _t(
            "complete",
            "running",
            "completed",
            STAFF,
            "全部节点通过",
            "All gates passed",
            guard="all_gates_passed",
        ),
    ],
    guards=_guards(
        (
            "gate_missed",
            "该团队没有未通过的节点，不能停止支持。",
            "The team has missed no gate; it cannot be stopped.",
        ),
        (
            "all_gates_passed",
            "该团队尚未通过全部节点。",
            "The team has not passed every gate yet.",
        ),
    ),
)


OWNER_PROCESS = define_process(
    code=OWNER,
    version=1,
    name_zh="业主制项目",
    name_en="Owner-run project (业主制)",
    initial="plan_review",
    stages=[
        Stage("plan_review", "实施方案审核", "Plan review", StageKind.TASK, OWNER_PLAN_DAYS),
        Stage("owner_managing", "业主组织实施", "Run by the owner", StageKind.TASK),
        Stage("audit", "科技局审计", "Bureau audit", StageKind.TASK, OWNER_AUDIT_DAYS),
        Stage("audited", "审计通过", "Audited", StageKind.FINAL),
        Stage("plan_rejected", "方案未获批准", "Plan rejected", StageKind.FINAL),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL),
    ],
    transitions=[
        _t("approve_plan", "plan_review", "owner_managing", STAFF, "批准实施方案", "Approve"),
        _t("reject_plan", "plan_review", "plan_rejected", STAFF, "不予批准", "Reject", reason=True),
        _t("withdraw", "plan_review", "withdrawn", APPLICANT, "撤回方案", "Withdraw"),
        _t(
            "submit_for_audit",
            "owner_managing",
            "audit",
            APPLICANT,
            "提交审计",
            "Submit for audit",
            guard="subprojects_decided",
        ),
        _t("pass_audit", "audit", "audited", STAFF, "审计通过", "Pass the audit"),
        _t(
            "return_audit",
            "audit",
            "owner_managing",
            STAFF,
            "审计发现问题，退回整改",
            "Return with findings",
            reason=True,
        ),
    ],
    guards=_guards(
        (
            "subprojects_decided",
            "还有子课题未评审，或尚无批准的子课题。",
            "Some sub-projects are not decided yet, or none is approved.",
        ),
    ),
)


STAGE_GATE_PROCESS = define_process(
    code=STAGE_GATE,
    version=1,
    name_zh="项目经理人阶段决策",
    name_en="Stage gate (项目经理人制)",
    initial="gate_review",
    stages=[
        Stage("gate_review", "阶段评审", "Stage-gate review", StageKind.TASK, GATE_DAYS),
        Stage("gate_passed", "阶段通过", "Gate passed", StageKind.FINAL),
        Stage("gate_failed", "阶段未通过", "Gate failed", StageKind.FINAL),
    ],
    transitions=[
        _t(
            "pass_gate",
            "gate_review",
            "gate_passed",
            STAFF,
            "阶段通过",
            "Pass",
            guard="is_manager",
        ),
        _t(
            "fail_gate",
            "gate_review",
            "gate_failed",
            STAFF,
            "阶段未通过",
            "Fail",
            guard="is_manager",
            reason=True,
        ),
    ],
    guards=_guards(
        (
            "is_manager",
            "只有该项目群的项目经理人可以作出阶段决策。",
            "Only the portfolio's project manager decides its stage gates.",
        ),
    ),
)


MATCHING_PROCESS = define_process(
    code=MATCHING,
    version=1,
    name_zh="国家项目配套资助",
    name_en="Matching funds for a national project",
    initial="matching_review",
    stages=[
        Stage("matching_review", "配套审核", "Matching review", StageKind.TASK, MATCHING_DAYS),
        Stage("approved", "批准配套", "Approved", StageKind.FINAL),
        Stage("rejected", "不予配套", "Rejected", StageKind.FINAL),
        Stage("withdrawn", "已撤回", "Withdrawn", StageKind.FINAL),
    ],
    transitions=[
        _t(
            "approve",
            "matching_review",
            "approved",
            STAFF,
            "批准配套",
            "Approve",
            guard="eligible",
        ),
        _t("reject", "matching_review", "rejected", STAFF, "不予配套", "Reject", reason=True),
        _t("withdraw", "matching_review", "withdrawn", APPLICANT, "撤回", "Withdraw"),
    ],
    guards=_guards(
        (
            "eligible",
            "按配套规则不符合条件，不能批准。",
            "Not eligible under the matching rule; it cannot be approved.",
        ),
    ),
)


CONSORTIUM_PROCESS = define_process(
    code=CONSORTIUM,
    version=1,
    name_zh="创新联合体登记",
    name_en="Innovation consortium registration",
    initial="registration_review",
    stages=[
        Stage(
            "registration_review",
            "登记审核",
            "Registration review",
            StageKind.TASK,
            CONSORTIUM_DAYS,
        ),
        Stage("registered", "已登记", "Registered", StageKind.FINAL),
        Stage("rejected", "不予登记", "Rejected", StageKind.FINAL),
    ],
    transitions=[
        _t("register", "registration_review", "registered", STAFF, "准予登记", "Register"),
        _t("reject", "registration_review", "rejected", STAFF, "不予登记", "Reject", reason=True),
    ],
)

MODE_PROCESSES = (
    (CHANGE_PROCESS, "RDC"),
    (CHALLENGE_PROCESS, "RDJ"),
    (OWNER_PROCESS, "RDY"),
    (STAGE_GATE_PROCESS, "RDG"),
    (MATCHING_PROCESS, "RDM"),
    (CONSORTIUM_PROCESS, "RDL"),
)


def register_mode_processes() -> None:
    """Called from ``ProgramsConfig.ready``: each definition with its handler."""
    from rainforest.cases import registry
    from rainforest.programs.services.modes_handlers import HANDLERS

    for defn, prefix in MODE_PROCESSES:
        registry.register(defn, number_prefix=prefix, handler=HANDLERS.get(defn.code))
