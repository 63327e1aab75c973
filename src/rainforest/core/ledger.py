"""Double-entry ledger arithmetic (复式记账), without the database.

Money moves only as a *posting*: two or more entries whose amounts sum to exactly zero.
A positive amount increases the account's balance, a negative one decreases it. An
account that may not go negative (a budget, a voucher pool) refuses any change that
would take its *available* amount (balance minus what is held) below zero.

A *hold* (冻结) reserves part of an account's available amount without moving it; it is
then captured (the held money is posted to another account, in full or in part, the
rest released) or released, exactly once.

A *sweep* (结转) moves whatever an account has available, decided under the lock, to another
account: an expired voucher's remainder back to its budget. Nothing is posted when nothing
is available.

Every operation carries an idempotency key. Repeating a key with the same request returns
the first result and changes nothing; repeating it with a different request is refused.
A request's *fingerprint* (a hash of its canonical form) is what "the same" means.

``MemoryLedger`` is the reference implementation in memory; the database adapter in
``rainforest.ledger.services`` uses the same checks, so both refuse the same things.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext
from typing import Literal

from rainforest.core.errors import ConflictError, NotFoundError, ValidationError
from rainforest.core.money import FEN, MAX_YUAN

__all__ = [
    "ACCOUNT_CODE_MAX_LENGTH",
    "KEY_MAX_LENGTH",
    "MEMO_MAX_LENGTH",
    "AccountRules",
    "AccountState",
    "Entry",
    "EntryLike",
    "HoldState",
    "HoldStatus",
    "InsufficientFunds",
    "MemoryLedger",
    "Posting",
    "account_unknown",
    "capture_fingerprint",
    "check_available",
    "check_hold",
    "check_post",
    "check_release",
    "check_replay",
    "hold_fingerprint",
    "ledger_amount",
    "plan_capture",
    "plan_sweep",
    "positive_amount",
    "post_fingerprint",
    "release_fingerprint",
    "sweep_fingerprint",
    "validate_account_code",
    "validate_entries",
    "validate_key",
    "validate_memo",
]

KEY_MAX_LENGTH = 100
ACCOUNT_CODE_MAX_LENGTH = 64
MEMO_MAX_LENGTH = 500
ZERO = Decimal("0.00")

HoldStatus = Literal["open", "captured", "released"]


class InsufficientFunds(ConflictError):
    """The change would take a non-negative account's available amount below zero."""

    code = "insufficient_funds"


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


# --- amounts, codes, keys -------------------------------------------------------------


def ledger_amount(value: Decimal, *, field: str = "amount") -> Decimal:
    """``value`` as a Decimal with two places; a float or any non-Decimal is a TypeError.

    Floats are refused outright rather than converted: ``Decimal(0.1)`` is not 0.10.
    """
    if isinstance(value, float):
        raise TypeError(
            "ledger amounts must be Decimal, not float (a float cannot hold 0.10 exactly); "
            'pass Decimal("12.34")'
        )
    if not isinstance(value, Decimal):
        raise TypeError(f"ledger amounts must be Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValidationError(
            f"金额「{value}」不是一个有限的数。",
            f"The amount {value} is not a finite number.",
            field=field,
            code="amount_invalid",
        )
    if abs(value) > MAX_YUAN:
        raise ValidationError(
            f"金额「{value}」超过了10^15元的上限。",
            f"The amount {value} exceeds the limit of 10^15 yuan.",
            field=field,
            code="amount_too_large",
        )
    with localcontext() as ctx:
        ctx.prec = 60
        quantized = value.quantize(FEN)
        if quantized != value:
            raise ValidationError(
                f"金额「{value}」超过两位小数（不足一分），账目只记到分。",
                f"The amount {value} has more than two decimal places; the ledger records "
                "whole fen (0.01 yuan) only.",
                field=field,
                code="amount_precision",
            )
    # -0.00 and 0.00 are the same amount; keep one spelling for fingerprints.
    return abs(quantized) if quantized.is_zero() else quantized


def positive_amount(value: Decimal, *, field: str = "amount") -> Decimal:
    amount = ledger_amount(value, field=field)
    if amount <= 0:
        raise ValidationError(
            f"金额必须大于零，收到的是 {_fmt(amount)}。",
            f"The amount must be greater than zero; got {_fmt(amount)}.",
            field=field,
            code="amount_not_positive",
        )
    return amount


def validate_account_code(code: str, *, field: str = "account") -> str:
    """An account code: 1 to 64 characters, no whitespace."""
    if not isinstance(code, str):
        raise TypeError(f"an account code is a str, got {type(code).__name__}")
    if not code or len(code) > ACCOUNT_CODE_MAX_LENGTH or any(ch.isspace() for ch in code):
        raise ValidationError(
            f"账户代码「{code}」无效：应为1至{ACCOUNT_CODE_MAX_LENGTH}个字符，且不含空格。",
            f"The account code '{code}' is not valid: use 1 to {ACCOUNT_CODE_MAX_LENGTH} "
            "characters without spaces.",
            field=field,
            code="ledger_account_code_invalid",
        )
    return code


def validate_key(key: str) -> str:
    """An idempotency key: 1 to 100 characters, no surrounding whitespace."""
    if not isinstance(key, str):
        raise TypeError(f"an idempotency key is a str, got {type(key).__name__}")
    if not key or len(key) > KEY_MAX_LENGTH or key != key.strip():
        raise ValidationError(
            f"幂等键「{key}」无效：应为1至{KEY_MAX_LENGTH}个字符，首尾不能有空格。",
            f"The idempotency key '{key}' is not valid: use 1 to {KEY_MAX_LENGTH} characters "
            "with no leading or trailing spaces.",
            field="key",
            code="ledger_key_invalid",
        )
    return key


def validate_memo(memo: str) -> str:
    if not isinstance(memo, str):
        raise TypeError(f"a memo is a str, got {type(memo).__name__}")
    if len(memo) > MEMO_MAX_LENGTH:
        raise ValidationError(
            f"摘要过长：最多{MEMO_MAX_LENGTH}个字符，现有{len(memo)}个。",
            f"The memo is too long: at most {MEMO_MAX_LENGTH} characters, got {len(memo)}.",
            field="memo",
            code="ledger_memo_too_long",
        )
    return memo


# --- value types ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a posting: ``amount`` > 0 increases ``account``'s balance, < 0 decreases it."""

    account: str
    amount: Decimal

    def __post_init__(self) -> None:
        validate_account_code(self.account)
        object.__setattr__(self, "amount", ledger_amount(self.amount))


EntryLike = Entry | tuple[str, Decimal]


@dataclass(frozen=True)
class Posting:
    key: str
    entries: tuple[Entry, ...]
    memo: str = ""


@dataclass(frozen=True)
class AccountRules:
    code: str
    allow_negative: bool = False


@dataclass(frozen=True)
class AccountState:
    """An account as the checks see it: its rules, balance and held amount."""

    rules: AccountRules
    balance: Decimal
    held: Decimal

    @property
    def code(self) -> str:
        return self.rules.code

    @property
    def available(self) -> Decimal:
        return self.balance - self.held


@dataclass(frozen=True)
class HoldState:
    id: str
    key: str
    account: str
    amount: Decimal
    status: HoldStatus = "open"
    captured_amount: Decimal = ZERO


# --- the checks -------------------------------------------------------------------------


def validate_entries(entries: Iterable[EntryLike]) -> tuple[Entry, ...]:
    """Entries that can form a posting, or ValidationError saying why not.

    At least two entries, no zero amount, each account once (two lines on one account are
    refused rather than merged, because they usually mean a typo), summing to zero.
    """
    result: list[Entry] = []
    for item in entries:
        if isinstance(item, Entry):
            result.append(item)
        elif isinstance(item, tuple) and len(item) == 2:
            result.append(Entry(item[0], item[1]))
        else:
            raise TypeError(f"an entry is an Entry or (account, Decimal), got {item!r}")
    if len(result) < 2:
        raise ValidationError(
            f"一笔记账至少要有两条分录（一借一贷），现有{len(result)}条。",
            f"A posting needs at least two entries (one debit, one credit); got {len(result)}.",
            field="entries",
            code="ledger_too_few_entries",
        )
    seen: set[str] = set()
    for e in result:
        if e.amount.is_zero():
            raise ValidationError(
                f"账户「{e.account}」的分录金额为零；零金额分录没有意义，请删去。",
                f"The entry for account '{e.account}' is zero; remove zero entries.",
                field="entries",
                code="ledger_zero_amount",
            )
        if e.account in seen:
            raise ValidationError(
                f"账户「{e.account}」在同一笔记账中出现了多次，请合并为一条分录。",
                f"Account '{e.account}' appears more than once in the posting; "
                "combine its lines into one entry.",
                field="entries",
                code="ledger_duplicate_account",
            )
        seen.add(e.account)
    total = sum((e.amount for e in result), ZERO)
    if total != 0:
        raise ValidationError(
            f"借贷不平衡：分录合计为 {_fmt(total)}，应为 0.00（相差 {_fmt(total)}）。",
            f"The posting does not balance: its entries sum to {_fmt(total)}, "
            f"not 0.00 (off by {_fmt(total)}).",
            field="entries",
            code="ledger_unbalanced",
        )
    return tuple(result)


def check_available(
    balance: Decimal, held: Decimal, change: Decimal, allow_negative: bool, account: str
) -> None:
    """Refuse ``change`` if it would take ``account``'s available amount below zero."""
    if allow_negative or change >= 0:
        return
    available = balance - held
    if available + change < 0:
        raise InsufficientFunds(
            f"账户「{account}」可用余额为 {_fmt(available)} 元，不足以支出 {_fmt(-change)} 元。",
            f"Account '{account}' has {_fmt(available)} available, not enough for {_fmt(-change)}.",
            field="amount",
        )


def account_unknown(code: str) -> ValidationError:
    """The error for a code that names no account."""
    return ValidationError(
        f"账户「{code}」不存在，请先开立账户。",
        f"There is no account '{code}'; open it first.",
        field="account",
        code="ledger_account_unknown",
    )


def check_post(entries: tuple[Entry, ...], accounts: Mapping[str, AccountState]) -> None:
    """Every account exists and can take its entry. ``entries`` come from validate_entries."""
    for e in entries:
        if e.account not in accounts:
            raise account_unknown(e.account)
    for e in sorted(entries, key=lambda x: x.account):
        a = accounts[e.account]
        check_available(a.balance, a.held, e.amount, a.rules.allow_negative, a.code)


def check_hold(account: AccountState, amount: Decimal) -> Decimal:
    """The amount to hold, after checking it is positive and available."""
    amount = positive_amount(amount)
    check_available(
        account.balance, account.held, -amount, account.rules.allow_negative, account.code
    )
    return amount


def _check_open(hold: HoldState) -> None:
    if hold.status != "open":
        done_zh = "扣划" if hold.status == "captured" else "解冻"
        raise ConflictError(
            f"冻结「{hold.id}」已{done_zh}，不能再次扣划或解冻。",
            f"Hold '{hold.id}' has already been {hold.status}; it cannot be captured or "
            "released again.",
            field="hold",
            code="hold_closed",
        )


def plan_capture(hold: HoldState, to_account: str, amount: Decimal | None) -> tuple[Entry, Entry]:
    """The two entries that capture ``amount`` (all of it when None) of an open hold."""
    _check_open(hold)
    validate_account_code(to_account, field="to_account")
    if to_account == hold.account:
        raise ValidationError(
            f"扣划的目标账户不能是被冻结的账户「{hold.account}」本身。",
            f"A hold cannot be captured into its own account '{hold.account}'.",
            field="to_account",
            code="ledger_capture_same_account",
        )
    take = hold.amount if amount is None else positive_amount(amount)
    if take > hold.amount:
        raise ValidationError(
            f"扣划金额 {_fmt(take)} 超过了冻结金额 {_fmt(hold.amount)}。",
            f"The capture of {_fmt(take)} exceeds the held amount of {_fmt(hold.amount)}.",
            field="amount",
            code="capture_exceeds_hold",
        )
    return Entry(hold.account, -take), Entry(to_account, take)


def check_release(hold: HoldState) -> None:
    _check_open(hold)


def plan_sweep(source: AccountState, to_account: str) -> tuple[Entry, Entry] | None:
    """The two entries that move all of ``source``'s available amount, or None if there is none.

    Held money stays where it is: it belongs to a hold that is still to be captured or
    released. An account that may go negative has nothing to sweep once it is at or
    below zero.
    """
    validate_account_code(to_account, field="to_account")
    if to_account == source.code:
        raise ValidationError(
            f"结转的目标账户不能是账户「{source.code}」本身。",
            f"An account cannot be swept into itself ('{source.code}').",
            field="to_account",
            code="ledger_sweep_same_account",
        )
    available = source.available
    if available <= 0:
        return None
    return Entry(source.code, -available), Entry(to_account, available)


# --- idempotency ------------------------------------------------------------------------


def _fingerprint(kind: str, body: object) -> str:
    canonical = json.dumps([kind, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def post_fingerprint(entries: tuple[Entry, ...], memo: str) -> str:
    # Sorted by account (each account appears once), so the order of lines does not matter.
    lines = sorted((e.account, str(e.amount)) for e in entries)
    return _fingerprint("post", {"entries": lines, "memo": memo})


def hold_fingerprint(account: str, amount: Decimal) -> str:
    return _fingerprint("hold", {"account": account, "amount": str(ledger_amount(amount))})


def capture_fingerprint(hold_id: str, to_account: str, amount: Decimal) -> str:
    """``amount`` is the resolved amount: capturing "all" and the full amount are the same."""
    return _fingerprint(
        "capture",
        {"hold": hold_id, "to_account": to_account, "amount": str(ledger_amount(amount))},
    )


def release_fingerprint(hold_id: str) -> str:
    return _fingerprint("release", {"hold": hold_id})


def sweep_fingerprint(from_account: str, to_account: str, memo: str) -> str:
    """The amount is not part of the request: it is whatever is available when it runs."""
    return _fingerprint("sweep", {"from": from_account, "to": to_account, "memo": memo})


def check_replay(key: str, stored_fingerprint: str, fingerprint: str) -> None:
    """A key seen before must come with the same request."""
    if stored_fingerprint != fingerprint:
        raise ConflictError(
            f"幂等键「{key}」已用于另一笔不同内容的操作；重试时请原样提交，新操作请换一个键。",
            f"The idempotency key '{key}' was already used for a different request; "
            "retry with exactly the same request, or use a new key for a new operation.",
            field="key",
            code="idempotency_conflict",
        )


# --- the reference implementation -------------------------------------------------------


@dataclass
class _Operation:
    fingerprint: str
    posting: Posting | None = None
    hold_id: str | None = None


@dataclass
class _Account:
    rules: AccountRules
    balance: Decimal = ZERO
    held: Decimal = ZERO

    def state(self) -> AccountState:
        return AccountState(self.rules, self.balance, self.held)


@dataclass
class MemoryLedger:
    """The ledger in memory. Every method either does all of its work or raises and does none."""

    _accounts: dict[str, _Account] = field(default_factory=dict)
    _postings: list[Posting] = field(default_factory=list)
    _holds: dict[str, HoldState] = field(default_factory=dict)
    _operations: dict[str, _Operation] = field(default_factory=dict)

    # accounts

    def open_account(self, code: str, allow_negative: bool = False) -> AccountRules:
        validate_account_code(code)
        if code in self._accounts:
            raise ConflictError(
                f"账户「{code}」已存在。",
                f"Account '{code}' already exists.",
                field="code",
                code="ledger_account_exists",
            )
        rules = AccountRules(code, allow_negative)
        self._accounts[code] = _Account(rules)
        return rules

    def _account(self, code: str) -> _Account:
        try:
            return self._accounts[code]
        except KeyError:
            raise account_unknown(code) from None

    def balance(self, code: str) -> Decimal:
        return self._account(code).balance

    def held(self, code: str) -> Decimal:
        return self._account(code).held

    def available(self, code: str) -> Decimal:
        return self._account(code).state().available

    def accounts(self) -> tuple[AccountRules, ...]:
        return tuple(a.rules for a in self._accounts.values())

    def postings(self) -> tuple[Posting, ...]:
        return tuple(self._postings)

    def holds(self) -> tuple[HoldState, ...]:
        return tuple(self._holds.values())

    def hold_state(self, hold_id: str) -> HoldState:
        try:
            return self._holds[hold_id]
        except KeyError:
            raise NotFoundError(
                f"冻结「{hold_id}」不存在。",
                f"There is no hold '{hold_id}'.",
                field="hold",
                code="hold_not_found",
            ) from None

    def _replay(self, key: str, fingerprint: str) -> _Operation | None:
        op = self._operations.get(key)
        if op is not None:
            check_replay(key, op.fingerprint, fingerprint)
        return op

    def _apply(self, posting: Posting) -> None:
        for e in posting.entries:
            self._accounts[e.account].balance += e.amount
        self._postings.append(posting)

    # operations

    def post(self, key: str, entries: Iterable[EntryLike], memo: str = "") -> Posting:
        validate_key(key)
        validate_memo(memo)
        checked = validate_entries(entries)
        fingerprint = post_fingerprint(checked, memo)
        op = self._replay(key, fingerprint)
        if op is not None:
            assert op.posting is not None
            return op.posting
        check_post(checked, {c: a.state() for c, a in self._accounts.items()})
        posting = Posting(key, checked, memo)
        self._apply(posting)
        self._operations[key] = _Operation(fingerprint, posting=posting)
        return posting

    def hold(self, key: str, account: str, amount: Decimal) -> str:
        validate_key(key)
        validate_account_code(account)
        fingerprint = hold_fingerprint(account, positive_amount(amount))
        op = self._replay(key, fingerprint)
        if op is not None:
            assert op.hold_id is not None
            return op.hold_id
        a = self._account(account)
        amount = check_hold(a.state(), amount)
        # The key names the hold: it is unique and the caller already has it.
        hold = HoldState(id=key, key=key, account=account, amount=amount)
        a.held += amount
        self._holds[hold.id] = hold
        self._operations[key] = _Operation(fingerprint, hold_id=hold.id)
        return hold.id

    def capture(
        self, key: str, hold_id: str, to_account: str, amount: Decimal | None = None
    ) -> Posting:
        validate_key(key)
        hold = self.hold_state(hold_id)
        take = hold.amount if amount is None else positive_amount(amount)
        fingerprint = capture_fingerprint(hold.id, to_account, take)
        op = self._replay(key, fingerprint)
        if op is not None:
            assert op.posting is not None
            return op.posting
        entries = plan_capture(hold, to_account, take)
        if to_account not in self._accounts:
            raise account_unknown(to_account)
        source = self._accounts[hold.account]
        # The hold comes off first; what is captured must then fit the available amount.
        check_available(
            source.balance,
            source.held - hold.amount,
            -take,
            source.rules.allow_negative,
            source.rules.code,
        )
        posting = Posting(key, entries, f"capture hold {hold.id}")
        source.held -= hold.amount
        self._apply(posting)
        self._holds[hold.id] = replace(hold, status="captured", captured_amount=take)
        self._operations[key] = _Operation(fingerprint, posting=posting, hold_id=hold.id)
        return posting

    def sweep(self, key: str, from_account: str, to_account: str, memo: str = "") -> Posting | None:
        """Move all of ``from_account``'s available amount to ``to_account``; None if none."""
        validate_key(key)
        validate_memo(memo)
        validate_account_code(from_account, field="from_account")
        validate_account_code(to_account, field="to_account")
        fingerprint = sweep_fingerprint(from_account, to_account, memo)
        op = self._replay(key, fingerprint)
        if op is not None:
            return op.posting
        source = self._account(from_account)
        if to_account not in self._accounts:
            raise account_unknown(to_account)
        entries = plan_sweep(source.state(), to_account)
        posting = None if entries is None else Posting(key, entries, memo)
        if posting is not None:
            self._apply(posting)
        self._operations[key] = _Operation(fingerprint, posting=posting)
        return posting

    def release(self, key: str, hold_id: str) -> HoldState:
        validate_key(key)
        hold = self.hold_state(hold_id)
        fingerprint = release_fingerprint(hold.id)
        op = self._replay(key, fingerprint)
        if op is not None:
            return self._holds[hold.id]
        check_release(hold)
        self._accounts[hold.account].held -= hold.amount
        released = replace(hold, status="released")
        self._holds[hold.id] = released
        self._operations[key] = _Operation(fingerprint, hold_id=hold.id)
        return released
