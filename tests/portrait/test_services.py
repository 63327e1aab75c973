"""Runs, consent and access, reads, decisions and link review, through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rainforest.accounts.roles import Role
from rainforest.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from rainforest.portrait import services
from rainforest.portrait.models import (
    Consent,
    CreditDecision,
    LinkReview,
    Portrait,
    PortraitRead,
    PortraitRun,
)
from rainforest.portrait.selectors import dashboard
from tests.conftest import at
from tests.factories import OrganisationFactory, person
from tests.portrait.conftest import AS_OF

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# --- runs ---------------------------------------------------------------------------------


def test_run_loads_one_scored_portrait_per_active_enterprise(drops: Any, firm: Any) -> None:
    data = drops(fixed_firms=[(firm.uscc, firm.name)], bad_rows=True).directory

    run = services.portrait_run(data=data, as_of=AS_OF, now=at("2026-07-01 09:00"))

    portraits = Portrait.objects.filter(run=run)
    assert (run.status, run.is_current, run.engine, run.mode) == (
        "succeeded",
        True,
        "duckdb",
        "full",
    )
    assert run.portraits == portraits.count() > 50
    assert run.report["quarantined"]["uscc_check_digit"] == 1
    assert run.report["row_counts"]["registration"] == 60
    assert run.code_version.startswith("0.1.0+")
    mine = portraits.get(uscc=firm.uscc)
    assert mine.score == 550 + sum(c["points"] for c in mine.contributions) - 0
    assert len(mine.trends["months"]) == 24


@pytest.mark.parametrize("step", ["ingest", "link", "features", "load"])
def test_failed_run_keeps_the_previous_portraits(drops: Any, step: str) -> None:
    result = drops()
    good = services.portrait_run(data=result.directory, as_of=AS_OF, now=at("2026-07-01 09:00"))
    before = sorted(Portrait.objects.filter(run=good).values_list("uscc", "score"))
    manifest = (result.directory / "_lake" / "manifest.json").read_text()
    extra = drops(seed=99, firms=5).directory
    for path in extra.glob("*/history.parquet"):
        target = result.directory / path.parent.name / "2026-05-extra.parquet"
        target.write_bytes(path.read_bytes())

    with pytest.raises(RuntimeError, match="fail_after"):
        services.portrait_run(
            data=result.directory, as_of=AS_OF, now=at("2026-07-02 09:00"), fail_after=step
        )

    failed = PortraitRun.objects.exclude(pk=good.pk).get()
    assert (failed.status, failed.is_current) == ("failed", False)
    assert "fail_after" in failed.error
    assert PortraitRun.objects.get(is_current=True) == good
    assert (
        sorted(Portrait.objects.filter(run__is_current=True).values_list("uscc", "score")) == before
    )
    assert (result.directory / "_lake" / "manifest.json").read_text() == manifest


def test_run_queues_uncertain_links_and_follows_staff_decisions(
    drops: Any, officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rainforest.portrait import linking

    result = drops()
    real = linking.link_names

    def unsure_about_the_first(parties: Any, registry: Any, *, decisions: Any = None) -> Any:
        links = real(parties, registry, decisions=decisions)
        first = links[0]
        if first.method == "reviewed":
            return links
        return [
            linking.Link(
                first.party_name, first.party_address, None, registry[0][0], 0.6, "review"
            ),
            *links[1:],
        ]

    monkeypatch.setattr(linking, "link_names", unsure_about_the_first)
    services.portrait_run(data=result.directory, as_of=AS_OF, now=at("2026-07-01 09:00"))
    review = LinkReview.objects.get()
    assert (review.state, review.candidate_uscc, review.confidence) == (
        "open",
        result.firms[0].uscc,
        0.6,
    )

    services.link_review_decide(actor=officer, review=review, confirm=True)
    run = services.portrait_run(data=result.directory, as_of=AS_OF, now=at("2026-07-02 09:00"))

    assert run.report["links"]["reviewed"] == 1
    assert run.mode == "incremental"
    assert run.report["recomputed_from"] == "2024-01"


def test_link_review_only_by_data_or_programme_officers(banker_a: Any) -> None:
    review = LinkReview.objects.create(party_name="甲", confidence=0.5, created_at=timezone.now())

    with pytest.raises(PermissionDeniedError):
        services.link_review_decide(actor=banker_a, review=review, confirm=True)


def test_link_review_decided_twice_conflicts(officer: Any) -> None:
    review = LinkReview.objects.create(party_name="甲", confidence=0.5, created_at=timezone.now())
    services.link_review_decide(actor=officer, review=review, confirm=False)

    with pytest.raises(ConflictError):
        services.link_review_decide(actor=officer, review=review, confirm=True)


# --- consent and access --------------------------------------------------------------------


def _grant(user: Any, firm: Any, bank: Any, **kw: Any) -> Consent:
    values = {"purpose": "credit", "valid_from": TODAY, "valid_until": TODAY + timedelta(days=30)}
    values.update(kw)
    return services.consent_grant(actor=user, enterprise=firm, bank_uscc=bank.uscc, **values)


def _consent(firm: Any, bank: Any, user: Any, **kw: Any) -> Consent:
    """A consent row as it could stand in the database (past periods too)."""
    values = {
        "purpose": "credit",
        "valid_from": TODAY - timedelta(days=10),
        "valid_until": TODAY + timedelta(days=10),
        "granted_at": timezone.now(),
    }
    values.update(kw)
    return Consent.objects.create(enterprise=firm, bank=bank, granted_by=user, **values)


@pytest.mark.parametrize(
    ("kind", "readable"),
    [
        ("live", True),
        ("none", False),
        ("other_bank", False),
        ("revoked", False),
        ("expired_yesterday", False),
        ("ends_today", True),
        ("starts_tomorrow", False),
        ("starts_today", True),
    ],
)
def test_bank_reads_a_portrait_only_under_a_live_consent(
    kind: str,
    readable: bool,
    firm: Any,
    bank_a: Any,
    bank_b: Any,
    banker_a: Any,
    enterprise_user: Any,
    portrait_of: Any,
) -> None:
    portrait_of(firm)
    d = timedelta(days=1)
    setups = {
        "live": {},
        "other_bank": {"bank": bank_b},
        "revoked": {"revoked_at": timezone.now()},
        "expired_yesterday": {"valid_until": TODAY - d},
        "ends_today": {"valid_until": TODAY},
        "starts_tomorrow": {"valid_from": TODAY + d},
        "starts_today": {"valid_from": TODAY},
    }
    if kind != "none":
        setup = setups[kind]
        _consent(firm, setup.pop("bank", bank_a), enterprise_user, **setup)

    if readable:
        access = services.portrait_open(actor=banker_a, uscc=firm.uscc, channel="api")
        assert access.portrait.uscc == firm.uscc
        assert PortraitRead.objects.get().bank == bank_a
    else:
        with pytest.raises(NotFoundError) as caught:
            services.portrait_open(actor=banker_a, uscc=firm.uscc, channel="api")
        assert caught.value.message_en == "No portrait found for this enterprise"
        assert PortraitRead.objects.count() == 0


def test_without_consent_the_answer_is_the_same_as_for_a_code_without_portrait(
    firm: Any, banker_a: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    stranger = OrganisationFactory()

    errors = []
    for code in (firm.uscc, stranger.uscc, "not a code"):
        with pytest.raises(NotFoundError) as caught:
            services.portrait_open(actor=banker_a, uscc=code, channel="web")
        errors.append((caught.value.code, caught.value.message_zh))

    assert len(set(errors)) == 1


def test_enterprise_reads_its_own_portrait_without_a_log_entry(
    firm: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait_of(firm)

    access = services.portrait_open(actor=enterprise_user, uscc=firm.uscc, channel="web")

    assert access.as_owner
    assert PortraitRead.objects.count() == 0


def test_revoke_takes_effect_at_once(
    firm: Any, bank_a: Any, banker_a: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    consent = _grant(enterprise_user, firm, bank_a)
    services.portrait_open(actor=banker_a, uscc=firm.uscc, channel="web")

    services.consent_revoke(actor=enterprise_user, consent=consent)

    with pytest.raises(NotFoundError):
        services.portrait_open(actor=banker_a, uscc=firm.uscc, channel="web")
    with pytest.raises(ConflictError):
        services.consent_revoke(actor=enterprise_user, consent=consent)


def test_only_the_enterprise_grants_or_revokes(
    firm: Any, bank_a: Any, banker_a: Any, enterprise_user: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        _grant(banker_a, firm, bank_a)
    consent = _grant(enterprise_user, firm, bank_a)
    with pytest.raises(PermissionDeniedError):
        services.consent_revoke(actor=banker_a, consent=consent)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"valid_from": TODAY - timedelta(days=1)}, "valid_from", "date_in_past"),
        ({"valid_until": TODAY - timedelta(days=1)}, "valid_until", "dates_out_of_order"),
        ({"valid_until": TODAY + timedelta(days=365)}, None, None),
        ({"valid_until": TODAY + timedelta(days=366)}, "valid_until", "period_too_long"),
        ({"purpose": "marketing"}, "purpose", "purpose_invalid"),
    ],
)
def test_consent_rules(
    change: dict, field: str | None, code: str | None, firm: Any, bank_a: Any, enterprise_user: Any
) -> None:
    if code is None:
        assert _grant(enterprise_user, firm, bank_a, **change).pk
        return
    with pytest.raises(ValidationError) as caught:
        _grant(enterprise_user, firm, bank_a, **change)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_consent_to_an_organisation_that_is_not_a_bank_is_refused(
    firm: Any, enterprise_user: Any
) -> None:
    other = OrganisationFactory()

    with pytest.raises(ValidationError) as caught:
        _grant(enterprise_user, firm, other)

    assert caught.value.code == "bank_unknown"


# --- decisions and dashboard ------------------------------------------------------------------


def test_decisions_need_a_live_consent_and_fill_the_dashboard(
    firm: Any, bank_a: Any, banker_a: Any, banker_b: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    _grant(enterprise_user, firm, bank_a)

    decision = services.credit_decision_record(
        actor=banker_a, enterprise_uscc=firm.uscc, outcome="approved", amount=Decimal("3000000.00")
    )
    with pytest.raises(NotFoundError):
        services.credit_decision_record(
            actor=banker_b, enterprise_uscc=firm.uscc, outcome="approved", amount=Decimal("1.00")
        )

    assert (decision.bank, decision.score) == (bank_a, Portrait.objects.get().score)
    d = dashboard(banker_a)
    assert (d["enterprises"], d["loans"], d["amount"]) == (1, 1, Decimal("3000000.00"))
    assert dashboard(banker_b)["loans"] == 0
    assert CreditDecision.objects.count() == 1


@pytest.mark.parametrize(
    ("outcome", "amount", "code"),
    [
        ("approved", "0", "amount_invalid"),
        ("approved", "-1", "amount_invalid"),
        ("approved", "10000000000.01", "amount_invalid"),
        ("maybe", "1", "outcome_invalid"),
    ],
)
def test_decision_rules(
    outcome: str,
    amount: str,
    code: str,
    firm: Any,
    bank_a: Any,
    banker_a: Any,
    enterprise_user: Any,
    portrait_of: Any,
) -> None:
    portrait_of(firm)
    _grant(enterprise_user, firm, bank_a)

    with pytest.raises(ValidationError) as caught:
        services.credit_decision_record(
            actor=banker_a, enterprise_uscc=firm.uscc, outcome=outcome, amount=Decimal(amount)
        )

    assert caught.value.code == code


def test_staff_read_is_logged_without_a_bank(firm: Any, officer: Any, portrait_of: Any) -> None:
    portrait_of(firm)

    services.portrait_open(actor=officer, uscc=firm.uscc, channel="web")

    read = PortraitRead.objects.get()
    assert (read.reader, read.bank, read.enterprise) == (officer, None, firm)


def test_person_with_no_role_gets_nothing(firm: Any, portrait_of: Any) -> None:
    portrait_of(firm)
    nobody = person(Role.EXPERT)

    with pytest.raises(NotFoundError):
        services.portrait_open(actor=nobody, uscc=firm.uscc, channel="web")


def test_run_record_path_is_the_data_folder(drops: Any) -> None:
    data: Path = drops().directory

    run = services.portrait_run(data=data, as_of=AS_OF, now=at("2026-07-01 09:00"))

    assert (run.data_dir, run.as_of_month) == (str(data), date(2026, 6, 1))
