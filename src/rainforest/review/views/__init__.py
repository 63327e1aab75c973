"""Expert review pages, split by subject; ``urls.py`` reads them from here."""

from __future__ import annotations

from rainforest.review.views.assignment import assignment
from rainforest.review.views.draws import (
    call_settings,
    draw_detail,
    draw_new,
    draw_perform,
    index,
    ranking,
)
from rainforest.review.views.meeting import panel_detail, panel_new, panels
from rainforest.review.views.pool import (
    expert_approve,
    expert_conflict,
    expert_detail,
    pool,
    pool_import,
)
from rainforest.review.views.profile import profile, register

__all__ = [
    "assignment",
    "call_settings",
    "draw_detail",
    "draw_new",
    "draw_perform",
    "expert_approve",
    "expert_conflict",
    "expert_detail",
    "index",
    "panel_detail",
    "panel_new",
    "panels",
    "pool",
    "pool_import",
    "profile",
    "ranking",
    "register",
]
