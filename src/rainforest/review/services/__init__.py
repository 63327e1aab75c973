"""Expert review services: the only code that writes review's tables (one transaction each).

Split by subject; everything is re-exported here so callers write ``services.draw_commit``.
"""

from __future__ import annotations

from rainforest.review.domain_assignment import Infeasible
from rainforest.review.services.assignments import (
    DECLARATION_ZH,
    SheetRejected,
    assignment_declare,
    assignment_withdraw,
    assignments_remind,
    assignments_replace_overdue,
    sheet_submit,
)
from rainforest.review.services.draw import draw_commit, draw_perform, draw_verify
from rainforest.review.services.meeting import panel_create, panel_score_record
from rainforest.review.services.pool import (
    ExpertIn,
    check_expert,
    clean_codes,
    clean_words,
    conflict_record,
    expert_approve,
    expert_register,
    expert_update,
    relation_declare,
)
from rainforest.review.services.pool_import import (
    IMPORT_COLUMNS,
    ImportRejected,
    ImportRowError,
    expert_import,
    read_xlsx,
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
    "SheetRejected",
    "assignment_declare",
    "assignment_withdraw",
    "assignments_remind",
    "assignments_replace_overdue",
    "call_results",
    "check_expert",
    "clean_codes",
    "clean_words",
    "conflict_record",
    "draw_commit",
    "draw_perform",
    "draw_verify",
    "expert_approve",
    "expert_import",
    "expert_register",
    "expert_update",
    "panel_create",
    "panel_score_record",
    "ranking_hand_off",
    "read_xlsx",
    "relation_declare",
    "sheet_submit",
]
