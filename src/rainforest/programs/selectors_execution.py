"""Reading running projects and the organisation modes. Protected objects load only
through ``access_*``, which answer 404 to a stranger whether or not the object exists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils import timezone

from rainforest.accounts.permissions import is_staff, org_ids
from rainforest.programs.models import (
    Acceptance,
    Challenge,
    ChallengeStatus,
    ChallengeTeam,
    ChallengeTranche,
    ChangeRequest,
    Consortium,
    GateReport,
    MilestoneReport,
    NationalProject,
    OwnerPlan,
    OwnerSubProject,
    PaymentTranche,
    Portfolio,
    Project,
    StageGate,
)
from rainforest.programs.permissions import can_run_programme


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _own(qs: QuerySet[Any], user: Any, field: str) -> QuerySet[Any]:
    if is_staff(user):
        return qs
    ids = org_ids(user)
    if not ids:
        return qs.none()
    return qs.filter(**{f"{field}__in": sorted(ids)})


# --- projects -------------------------------------------------------------------------


def visible_projects(user: Any) -> QuerySet[Project]:
    """Staff see every project; an undertaker only its own organisation's."""
    qs = Project.objects.select_related("call", "lead_org", "application__case", "plan")
    return _own(qs, user, "lead_org_id").order_by("-approved_at", "-id")


def access_project(user: Any, project_id: Any) -> Project:
    try:
        return (
            visible_projects(user)
            .prefetch_related(
                Prefetch("tranches", queryset=PaymentTranche.objects.order_by("order")),
                Prefetch(
                    "reports",
                    queryset=MilestoneReport.objects.select_related("milestone").order_by(
                        "due_date", "id"
                    ),
                ),
                Prefetch("changes", queryset=ChangeRequest.objects.select_related("case")),
                Prefetch("acceptances", queryset=Acceptance.objects.order_by("requested_at")),
            )
            .get(pk=_int(project_id))
        )
    except Project.DoesNotExist:
        raise Http404 from None


def access_report(user: Any, project: Project, report_id: Any) -> MilestoneReport:
    try:
        return MilestoneReport.objects.select_related("project", "milestone").get(
            pk=_int(report_id), project=project
        )
    except MilestoneReport.DoesNotExist:
        raise Http404 from None


def access_change(user: Any, change_id: Any) -> ChangeRequest:
    qs = ChangeRequest.objects.select_related("project", "case", "project__application")
    try:
        return _own(qs, user, "project__lead_org_id").get(pk=_int(change_id))
    except ChangeRequest.DoesNotExist:
        raise Http404 from None


# --- 揭榜挂帅 ----------------------------------------------------------------------------


def visible_challenges(user: Any) -> QuerySet[Challenge]:
    """Published lists are public; programme officers also see drafts."""
    qs = Challenge.objects.select_related("field").prefetch_related("gates")
    if can_run_programme(user):
        return qs.order_by("-created_at", "-id")
    return qs.exclude(status=ChallengeStatus.DRAFT).order_by("-published_at", "-id")


def access_challenge(user: Any, challenge_id: Any) -> Challenge:
    try:
        return visible_challenges(user).get(pk=_int(challenge_id))
    except Challenge.DoesNotExist:
        raise Http404 from None


def visible_teams(user: Any) -> QuerySet[ChallengeTeam]:
    """Staff see every team; a team sees itself only, never another team."""
    qs = ChallengeTeam.objects.select_related(
        "challenge", "organisation", "case", "stopped_at_gate"
    ).prefetch_related(
        Prefetch("reports", queryset=GateReport.objects.select_related("gate")),
        Prefetch("tranches", queryset=ChallengeTranche.objects.select_related("gate")),
    )
    return _own(qs, user, "organisation_id").order_by("challenge", "taken_up_at", "id")


def access_team(user: Any, team_id: Any) -> ChallengeTeam:
    try:
        return visible_teams(user).get(pk=_int(team_id))
    except ChallengeTeam.DoesNotExist:
        raise Http404 from None


def access_gate_report(user: Any, report_id: Any) -> GateReport:
    qs = GateReport.objects.select_related("team", "team__challenge", "gate")
    try:
        return _own(qs, user, "team__organisation_id").get(pk=_int(report_id))
    except GateReport.DoesNotExist:
        raise Http404 from None


# --- registrations --------------------------------------------------------------------


def visible_national_projects(user: Any) -> QuerySet[NationalProject]:
    qs = NationalProject.objects.select_related("organisation", "case")
    return _own(qs, user, "organisation_id").order_by("-registered_at", "-id")


def access_national_project(user: Any, registration_id: Any) -> NationalProject:
    try:
        return visible_national_projects(user).get(pk=_int(registration_id))
    except NationalProject.DoesNotExist:
        raise Http404 from None


def visible_consortia(user: Any) -> QuerySet[Consortium]:
    qs = Consortium.objects.select_related("lead", "case").prefetch_related("partners")
    return _own(qs, user, "lead_id").order_by("-registered_at", "-id")


def access_consortium(user: Any, consortium_id: Any) -> Consortium:
    try:
        return visible_consortia(user).get(pk=_int(consortium_id))
    except Consortium.DoesNotExist:
        raise Http404 from None


def visible_owner_plans(user: Any) -> QuerySet[OwnerPlan]:
    """The owner sees its own plans, drafts included; staff see every submitted plan and
    no draft; another organisation sees none of them."""
    qs = OwnerPlan.objects.select_related("owner", "case").prefetch_related(
        Prefetch("subprojects", queryset=OwnerSubProject.objects.select_related("decided_by"))
    )
    if is_staff(user):
        qs = qs.filter(case__isnull=False)
    return _own(qs, user, "owner_id").order_by("-created_at", "-id")


def access_owner_plan(user: Any, plan_id: Any) -> OwnerPlan:
    try:
        return visible_owner_plans(user).get(pk=_int(plan_id))
    except OwnerPlan.DoesNotExist:
        raise Http404 from None


def visible_portfolios(user: Any) -> QuerySet[Portfolio]:
    """Portfolios are the bureau's own arrangement: programme officers only (each sees
    every portfolio; only its manager decides in it)."""
    if not can_run_programme(user):
        return Portfolio.objects.none()
    return (
        Portfolio.objects.select_related("manager")
        .prefetch_related(
            Prefetch("projects", queryset=Project.objects.select_related("lead_org")),
            Prefetch(
                "gates",
                queryset=StageGate.objects.select_related("project", "case").order_by(
                    "-requested_at", "-id"
                ),
            ),
        )
        .order_by("-created_at", "-id")
    )


def access_portfolio(user: Any, portfolio_id: Any) -> Portfolio:
    try:
        return visible_portfolios(user).get(pk=_int(portfolio_id))
    except Portfolio.DoesNotExist:
        raise Http404 from None


def access_stage_gate(user: Any, gate_id: Any) -> StageGate:
    qs = StageGate.objects.select_related("portfolio", "project", "case")
    try:
        return _own(qs, user, "project__lead_org_id").get(pk=_int(gate_id))
    except StageGate.DoesNotExist:
        raise Http404 from None


def access_subproject(user: Any, plan: OwnerPlan, subproject_id: Any) -> OwnerSubProject:
    """A sub-project of a plan already loaded through ``access_owner_plan``."""
    try:
        return OwnerSubProject.objects.select_related("plan", "plan__owner").get(
            pk=_int(subproject_id), plan=plan
        )
    except OwnerSubProject.DoesNotExist:
        raise Http404 from None


def consortium_led_by_year(
    projects: QuerySet[Project], year: int | None = None
) -> list[tuple[int, int, int]]:
    """``(year, led, total)`` per year of approval, oldest first: how many of the approved
    ``projects`` were applied for by a registered innovation consortium (联合体申报,
    ``ApplicationConsortium``), of how many. One grouped query; ``year`` narrows it to
    the projects approved in that local calendar year."""
    if year is not None:
        tz = timezone.get_current_timezone()
        projects = projects.filter(
            approved_at__gte=datetime(year, 1, 1, tzinfo=tz),
            approved_at__lt=datetime(year + 1, 1, 1, tzinfo=tz),
        )
    rows = (
        projects.annotate(approved_year=ExtractYear("approved_at"))
        .values("approved_year")
        .annotate(
            total=Count("id"),
            led=Count("id", filter=Q(application__as_consortium__isnull=False)),
        )
        .order_by("approved_year")
    )
    return [(r["approved_year"], r["led"], r["total"]) for r in rows]
