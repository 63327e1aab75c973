"""Reading the programme's data. Protected objects load only through ``access_*``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from rainforest.accounts.permissions import is_staff, org_ids
from rainforest.programs.models import (
    Application,
    Call,
    CallStatus,
    Field,
    Proposal,
    ProposalSimilarity,
    ProposalWindow,
)
from rainforest.programs.permissions import can_run_programme

PUBLIC_STATUSES = (CallStatus.PUBLISHED, CallStatus.CLOSED)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- fields and windows ---------------------------------------------------------------


def active_fields() -> QuerySet[Field]:
    return Field.objects.filter(active=True).order_by("code")


def windows() -> QuerySet[ProposalWindow]:
    return ProposalWindow.objects.select_related("field").order_by("-opens_at", "-id")


def access_window(window_id: Any) -> ProposalWindow:
    """Windows are not secret: any signed-in person may propose in one."""
    try:
        return windows().get(pk=_int(window_id))
    except ProposalWindow.DoesNotExist:
        raise Http404 from None


# --- calls ----------------------------------------------------------------------------


def _calls() -> QuerySet[Call]:
    return Call.objects.select_related("field").prefetch_related("directions", "criteria")


def public_calls() -> QuerySet[Call]:
    """Published (and closed) guidelines: what anyone may read without signing in."""
    return _calls().filter(status__in=PUBLIC_STATUSES).order_by("-opens_at", "-id")


def public_call(call_id: Any) -> Call:
    """A published guideline; a draft answers 404 like a missing one."""
    try:
        return public_calls().get(pk=_int(call_id))
    except Call.DoesNotExist:
        raise Http404 from None


def visible_calls(user: Any) -> QuerySet[Call]:
    """Programme officers see drafts too; everyone else the public guidelines."""
    if can_run_programme(user):
        return _calls().order_by("-created_at", "-id")
    return public_calls()


def access_call(user: Any, call_id: Any) -> Call:
    try:
        return visible_calls(user).get(pk=_int(call_id))
    except Call.DoesNotExist:
        raise Http404 from None


# --- proposals ------------------------------------------------------------------------


def visible_proposals(user: Any) -> QuerySet[Proposal]:
    """Staff see every proposal; a proposer sees its organisations' proposals."""
    qs = Proposal.objects.select_related("field", "window", "case", "proposer_org", "proposer")
    if is_staff(user):
        return qs.prefetch_related(
            Prefetch(
                "similar",
                queryset=ProposalSimilarity.objects.select_related(
                    "similar_to", "similar_to__case"
                ),
            )
        )
    ids = org_ids(user)
    if not ids:
        return qs.none()
    return qs.filter(proposer_org_id__in=ids)


def access_proposal(user: Any, proposal_id: Any) -> Proposal:
    try:
        return visible_proposals(user).get(pk=_int(proposal_id))
    except Proposal.DoesNotExist:
        raise Http404 from None


def accepted_proposals() -> QuerySet[Proposal]:
    return (
        Proposal.objects.select_related("field", "case")
        .filter(case__stage="accepted")
        .order_by("field__code", "group", "-submitted_at")
    )


# --- applications ---------------------------------------------------------------------


def visible_applications(user: Any) -> QuerySet[Application]:
    """Staff see all applications; an applicant only its organisations' applications."""
    qs = Application.objects.select_related("call", "call__field", "applicant_org", "case")
    if is_staff(user):
        return qs
    ids = org_ids(user)
    if not ids:
        return qs.none()
    return qs.filter(applicant_org_id__in=ids)


def access_application(user: Any, application_id: Any) -> Application:
    """The one way to load an application; a stranger cannot tell it exists."""
    try:
        return (
            visible_applications(user)
            .select_related("direction")
            .prefetch_related("team", "consortium", "budget", "milestones", "attachments")
            .get(pk=_int(application_id))
        )
    except Application.DoesNotExist:
        raise Http404 from None
