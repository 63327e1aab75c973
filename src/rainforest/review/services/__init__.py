"""Expert review services: the only code that writes review's tables (one transaction each).

Split by subject; everything is re-exported here so callers write ``services.draw_commit``.
"""

from __future__ import annotations

from rainforest.review.domain_assignment import Infeasible
from rainforest.review.services._common import Rejected
from rainforest.review.services.assignments import (
    DECLARATION_ZH,
    SheetRejected,
    assignment_declare,
    assignment_withdraw,
    assignments_remind,
    assignments_replace_overdue,
    sheet_submit,
)
from rainforest.review.services.call_settings import (
    call_settings_save,
    settings_for,
    settings_for_calls,
    settings_locked,
)
from rainforest.review.services.draw import draw_commit, draw_perform, draw_verify
from rainforest.review.services.meeting import (
    PanelResults,
    panel_create,
    panel_results,
    panel_score_record,
    shortlist_candidates,
)
from rainforest.review.services.pool import (
    ExpertIn,
    check_expert,
    clean_codes,
    clean_words,
    conflict_record,
    expert_approve,
    expert_flags_set,
    expert_register,
    expert_reject,
)
from rainforest.review.services.pool_import import (
    IMPORT_COLUMNS,
    ImportRejected,
    ImportRowError,
    expert_import,
    read_xlsx,
)
from rainforest.review.services.profile import (
    availability_add,
    availability_remove,
    expert_update,
    relation_declare,
    relation_remove,
)
from rainforest.review.services.results import CallResults, call_results, ranking_hand_off

__all__ = [
    "DECLARATION_ZH",
    "IMPORT_COLUMNS",
    "CallResults",
    "ExpertIn",
    "ImportRejected",
    "ImportRowError",
    "Infeasible",
    "PanelResults",
    "Rejected",
    "SheetRejected",
    "assignment_declare",
    "assignment_withdraw",
    "assignments_remind",
    "assignments_replace_overdue",
    "availability_add",
    "availability_remove",
    "call_results",
    "call_settings_save",
    "check_expert",
    "clean_codes",
    "clean_words",
    "conflict_record",
    "draw_commit",
    "draw_perform",
    "draw_verify",
    "expert_approve",
    "expert_flags_set",
    "expert_import",
    "expert_register",
    "expert_reject",
    "expert_update",
    "panel_create",
    "panel_results",
    "panel_score_record",
    "ranking_hand_off",
    "read_xlsx",
    "relation_declare",
    "relation_remove",
    "settings_for",
    "settings_for_calls",
    "settings_locked",
    "sheet_submit",
    "shortlist_candidates",
]
