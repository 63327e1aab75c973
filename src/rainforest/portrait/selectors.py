"""Reading portraits: only through a live authorisation, or as the enterprise itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from rainforest.accounts.models import Organisation
from rainforest.accounts.permissions import is_staff
from rainforest.core.errors import NotFoundError
from rainforest.core.ids import normalise_uscc
from rainforest.portrait.models import (
    Consent,
    CreditDecision,
    LinkReview,
    Portrait,
    PortraitRead,
    PortraitRun,
)
from rainforest.portrait.permissions import banks_of, enterprises_of


def _not_found() -> NotFoundError:
    # The same answer whether the portrait is missing or not the reader's to see.
    return NotFoundError(
        "没有找到该企业的画像", "No portrait found for this enterprise", code="not_found"
    )


def current_run() -> PortraitRun | None:
    return PortraitRun.objects.filter(is_current=True).first()


def live_consents(today: date) -> QuerySet[Consent]:
    return Consent.objects.filter(
        revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today
    )


@dataclass(frozen=True)
class Access:
    portrait: Portrait
    enterprise: Organisation | None
    consent: Consent | None
    bank: Organisation | None
    as_owner: bool


def access_portrait(user: Any, uscc: str, *, today: date) -> Access:
    """The one way to open a portrait. Raises NotFoundError (404) unless the reader is the
    enterprise, staff, or an officer of a bank holding a live authorisation."""
    code = normalise_uscc(uscc or "")
    run = current_run()
    if run is None or len(code) != 18:
        raise _not_found()
    enterprise = Organisation.objects.filter(uscc=code).first()
    owner = any(e.uscc == code for e in enterprises_of(user))
    consent: Consent | None = None
    bank: Organisation | None = None
    if not owner and not is_staff(user):
        banks = banks_of(user)
        if not banks or enterprise is None:
            raise _not_found()
        consent = (
            live_consents(today)
            .filter(enterprise=enterprise, bank__in=banks)
            .select_related("bank")
            .order_by("-granted_at")
            .first()
        )
        if consent is None:
            raise _not_found()
        bank = consent.bank
    portrait = Portrait.objects.filter(run=run, uscc=code).first()
    if portrait is None:
        raise _not_found()
    portrait.run = run
    return Access(portrait, enterprise, consent, bank, owner)


def bank_readable(user: Any, *, today: date) -> list[tuple[Consent, Portrait | None]]:
    """For a bank officer: each live authorisation with the portrait it opens."""
    banks = banks_of(user)
    if not banks:
        return []
    consents = list(
        live_consents(today)
        .filter(bank__in=banks)
        .select_related("enterprise", "bank")
        .order_by("enterprise__name", "-granted_at")
    )
    run = current_run()
    codes = {c.enterprise.uscc for c in consents}
    portraits = {p.uscc: p for p in Portrait.objects.filter(run=run, uscc__in=codes)} if run else {}
    seen: set[int] = set()
    out: list[tuple[Consent, Portrait | None]] = []
    for c in consents:
        if c.enterprise_id in seen:
            continue
        seen.add(c.enterprise_id)
        out.append((c, portraits.get(c.enterprise.uscc)))
    return out


def consents_of(enterprise: Organisation) -> QuerySet[Consent]:
    return Consent.objects.filter(enterprise=enterprise).select_related("bank", "granted_by")


def access_consent(user: Any, consent_id: int) -> Consent:
    mine = [e.pk for e in enterprises_of(user)]
    found = (
        Consent.objects.filter(pk=consent_id, enterprise_id__in=mine)
        .select_related("bank", "enterprise")
        .first()
    )
    if found is None:
        raise NotFoundError("没有找到该授权", "No such authorisation", code="not_found")
    return found


def reads_of(enterprise: Organisation) -> QuerySet[PortraitRead]:
    return PortraitRead.objects.filter(enterprise=enterprise).select_related("reader", "bank")


def dashboard(user: Any) -> dict[str, Any]:
    """Enterprises served and credit granted on portraits: all banks for staff, else own."""
    decisions = CreditDecision.objects.all()
    if not is_staff(user):
        decisions = decisions.filter(bank__in=banks_of(user))
    approved = decisions.filter(outcome=CreditDecision.Outcome.APPROVED)
    totals = approved.aggregate(
        enterprises=Count("enterprise", distinct=True), amount=Sum("amount"), loans=Count("id")
    )
    by_bank = list(
        approved.values("bank__name")
        .annotate(
            enterprises=Count("enterprise", distinct=True), amount=Sum("amount"), loans=Count("id")
        )
        .order_by("bank__name")
    )
    return {
        "enterprises": totals["enterprises"] or 0,
        "loans": totals["loans"] or 0,
        "amount": totals["amount"] or Decimal("0.00"),
        "decisions": decisions.count(),
        "declined": decisions.filter(outcome=CreditDecision.Outcome.DECLINED).count(),
        "by_bank": [
            {
                "bank": row["bank__name"],
                "enterprises": row["enterprises"],
                "loans": row["loans"],
                "amount": row["amount"] or Decimal("0.00"),
            }
            for row in by_bank
        ],
        "portraits": Portrait.objects.filter(run__is_current=True).count(),
    }


def open_link_reviews() -> QuerySet[LinkReview]:
    return LinkReview.objects.filter(state=LinkReview.State.OPEN).select_related("decided_by")


def link_decisions() -> dict[tuple[str, str], str | None]:
    """Staff decisions the linker must follow: confirmed → the candidate, rejected → none."""
    out: dict[tuple[str, str], str | None] = {}
    for r in LinkReview.objects.exclude(state=LinkReview.State.OPEN):
        out[(r.party_name, r.party_address)] = (
            r.candidate_uscc if r.state == LinkReview.State.CONFIRMED else None
        )
    return out


def grade_counts() -> list[dict[str, Any]]:
    return list(
        Portrait.objects.filter(run__is_current=True)
        .values("grade")
        .annotate(n=Count("id"))
        .order_by("grade")
    )


def runs() -> QuerySet[PortraitRun]:
    return PortraitRun.objects.all()


__all__ = [
    "Access",
    "access_consent",
    "access_portrait",
    "bank_readable",
    "consents_of",
    "current_run",
    "dashboard",
    "grade_counts",
    "link_decisions",
    "live_consents",
    "open_link_reviews",
    "reads_of",
    "runs",
]
