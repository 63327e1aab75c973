"""Writing to the audit chain. Call inside the transaction of the change it records."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from rainforest.audit import chain
from rainforest.audit.models import AuditHead, AuditRecord


def _fields(
    *,
    seq: int,
    at: str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    subject_type: str,
    subject_id: str,
    data: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "data": data,
    }


def _record_fields(r: AuditRecord) -> dict[str, Any]:
    return _fields(
        seq=r.seq,
        at=r.at.isoformat(),
        actor_id=r.actor_id,
        actor_label=r.actor_label,
        action=r.action,
        subject_type=r.subject_type,
        subject_id=r.subject_id,
        data=r.data,
    )


def audit_append(
    *,
    actor: Any,
    action: str,
    subject_type: str,
    subject_id: object,
    data: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one record. Must run inside the caller's transaction (it is one)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the transaction of the change")
    # The head row is the lock that keeps the chain in order under concurrent writers.
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    seq = head.last_seq + 1
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    actor_label = str(actor) if actor is not None else "system"
    # Round-trip through JSON so the stored data hashes the same when read back.
    clean = chain.json.loads(chain.json.dumps(dict(data or {}), ensure_ascii=False, default=str))
    fields = _fields(
        seq=seq,
        at=now.isoformat(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=clean,
    )
    digest = chain.record_hash(fields, head.last_hash)
    record = AuditRecord.objects.create(
        seq=seq,
        at=now,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=clean,
        prev_hash=head.last_hash,
        hash=digest,
    )
    head.last_seq = seq
    head.last_hash = digest
    head.save(update_fields=["last_seq", "last_hash"])
    return record


def _stream(
    progress: Callable[[int], object] | None = None, batch: int = 2000
) -> Iterator[tuple[int, dict[str, Any], str, str]]:
    for r in AuditRecord.objects.order_by("seq").iterator(chunk_size=batch):
        if progress is not None:
            progress(1)
        yield r.seq, _record_fields(r), r.prev_hash, r.hash


def audit_verify(progress: Callable[[int], object] | None = None) -> chain.Problem | None:
    """The first problem in the chain, or None when it is whole."""
    head = AuditHead.objects.filter(id=1).first()
    head_seq = head.last_seq if head else 0
    head_hash = head.last_hash if head else chain.GENESIS
    return chain.verify(_stream(progress), head_seq=head_seq, head_hash=head_hash)
