"""The programme's services: the only code that writes its tables (one transaction each)."""

from rainforest.programs.services.application_attachments import (
    application_attach,
    application_detach,
)
from rainforest.programs.services.applications import (
    BudgetIn,
    MemberIn,
    MilestoneIn,
    PartnerIn,
    application_create,
    application_save_basic,
    application_save_budget,
    application_save_consortium,
    application_save_milestones,
    application_save_team,
    application_submit,
)
from rainforest.programs.services.calls import (
    CallIn,
    CriterionIn,
    DirectionIn,
    call_create,
    call_publish,
    call_update,
)
from rainforest.programs.services.decision import review_results_receive
from rainforest.programs.services.formal_review import (
    application_facts,
    application_resubmit,
    correction_lapse,
    formal_review_pass,
    formal_review_reject,
    formal_review_rerun,
    formal_review_return,
)
from rainforest.programs.services.proposals import (
    proposal_decide,
    proposal_group,
    proposal_submit,
    window_open,
)

__all__ = [
    "BudgetIn",
    "CallIn",
    "CriterionIn",
    "DirectionIn",
    "MemberIn",
    "MilestoneIn",
    "PartnerIn",
    "application_attach",
    "application_create",
    "application_detach",
    "application_facts",
    "application_resubmit",
    "application_save_basic",
    "application_save_budget",
    "application_save_consortium",
    "application_save_milestones",
    "application_save_team",
    "application_submit",
    "call_create",
    "call_publish",
    "call_update",
    "correction_lapse",
    "formal_review_pass",
    "formal_review_reject",
    "formal_review_rerun",
    "formal_review_return",
    "proposal_decide",
    "proposal_group",
    "proposal_submit",
    "review_results_receive",
    "window_open",
]
