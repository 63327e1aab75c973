"""Hashing and verification of the audit chain, without the database.

A record's hash covers its content and the previous record's hash, so editing,
inserting or deleting a record breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def record_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    canonical = json.dumps(
        {**fields, "prev_hash": prev_hash},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: str  # edited | inserted | deleted | truncated
    message_zh: str
    message_en: str


def verify(
    records: Iterable[tuple[int, Mapping[str, Any], str, str]],
    *,
    head_seq: int,
    head_hash: str,
) -> Problem | None:
    """Check ``(seq, fields, prev_hash, hash)`` tuples in seq order; name the first problem."""
    expected_seq = 1
    prev = GENESIS
    for seq, fields, prev_hash, stored in records:
        if seq != expected_seq:
            if seq > expected_seq:
                return Problem(
                    expected_seq,
                    "deleted",
                    f"第 {expected_seq} 条记录缺失（在第 {seq} 条之前被删除）",
                    f"record #{expected_seq} is missing (deleted before #{seq})",
                )
            return Problem(
                seq,
                "inserted",
                f"第 {seq} 条记录序号重复或次序错乱",
                f"record #{seq} is out of order",
            )
        if prev_hash != prev:
            return Problem(
                seq,
                "inserted",
                f"第 {seq} 条记录与前一条不相连（被插入或被替换）",
                f"record #{seq} does not follow the previous one (inserted or replaced)",
            )
        if record_hash(fields, prev_hash) != stored:
            return Problem(
                seq,
                "edited",
                f"第 {seq} 条记录的内容被修改",
                f"record #{seq} was edited",
            )
        prev = stored
        expected_seq += 1
    if expected_seq - 1 != head_seq or prev != head_hash:
        return Problem(
            expected_seq,
            "truncated",
            f"链尾缺失：应有 {head_seq} 条记录，实有 {expected_seq - 1} 条",
            f"the chain's tail is missing: {head_seq} records expected, {expected_seq - 1} found",
        )
    return None
