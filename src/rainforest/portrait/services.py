"""Portraits: the only writers. Each change is one transaction with its audit record."""

# SQL here is built from the lake's own file paths and the source registry's column names,
# never from user input, and DuckDB cannot bind file names as parameters.
# ruff: noqa: S608

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, OrganisationKind, User
from rainforest.audit.services import audit_append
from rainforest.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.core.ids import normalise_uscc
from rainforest.core.policy import ParameterSet
from rainforest.portrait import domain
from rainforest.portrait.models import (
    Consent,
    CreditDecision,
    LinkReview,
    Portrait,
    PortraitRead,
    PortraitRun,
    ScorecardFit,
)
from rainforest.portrait.permissions import banks_of, can_review_links, enterprises_of
from rainforest.portrait.run import RunResult, code_version, execute, features_files
from rainforest.portrait.selectors import Access, access_portrait, link_decisions, live_consents

# The longest an authorisation may run [default]: a year, renewable.
MAX_CONSENT_DAYS = 366
TREND_MONTHS = 24


# --- scorecards ----------------------------------------------------------------------------


def active_scorecard(on: date) -> domain.Scorecard:
    """The fitted scorecard an administrator activated, else the default parameters."""
    fit = ScorecardFit.objects.filter(active=True).first()
    if fit is None:
        return domain.default_scorecard(on)
    params = ParameterSet(
        name="portrait.scorecard",
        version=fit.version,
        effective_from=on,
        effective_to=None,
        values=fit.values,
        citations={k: domain.DEFAULT for k in fit.values},
    )
    return domain.scorecard_from_parameters(params)


def scorecard_fit_save(
    *, report: domain.FitReport, now: datetime, activate: bool = False
) -> ScorecardFit:
    with transaction.atomic():
        if activate:
            ScorecardFit.objects.filter(active=True).update(active=False)
        fit = ScorecardFit.objects.create(
            version=report.scorecard.version,
            values=_json(domain.scorecard_values(report.scorecard)),
            auc_test=report.auc_test,
            ks_test=report.ks_test,
            auc_test_before=report.auc_test_before,
            n_train=report.n_train,
            n_test=report.n_test,
            fitted_at=now,
            active=activate,
        )
        audit_append(
            actor=None,
            action="portrait.scorecard_fit",
            subject_type="portrait.scorecardfit",
            subject_id=fit.pk,
            data={
                "version": fit.version,
                "auc_test": fit.auc_test,
                "ks_test": fit.ks_test,
                "active": activate,
            },
        )
    return fit


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


# --- runs -----------------------------------------------------------------------------------


def _month_date(mi: int) -> date:
    return date(mi // 12, mi % 12 + 1, 1)


def _files(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _portrait_rows(result: RunResult, card: domain.Scorecard) -> list[Portrait]:
    """Score the latest month of every enterprise; trends of the last 24 months beside it."""
    con = duckdb.connect()
    feats = _files(features_files(result.features_path))
    reg = _files(result.lake.clean_files(result.manifest, "registration"))
    last = result.last_mi
    latest = con.execute(
        f"SELECT f.*, r.name FROM read_parquet({feats}) f JOIN read_parquet({reg}) r USING (uscc) "
        f"WHERE f.mi = {last} ORDER BY f.uscc"
    )
    columns = [d[0] for d in latest.description]
    rows = [dict(zip(columns, r, strict=True)) for r in latest.fetchall()]
    trends: dict[str, dict[str, list[Any]]] = {}
    for uscc, mi, tax, head, paid, court in con.execute(
        "SELECT uscc, mi, tax_12m_fen, headcount, utility_paid_months_12m, court_open_defendant "
        f"FROM read_parquet({feats}) WHERE mi > {last - TREND_MONTHS} ORDER BY uscc, mi"
    ).fetchall():
        t = trends.setdefault(
            uscc,
            {
                "months": [],
                "tax_12m_fen": [],
                "headcount": [],
                "utility_paid_months_12m": [],
                "court_open_defendant": [],
            },
        )
        t["months"].append(_month_date(mi).strftime("%Y-%m"))
        t["tax_12m_fen"].append(tax)
        t["headcount"].append(head)
        t["utility_paid_months_12m"].append(paid)
        t["court_open_defendant"].append(court)
    con.close()
    month = _month_date(last)
    out: list[Portrait] = []
    for row in rows:
        features = domain.derive(row)
        s = domain.score(features, card)
        out.append(
            Portrait(
                uscc=row["uscc"],
                name=row["name"],
                month=month,
                score=s.total,
                grade=s.grade,
                features=features,
                contributions=[asdict(c) for c in s.contributions],
                trends=trends.get(row["uscc"], {}),
            )
        )
    return out


def portrait_run(
    *,
    data: Path,
    lake: Path | None = None,
    engine: str = "duckdb",
    now: datetime | None = None,
    as_of: date | None = None,
    actor: User | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    fail_after: str | None = None,
) -> PortraitRun:
    """Run the pipeline and swap in its portraits; a failure keeps the previous ones."""
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    lake = lake or data / "_lake"
    run = PortraitRun.objects.create(
        engine=engine,
        data_dir=str(data),
        code_version=code_version(),
        started_at=now,
    )
    started = timezone.now()
    try:
        result = execute(
            data=data,
            lake_dir=lake,
            engine=engine,
            as_of=as_of,
            now=now,
            decisions=link_decisions(),
            progress=progress,
            fail_after=fail_after if fail_after in {"ingest", "link", "features"} else None,
        )
        card = active_scorecard(as_of)
        rows = _portrait_rows(result, card)
        progress(f"scored {len(rows):,} portraits with {card.name} {card.version}")
        with transaction.atomic():
            locked = PortraitRun.objects.select_for_update().get(pk=run.pk)
            for row in rows:
                row.run = locked
            Portrait.objects.bulk_create(rows, batch_size=2000)
            for link in result.links:
                if link.method != "review":
                    continue
                LinkReview.objects.get_or_create(
                    party_name=link.party_name,
                    party_address=link.party_address,
                    defaults={
                        "candidate_uscc": link.candidate or "",
                        "candidate_name": next(
                            (p.name for p in rows if p.uscc == link.candidate), ""
                        ),
                        "confidence": link.confidence,
                        "created_at": now,
                    },
                )
            if fail_after == "load":
                raise RuntimeError("run stopped while loading portraits (fail_after, for tests)")
            PortraitRun.objects.filter(is_current=True).update(is_current=False)
            finished = timezone.now()
            locked.run_id = result.run_id
            locked.status = PortraitRun.Status.SUCCEEDED
            locked.mode = result.mode
            locked.as_of_month = _month_date(result.last_mi)
            locked.report = _json(result.summary())
            locked.scorecard_version = f"{card.name} {card.version}"
            locked.portraits = len(rows)
            locked.finished_at = now + (finished - started)
            locked.duration_ms = int((finished - started).total_seconds() * 1000)
            locked.is_current = True
            locked.save()
            audit_append(
                actor=actor,
                action="portrait.run",
                subject_type="portrait.portraitrun",
                subject_id=locked.pk,
                data={
                    "engine": engine,
                    "mode": result.mode,
                    "portraits": len(rows),
                    "quarantined": result.quarantined,
                    "code_version": locked.code_version,
                },
            )
            # The lake's manifest last: if this fails the transaction rolls back too.
            result.commit()
        _prune_runs(keep=locked.pk)
        return locked
    except Exception as exc:
        finished = timezone.now()
        PortraitRun.objects.filter(pk=run.pk).update(
            status=PortraitRun.Status.FAILED,
            error="".join(traceback.format_exception_only(type(exc), exc))[:4000],
            finished_at=now + (finished - started),
            duration_ms=int((finished - started).total_seconds() * 1000),
        )
        raise


def _prune_runs(*, keep: int) -> None:
    """Keep the portraits of the current and the previous run; older rows go (runs stay)."""
    older = (
        PortraitRun.objects.filter(status=PortraitRun.Status.SUCCEEDED)
        .exclude(pk=keep)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)[1:]
    )
    Portrait.objects.filter(run_id__in=list(older)).delete()


# --- consent ---------------------------------------------------------------------------------


def _enterprise_for(actor: User, enterprise: Organisation) -> None:
    if enterprise.pk not in {e.pk for e in enterprises_of(actor)}:
        raise PermissionDeniedError(
            "只有该企业的经办人可以管理其画像授权",
            "Only the enterprise's own people may manage who reads its portrait",
            code="forbidden",
        )


def consent_grant(
    *,
    actor: User,
    enterprise: Organisation,
    bank_uscc: str,
    purpose: str,
    valid_from: date,
    valid_until: date,
    now: datetime | None = None,
) -> Consent:
    """The enterprise authorises a named bank to read its portrait for a purpose and period."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    _enterprise_for(actor, enterprise)
    code = normalise_uscc(bank_uscc or "")
    bank = Organisation.objects.filter(uscc=code, kind=OrganisationKind.BANK).first()
    if bank is None:
        raise ValidationError(
            "没有找到该银行，请从列表中选择或核对其统一社会信用代码",
            "No bank with this unified social credit code; choose one from the list",
            field="bank_uscc",
            code="bank_unknown",
        )
    if purpose not in Consent.Purpose.values:
        raise ValidationError(
            "请选择授权用途",
            "Choose what the bank may use the portrait for",
            field="purpose",
            code="purpose_invalid",
        )
    if valid_from < today:
        raise ValidationError(
            "起始日期不能早于今天",
            "The authorisation cannot start before today",
            field="valid_from",
            code="date_in_past",
        )
    if valid_until < valid_from:
        raise ValidationError(
            "截止日期应不早于起始日期",
            "The end date must not be before the start date",
            field="valid_until",
            code="dates_out_of_order",
        )
    if (valid_until - valid_from).days >= MAX_CONSENT_DAYS:
        raise ValidationError(
            "单次授权期限不超过一年，到期后可再次授权",
            "An authorisation runs for at most a year; grant a new one when it ends",
            field="valid_until",
            code="period_too_long",
        )
    with transaction.atomic():
        consent = Consent.objects.create(
            enterprise=enterprise,
            bank=bank,
            purpose=purpose,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=actor,
            granted_at=now,
        )
        audit_append(
            actor=actor,
            action="portrait.consent_grant",
            subject_type="portrait.consent",
            subject_id=consent.pk,
            data={
                "enterprise": enterprise.uscc,
                "bank": bank.uscc,
                "purpose": purpose,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            },
        )
    return consent


def consent_revoke(*, actor: User, consent: Consent, now: datetime | None = None) -> Consent:
    """Revoked at once: the bank's next request finds nothing."""
    now = now or timezone.now()
    _enterprise_for(actor, consent.enterprise)
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.revoked_at is not None:
            raise ConflictError(
                "该授权已撤销",
                "This authorisation has already been revoked",
                code="already_revoked",
            )
        locked.revoked_at = now
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_append(
            actor=actor,
            action="portrait.consent_revoke",
            subject_type="portrait.consent",
            subject_id=locked.pk,
            data={"enterprise": locked.enterprise.uscc, "bank": locked.bank.uscc},
        )
    return locked


# --- reading ---------------------------------------------------------------------------------


def portrait_open(*, actor: User, uscc: str, channel: str, now: datetime | None = None) -> Access:
    """Open a portrait; every read by someone outside the enterprise is logged."""
    now = now or timezone.now()
    access = access_portrait(actor, uscc, today=timezone.localdate(now))
    if not access.as_owner and access.enterprise is not None:
        with transaction.atomic():
            PortraitRead.objects.create(
                enterprise=access.enterprise,
                reader=actor,
                bank=access.bank,
                consent=access.consent,
                channel=channel,
                at=now,
            )
    return access


# --- bank decisions --------------------------------------------------------------------------

MAX_AMOUNT = Decimal("10000000000.00")


def credit_decision_record(
    *,
    actor: User,
    enterprise_uscc: str,
    outcome: str,
    amount: Decimal,
    note: str = "",
    now: datetime | None = None,
) -> CreditDecision:
    """A bank records its decision and the credit granted on a portrait it may read."""
    now = now or timezone.now()
    if not banks_of(actor):
        raise PermissionDeniedError(
            "只有银行经办人可以记录授信决定",
            "Only bank officers record credit decisions",
            code="forbidden",
        )
    if outcome not in CreditDecision.Outcome.values:
        raise ValidationError(
            "授信结果应为批准（approved）或拒绝（declined）",
            "The outcome must be approved or declined",
            field="outcome",
            code="outcome_invalid",
        )
    if amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(
            "授信金额应在 0 至 100 亿元之间",
            "The amount must be between 0 and 10 billion yuan",
            field="amount",
            code="amount_invalid",
        )
    if outcome == CreditDecision.Outcome.APPROVED and amount == 0:
        raise ValidationError(
            "批准授信时请填写授信金额",
            "Give the amount of credit approved",
            field="amount",
            code="amount_invalid",
        )
    if outcome == CreditDecision.Outcome.DECLINED:
        amount = Decimal("0.00")
    if len(note) > 500:
        raise ValidationError(
            "备注不超过 500 字", "The note is at most 500 characters", field="note", code="too_long"
        )
    access = access_portrait(actor, enterprise_uscc, today=timezone.localdate(now))
    if access.consent is None or access.enterprise is None or access.bank is None:
        raise NotFoundError(
            "没有找到该企业的画像", "No portrait found for this enterprise", code="not_found"
        )
    with transaction.atomic():
        decision = CreditDecision.objects.create(
            bank=access.bank,
            enterprise=access.enterprise,
            consent=access.consent,
            portrait=access.portrait,
            score=access.portrait.score,
            outcome=outcome,
            amount=amount,
            decided_by=actor,
            decided_at=now,
            note=note.strip(),
        )
        audit_append(
            actor=actor,
            action="portrait.credit_decision",
            subject_type="portrait.creditdecision",
            subject_id=decision.pk,
            data={
                "bank": access.bank.uscc,
                "enterprise": access.enterprise.uscc,
                "outcome": outcome,
                "amount": str(amount),
                "score": access.portrait.score,
            },
        )
    return decision


# --- link review ------------------------------------------------------------------------------


def link_review_decide(
    *, actor: User, review: LinkReview, confirm: bool, now: datetime | None = None
) -> LinkReview:
    """Staff confirm or reject the candidate; the next run links (or not) accordingly."""
    now = now or timezone.now()
    if not can_review_links(actor):
        raise PermissionDeniedError(
            "只有数据专员或项目处工作人员可以确认名称关联",
            "Only data or programme officers confirm name links",
            code="forbidden",
        )
    with transaction.atomic():
        locked = LinkReview.objects.select_for_update().get(pk=review.pk)
        if locked.state != LinkReview.State.OPEN:
            raise ConflictError(
                "该关联已处理", "This link has already been decided", code="already_decided"
            )
        locked.state = LinkReview.State.CONFIRMED if confirm else LinkReview.State.REJECTED
        locked.decided_by = actor
        locked.decided_at = now
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        audit_append(
            actor=actor,
            action="portrait.link_review",
            subject_type="portrait.linkreview",
            subject_id=locked.pk,
            data={
                "party_name": locked.party_name,
                "candidate": locked.candidate_uscc,
                "state": locked.state,
            },
        )
    return locked


def default_consent_period(today: date) -> tuple[date, date]:
    return today, today + timedelta(days=180)


__all__ = [
    "active_scorecard",
    "consent_grant",
    "consent_revoke",
    "credit_decision_record",
    "default_consent_period",
    "link_review_decide",
    "live_consents",
    "portrait_open",
    "portrait_run",
    "scorecard_fit_save",
]
