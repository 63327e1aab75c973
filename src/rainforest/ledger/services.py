"""The only writers of the ledger.

Each service is one transaction that locks what it changes, runs the checks of
``rainforest.core.ledger``, writes rows and an audit record, or raises and writes nothing.

Locking: a hold row first (capture, release), then the account rows in order of code,
then (inside ``audit_append``) the audit head. Every writer takes locks in that order, so
two writers wait for each other instead of deadlocking. On PostgreSQL the row locks
serialise writers per account; SQLite takes its write lock at BEGIN (IMMEDIATE).

Idempotency: the key is looked up before anything else (a retry costs one query) and
again after the locks are taken, when a concurrent request with the same key has either
committed (and is seen) or not started. The unique key is the last line of defence: a
racing insert that loses gets an IntegrityError and returns the winner's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from rainforest.audit.services import audit_append
from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.core.ledger import (
    AccountRules,
    AccountState,
    Entry,
    EntryLike,
    HoldState,
    account_unknown,
    capture_fingerprint,
    check_available,
    check_hold,
    check_post,
    check_release,
    check_replay,
    hold_fingerprint,
    plan_capture,
    plan_sweep,
    positive_amount,
    post_fingerprint,
    release_fingerprint,
    sweep_fingerprint,
    validate_account_code,
    validate_entries,
    validate_key,
    validate_memo,
)
from rainforest.core.ledger import HoldStatus as HoldStatusName
from rainforest.ledger.models import (
    AccountKind,
    HoldStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerHold,
    LedgerOperation,
    LedgerPosting,
    OperationKind,
)

__all__ = [
    "ledger_account_open",
    "ledger_capture",
    "ledger_hold",
    "ledger_post",
    "ledger_release",
    "ledger_sweep",
]

T = TypeVar("T")


def _state(account: LedgerAccount) -> AccountState:
    return AccountState(
        AccountRules(account.code, account.allow_negative), account.balance, account.held
    )


_STATUS: dict[str, HoldStatusName] = {
    "open": "open",
    "captured": "captured",
    "released": "released",
}


def _hold_state(hold: LedgerHold) -> HoldState:
    return HoldState(
        id=str(hold.pk),
        key=hold.key,
        account=hold.account.code,
        amount=hold.amount,
        status=_STATUS[hold.status],
        captured_amount=hold.captured_amount,
    )


def _lock_accounts(codes: Iterable[str]) -> dict[str, LedgerAccount]:
    """Lock the account rows in order of code (the one lock order, see the module docstring)."""
    rows = LedgerAccount.objects.select_for_update().filter(code__in=set(codes)).order_by("code")
    return {a.code: a for a in rows}


def _find_operation(key: str, fingerprint: str) -> LedgerOperation | None:
    op = (
        LedgerOperation.objects.select_related("posting", "hold", "hold__account")
        .filter(key=key)
        .first()
    )
    if op is not None:
        check_replay(key, op.fingerprint, fingerprint)
    return op


def _idempotent(
    key: str, fingerprint: str, replay: Callable[[LedgerOperation], T], write: Callable[[], T]
) -> T:
    """Return the earlier result for ``key``, or run ``write`` in its own transaction.

    ``write`` must call ``_find_operation`` again once it holds its locks.
    """
    op = _find_operation(key, fingerprint)
    if op is not None:
        return replay(op)
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        # A concurrent request with the same key committed between our look-up and our
        # insert. Anything else that breaks a constraint is a bug: re-raise it.
        op = _find_operation(key, fingerprint)
        if op is None:
            raise
        return replay(op)


def _record_operation(
    *,
    key: str,
    kind: str,
    fingerprint: str,
    actor: Any,
    posting: LedgerPosting | None = None,
    hold: LedgerHold | None = None,
) -> None:
    LedgerOperation.objects.create(
        key=key,
        kind=kind,
        fingerprint=fingerprint,
        posting=posting,
        hold=hold,
        actor=_actor(actor),
    )


def _actor(actor: Any) -> Any:
    """The user to store on a row: None for the system or an anonymous user."""
    return actor if getattr(actor, "pk", None) is not None else None


def _write_posting(
    *,
    key: str,
    entries: Sequence[Entry],
    memo: str,
    accounts: dict[str, LedgerAccount],
    actor: Any,
) -> LedgerPosting:
    posting = LedgerPosting.objects.create(key=key, memo=memo, actor=_actor(actor))
    LedgerEntry.objects.bulk_create(
        LedgerEntry(posting=posting, account=accounts[e.account], amount=e.amount) for e in entries
    )
    for e in entries:
        account = accounts[e.account]
        account.balance += e.amount
        account.save(update_fields=["balance"])
    return posting


def _entries_data(entries: Iterable[Entry]) -> list[list[str]]:
    return [[e.account, str(e.amount)] for e in entries]


# --- accounts -----------------------------------------------------------------------------


def ledger_account_open(
    *,
    code: str,
    name: str,
    kind: str,
    allow_negative: bool = False,
    actor: Any = None,
) -> LedgerAccount:
    """Open an account (开户) with a zero balance."""
    validate_account_code(code, field="code")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError(
            "请填写账户名称（不超过200个字符）。",
            "Enter the account name (at most 200 characters).",
            field="name",
            code="ledger_account_name_invalid",
        )
    if kind not in AccountKind.values:
        raise ValidationError(
            f"账户类型「{kind}」无法识别，应为 {'、'.join(AccountKind.values)} 之一。",
            f"The account kind '{kind}' is not recognised; use one of "
            f"{', '.join(AccountKind.values)}.",
            field="kind",
            code="ledger_account_kind_invalid",
        )
    exists = ConflictError(
        f"账户「{code}」已存在。",
        f"Account '{code}' already exists.",
        field="code",
        code="ledger_account_exists",
    )
    if LedgerAccount.objects.filter(code=code).exists():
        raise exists
    try:
        with transaction.atomic():
            account = LedgerAccount.objects.create(
                code=code, name=name, kind=kind, allow_negative=allow_negative
            )
            audit_append(
                actor=actor,
                action="ledger.account_open",
                subject_type="ledger_account",
                subject_id=account.code,
                data={"name": name, "kind": kind, "allow_negative": allow_negative},
            )
    except IntegrityError:
        if LedgerAccount.objects.filter(code=code).exists():
            raise exists from None
        raise
    return account


# --- postings -----------------------------------------------------------------------------


def ledger_post(
    *,
    key: str,
    entries: Sequence[EntryLike],
    memo: str = "",
    actor: Any = None,
) -> LedgerPosting:
    """Post balanced entries (记账). ``entries`` are ``Entry`` or ``(account code, Decimal)``."""
    validate_key(key)
    validate_memo(memo)
    checked = validate_entries(entries)
    fingerprint = post_fingerprint(checked, memo)

    def replay(op: LedgerOperation) -> LedgerPosting:
        assert op.posting is not None
        return op.posting

    def write() -> LedgerPosting:
        accounts = _lock_accounts(e.account for e in checked)
        op = _find_operation(key, fingerprint)
        if op is not None:
            return replay(op)
        check_post(checked, {code: _state(a) for code, a in accounts.items()})
        posting = _write_posting(
            key=key, entries=checked, memo=memo, accounts=accounts, actor=actor
        )
        _record_operation(
            key=key, kind=OperationKind.POST, fingerprint=fingerprint, actor=actor, posting=posting
        )
        audit_append(
            actor=actor,
            action="ledger.post",
            subject_type="ledger_posting",
            subject_id=posting.pk,
            data={"key": key, "memo": memo, "entries": _entries_data(checked)},
        )
        return posting

    return _idempotent(key, fingerprint, replay, write)


# --- holds --------------------------------------------------------------------------------


def _account_code(account: LedgerAccount | str) -> str:
    return account.code if isinstance(account, LedgerAccount) else account


def _hold_pk(hold: LedgerHold | int) -> int:
    return hold.pk if isinstance(hold, LedgerHold) else hold


def _load_hold(hold: LedgerHold | int) -> LedgerHold:
    found = LedgerHold.objects.select_related("account").filter(pk=_hold_pk(hold)).first()
    if found is None:
        raise NotFoundError(
            f"冻结「{_hold_pk(hold)}」不存在。",
            f"There is no hold '{_hold_pk(hold)}'.",
            field="hold",
            code="hold_not_found",
        )
    return found


def _lock_hold(pk: int) -> LedgerHold:
    return LedgerHold.objects.select_for_update().get(pk=pk)


def ledger_hold(
    *, key: str, account: LedgerAccount | str, amount: Decimal, actor: Any = None
) -> LedgerHold:
    """Reserve ``amount`` on ``account`` (冻结): available goes down, balance does not."""
    validate_key(key)
    code = validate_account_code(_account_code(account), field="account")
    amount = positive_amount(amount)
    fingerprint = hold_fingerprint(code, amount)

    def replay(op: LedgerOperation) -> LedgerHold:
        assert op.hold is not None
        return op.hold

    def write() -> LedgerHold:
        accounts = _lock_accounts([code])
        op = _find_operation(key, fingerprint)
        if op is not None:
            return replay(op)
        if code not in accounts:
            raise account_unknown(code)
        row = accounts[code]
        held = check_hold(_state(row), amount)
        hold = LedgerHold.objects.create(key=key, account=row, amount=held)
        row.held += held
        row.save(update_fields=["held"])
        _record_operation(
            key=key, kind=OperationKind.HOLD, fingerprint=fingerprint, actor=actor, hold=hold
        )
        audit_append(
            actor=actor,
            action="ledger.hold",
            subject_type="ledger_hold",
            subject_id=hold.pk,
            data={"key": key, "account": code, "amount": str(held)},
        )
        return hold

    return _idempotent(key, fingerprint, replay, write)


def ledger_capture(
    *,
    key: str,
    hold: LedgerHold | int,
    to_account: LedgerAccount | str,
    amount: Decimal | None = None,
    actor: Any = None,
) -> LedgerPosting:
    """Post ``amount`` (all when None) of an open hold to ``to_account`` (扣划); the rest is freed."""
    validate_key(key)
    to_code = validate_account_code(_account_code(to_account), field="to_account")
    loaded = _load_hold(hold)
    take = loaded.amount if amount is None else positive_amount(amount)
    fingerprint = capture_fingerprint(str(loaded.pk), to_code, take)

    def replay(op: LedgerOperation) -> LedgerPosting:
        assert op.posting is not None
        return op.posting

    def write() -> LedgerPosting:
        row = _lock_hold(loaded.pk)
        accounts = _lock_accounts([loaded.account.code, to_code])
        op = _find_operation(key, fingerprint)
        if op is not None:
            return replay(op)
        row.account = accounts[loaded.account.code]
        entries = plan_capture(_hold_state(row), to_code, take)
        if to_code not in accounts:
            raise account_unknown(to_code)
        source = row.account
        # The hold comes off first; what is captured must then fit what is available.
        check_available(
            source.balance, source.held - row.amount, -take, source.allow_negative, source.code
        )
        source.held -= row.amount
        source.save(update_fields=["held"])
        posting = _write_posting(
            key=key,
            entries=entries,
            memo=f"扣划冻结 {row.key} / capture of hold {row.key}",
            accounts=accounts,
            actor=actor,
        )
        row.status = HoldStatus.CAPTURED
        row.captured_amount = take
        row.capture_posting = posting
        row.closed_at = timezone.now()
        row.save(update_fields=["status", "captured_amount", "capture_posting", "closed_at"])
        _record_operation(
            key=key,
            kind=OperationKind.CAPTURE,
            fingerprint=fingerprint,
            actor=actor,
            posting=posting,
            hold=row,
        )
        audit_append(
            actor=actor,
            action="ledger.capture",
            subject_type="ledger_hold",
            subject_id=row.pk,
            data={
                "key": key,
                "hold": row.key,
                "to_account": to_code,
                "amount": str(take),
                "released": str(row.amount - take),
                "posting": posting.pk,
            },
        )
        return posting

    return _idempotent(key, fingerprint, replay, write)


def ledger_release(*, key: str, hold: LedgerHold | int, actor: Any = None) -> LedgerHold:
    """Free an open hold (解冻) without moving money."""
    validate_key(key)
    loaded = _load_hold(hold)
    fingerprint = release_fingerprint(str(loaded.pk))

    def replay(op: LedgerOperation) -> LedgerHold:
        assert op.hold is not None
        return op.hold

    def write() -> LedgerHold:
        row = _lock_hold(loaded.pk)
        accounts = _lock_accounts([loaded.account.code])
        op = _find_operation(key, fingerprint)
        if op is not None:
            return replay(op)
        row.account = accounts[loaded.account.code]
        check_release(_hold_state(row))
        row.account.held -= row.amount
        row.account.save(update_fields=["held"])
        row.status = HoldStatus.RELEASED
        row.closed_at = timezone.now()
        row.save(update_fields=["status", "closed_at"])
        _record_operation(
            key=key, kind=OperationKind.RELEASE, fingerprint=fingerprint, actor=actor, hold=row
        )
        audit_append(
            actor=actor,
            action="ledger.release",
            subject_type="ledger_hold",
            subject_id=row.pk,
            data={"key": key, "hold": row.key, "amount": str(row.amount)},
        )
        return row

    return _idempotent(key, fingerprint, replay, write)


# --- sweeps -------------------------------------------------------------------------------


def ledger_sweep(
    *,
    key: str,
    from_account: LedgerAccount | str,
    to_account: LedgerAccount | str,
    memo: str = "",
    actor: Any = None,
) -> LedgerPosting | None:
    """Move all of ``from_account``'s available amount to ``to_account`` (结转).

    The amount is read under the account locks, so a concurrent spend either finishes
    before (and the sweep moves what is left) or waits and then finds nothing. Open holds
    stay. Returns the posting, or None when nothing was available (the key is still
    recorded, so a retry returns None again rather than sweeping money that arrived later).
    Recorded as a ``post`` operation: a sweep is a posting whose amount the ledger chose.
    """
    validate_key(key)
    validate_memo(memo)
    from_code = validate_account_code(_account_code(from_account), field="from_account")
    to_code = validate_account_code(_account_code(to_account), field="to_account")
    fingerprint = sweep_fingerprint(from_code, to_code, memo)

    def replay(op: LedgerOperation) -> LedgerPosting | None:
        return op.posting

    def write() -> LedgerPosting | None:
        accounts = _lock_accounts([from_code, to_code])
        op = _find_operation(key, fingerprint)
        if op is not None:
            return replay(op)
        for code in (from_code, to_code):
            if code not in accounts:
                raise account_unknown(code)
        entries = plan_sweep(_state(accounts[from_code]), to_code)
        posting = None
        if entries is not None:
            posting = _write_posting(
                key=key, entries=entries, memo=memo, accounts=accounts, actor=actor
            )
        _record_operation(
            key=key, kind=OperationKind.POST, fingerprint=fingerprint, actor=actor, posting=posting
        )
        audit_append(
            actor=actor,
            action="ledger.sweep",
            subject_type="ledger_account",
            subject_id=from_code,
            data={
                "key": key,
                "memo": memo,
                "to_account": to_code,
                "amount": str(entries[1].amount) if entries else "0.00",
                "posting": posting.pk if posting else None,
            },
        )
        return posting

    return _idempotent(key, fingerprint, replay, write)
