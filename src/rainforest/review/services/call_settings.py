"""A call's review settings (评审设置): k, L, q, the aggregation method, blind review.

Staff set them before the draw; once a draw exists for the call they are locked, because
experts were drawn, and see the applications, under them.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.services import audit_append
from rainforest.core.errors import ConflictError, NotFoundError
from rainforest.review import adapters
from rainforest.review import domain as rules
from rainforest.review.domain_assignment import parse_q
from rainforest.review.domain_settings import ReviewSettings, check_settings, default_settings
from rainforest.review.models import CallSettings, Draw
from rainforest.review.services._common import now_or, problems_of, raise_problems, today_of


def settings_default(day: date) -> ReviewSettings:
    return default_settings(
        rules.parameters_on(rules.DRAW, day), rules.parameters_on(rules.SCORING, day)
    )


def _from_row(row: CallSettings) -> ReviewSettings:
    return ReviewSettings(
        k=row.k,
        load=row.load,
        q=parse_q(row.q),
        method=row.method,
        normalise=row.normalise,
        blind=row.blind,
    )


def settings_for(call_ref: str, *, day: date | None = None) -> ReviewSettings:
    """The call's settings, or the defaults in force when staff have set none."""
    row = CallSettings.objects.filter(call_ref=call_ref).first()
    if row is not None:
        return _from_row(row)
    return settings_default(day or timezone.localdate())


def settings_for_calls(
    call_refs: list[str], *, day: date | None = None
) -> dict[str, ReviewSettings]:
    """The settings of several calls in one query."""
    rows = {r.call_ref: _from_row(r) for r in CallSettings.objects.filter(call_ref__in=call_refs)}
    default = settings_default(day or timezone.localdate())
    return {ref: rows.get(ref, default) for ref in call_refs}


def settings_locked(call_ref: str) -> bool:
    return Draw.objects.filter(call_ref=call_ref).exists()


def call_settings_save(
    *,
    actor: User,
    call_ref: str,
    k: object,
    load: object,
    q: object,
    method: object,
    normalise: bool = False,
    blind: bool = False,
    now: datetime | None = None,
) -> CallSettings:
    """Set the call's settings (every problem named by its field; nothing saved while any)."""
    now = now_or(now)
    scoring = rules.parameters_on(rules.SCORING, today_of(now))
    if adapters.call_info(call_ref, scoring) is None:
        raise NotFoundError("没有找到该申请指南。", "No such call.")
    checked, errors = check_settings(
        k=k, load=load, q=q, method=method, normalise=normalise, blind=blind
    )
    raise_problems(problems_of(errors), code="settings_invalid")
    assert checked is not None
    with transaction.atomic():
        if settings_locked(call_ref):
            raise ConflictError(
                "该指南已经抽取过专家，评审设置不能再修改；抽取记录保存了实际使用的参数。",
                "Experts were already drawn for this call, so its review settings are locked; "
                "the draw's record keeps the values it used.",
                code="settings_locked",
            )
        values = {
            "k": checked.k,
            "load": checked.load,
            "q": checked.q_text,
            "method": checked.method,
            "normalise": checked.normalise,
            "blind": checked.blind,
        }
        row, created = CallSettings.objects.update_or_create(
            call_ref=call_ref, defaults={**values, "updated_by": actor, "updated_at": now}
        )
        audit_append(
            actor=actor,
            action="review.call_settings_save",
            subject_type="call",
            subject_id=call_ref,
            data={"created": created, **values},
        )
    return row
