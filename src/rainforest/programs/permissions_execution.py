"""Who may do what once a project runs, and in the organisation modes. Plain predicates."""

from __future__ import annotations

from typing import Any

from rainforest.accounts.permissions import is_staff, org_ids, roles_in_org
from rainforest.accounts.roles import Role
from rainforest.programs.permissions import can_run_programme


def can_see_project(user: Any, project: Any) -> bool:
    """Staff see every project; an undertaker sees its own organisation's."""
    return is_staff(user) or project.lead_org_id in org_ids(user)


def can_act_for_org(user: Any, organisation_id: int) -> bool:
    """Reports, change requests and registrations are made by the organisation's applicant."""
    return Role.APPLICANT in roles_in_org(user, organisation_id)


def can_manage_execution(user: Any) -> bool:
    """Programme officers review reports, release tranches, decide changes and acceptance."""
    return can_run_programme(user)


def is_portfolio_manager(user: Any, portfolio: Any) -> bool:
    """The portfolio's project manager (项目经理人), who decides its stage gates."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and portfolio.manager_id == user.pk
        and can_run_programme(user)
    )


def can_see_team(user: Any, team: Any) -> bool:
    """Staff see every team; a team sees only itself, never another team's reports."""
    return is_staff(user) or team.organisation_id in org_ids(user)
