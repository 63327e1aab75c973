"""Reading stages 6-9: scores and rankings (staff only), notices (public), projects.

Scores, the experts' names and rankings are for programme officers only: for anyone
else every ``staff_*`` loader answers 404, so an applicant cannot tell whether scores
exist. Notices are public once published; an objector's contact never leaves staff pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from rainforest.accounts.permissions import is_staff, org_ids
from rainforest.programs.models import (
    Application,
    Call,
    ExpertScore,
    FundingLine,
    Objection,
    Project,
    PublicNotice,
    RankingDecision,
    Signature,
)
from rainforest.programs.permissions import can_run_programme


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _officer(user: Any) -> None:
    if not can_run_programme(user):
        raise Http404


# --- staff: scores and rankings --------------------------------------------------------


def staff_application(user: Any, application_id: Any) -> Application:
    """An application with its experts and scores; 404 for anyone but programme officers."""
    _officer(user)
    try:
        return (
            Application.objects.select_related("call", "case", "applicant_org")
            .prefetch_related(
                "expert_assignments",
                Prefetch(
                    "expert_scores",
                    queryset=ExpertScore.objects.select_related("criterion").order_by(
                        "expert_name", "criterion__order", "criterion_id"
                    ),
                ),
                "call__criteria",
            )
            .get(pk=_int(application_id), case__isnull=False)
        )
    except Application.DoesNotExist:
        raise Http404 from None


def staff_call(user: Any, call_id: Any) -> Call:
    _officer(user)
    try:
        return (
            Call.objects.select_related("field").prefetch_related("criteria").get(pk=_int(call_id))
        )
    except Call.DoesNotExist:
        raise Http404 from None


def call_applications(call: Call) -> QuerySet[Application]:
    """The call's submitted applications with their cases and score counts (staff pages)."""
    return (
        Application.objects.filter(call=call, case__isnull=False)
        .select_related("case", "applicant_org")
        .annotate(
            experts=Count("expert_assignments", distinct=True),
            scored=Count("expert_scores__expert_name", distinct=True),
        )
        .order_by("case__number")
    )


def ranking_lines(ranking: RankingDecision) -> QuerySet[FundingLine]:
    return ranking.lines.select_related(
        "application", "application__case", "application__applicant_org"
    ).order_by("rank")


def current_ranking(call: Call) -> RankingDecision | None:
    return (
        RankingDecision.objects.filter(call=call, superseded=False)
        .order_by("-decided_at", "-id")
        .first()
    )


def staff_objection(user: Any, objection_id: Any) -> Objection:
    _officer(user)
    try:
        return Objection.objects.select_related(
            "case", "notice", "notice__call", "application", "application__case"
        ).get(pk=_int(objection_id))
    except Objection.DoesNotExist:
        raise Http404 from None


def notice_objections(notice: PublicNotice) -> QuerySet[Objection]:
    return notice.objections.select_related("case", "application__case").order_by(
        "submitted_at", "id"
    )


# --- public: notices -------------------------------------------------------------------


def public_notices() -> QuerySet[PublicNotice]:
    return PublicNotice.objects.select_related("call", "call__field").order_by(
        "-published_at", "-id"
    )


def public_notice(notice_id: Any) -> PublicNotice:
    try:
        return public_notices().get(pk=_int(notice_id))
    except PublicNotice.DoesNotExist:
        raise Http404 from None


def notice_listed(notice: PublicNotice) -> QuerySet[FundingLine]:
    """The proposed list as published: above the line, in rank order."""
    return (
        notice.ranking.lines.filter(funded=True)
        .select_related("application", "application__case", "application__applicant_org")
        .prefetch_related("application__consortium")
        .order_by("rank")
    )


def notice_outcomes(notice: PublicNotice) -> QuerySet[Objection]:
    """Objections as the public sees them (number, project, status, outcome)."""
    return notice.objections.select_related("case", "application__case").order_by(
        "submitted_at", "id"
    )


# --- projects and contracts ------------------------------------------------------------


def visible_projects(user: Any) -> QuerySet[Project]:
    qs = Project.objects.select_related("application__case", "lead_org", "call")
    if is_staff(user):
        return qs
    ids = org_ids(user)
    return qs.filter(lead_org_id__in=ids) if ids else qs.none()


def access_project(user: Any, project_id: Any) -> Project:
    """Staff and the lead organisation's people; 404 for everyone else."""
    try:
        return (
            visible_projects(user)
            .prefetch_related(
                "tranches",
                Prefetch(
                    "contract__signatures",
                    queryset=Signature.objects.select_related("person", "organisation"),
                ),
            )
            .get(pk=_int(project_id))
        )
    except Project.DoesNotExist:
        raise Http404 from None


def awaiting_approval(call: Call) -> QuerySet[Application]:
    return (
        Application.objects.filter(
            Q(case__stage="public_notice") | Q(case__stage="approval_contract"), call=call
        )
        .select_related("case", "applicant_org")
        .order_by("case__number")
    )
