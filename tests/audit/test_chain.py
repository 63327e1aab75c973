"""The audit chain: every edit, insertion or deletion of history is found."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from rainforest.audit.models import AuditHead, AuditRecord
from rainforest.audit.services import audit_append, audit_verify


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_append(
                actor=None,
                action="test.step",
                subject_type="thing",
                subject_id=i,
                data={"amount": "100.00", "名称": f"第{i}步"},
            )


@pytest.mark.django_db
def test_audit_verify_intact_chain_passes() -> None:
    _append(5)

    assert audit_verify() is None
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit chain intact (5 records)" in out.getvalue()


@pytest.mark.django_db
def test_audit_verify_names_edited_record() -> None:
    _append(5)
    AuditRecord.objects.filter(seq=3).update(data={"amount": "999.00", "名称": "第2步"})

    problem = audit_verify()

    assert problem is not None
    assert (problem.seq, problem.kind) == (3, "edited")
    with pytest.raises(CommandError, match="第 3 条记录的内容被修改"):
        call_command("audit", "verify", stdout=StringIO())


@pytest.mark.django_db
def test_audit_verify_names_deleted_record() -> None:
    _append(5)
    AuditRecord.objects.filter(seq=2).delete()

    problem = audit_verify()

    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "deleted")


@pytest.mark.django_db
def test_audit_verify_finds_deleted_tail() -> None:
    _append(5)
    AuditRecord.objects.filter(seq=5).delete()

    problem = audit_verify()

    assert problem is not None
    assert problem.kind == "truncated"


@pytest.mark.django_db
def test_audit_verify_names_inserted_record() -> None:
    _append(3)
    # An insertion: record 2 replaced by a forged one with a self-consistent hash.
    forged = AuditRecord.objects.get(seq=2)
    from rainforest.audit import chain
    from rainforest.audit.services import _record_fields

    forged.prev_hash = "f" * 64
    forged.data = {"forged": True}
    forged.hash = chain.record_hash(_record_fields(forged), forged.prev_hash)
    forged.save()

    problem = audit_verify()

    assert problem is not None
    assert (problem.seq, problem.kind) == (2, "inserted")


@pytest.mark.django_db(transaction=True)
def test_audit_append_outside_transaction_refused() -> None:
    with pytest.raises(RuntimeError):
        audit_append(actor=None, action="x", subject_type="y", subject_id=1)


@pytest.mark.django_db
def test_audit_append_rolled_back_with_the_change() -> None:
    _append(2)

    def change_that_fails() -> None:
        with transaction.atomic():
            audit_append(actor=None, action="x", subject_type="y", subject_id=1)
            raise ValueError("the change failed")

    with pytest.raises(ValueError, match="the change failed"):
        change_that_fails()

    assert AuditRecord.objects.count() == 2
    assert AuditHead.objects.get().last_seq == 2
    assert audit_verify() is None


def test_audit_verify_command_help(capsys: Any) -> None:
    from rainforest.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "--help"])

    assert exit_info.value.code == 0
    assert "verify" in capsys.readouterr().out
