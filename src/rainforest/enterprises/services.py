"""Writing the enterprise registry: the only writer is the import, all rows or none."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation
from rainforest.audit.services import audit_append
from rainforest.core.errors import PermissionDeniedError
from rainforest.enterprises.importer import (
    MAX_BYTES,
    EnterpriseRow,
    RowError,
    Sheet,
    read_workbook,
)
from rainforest.enterprises.models import Enterprise, TierHolding
from rainforest.enterprises.permissions import can_manage_registry


@dataclass
class ImportResult:
    """What an import did, or why it did nothing (``errors``)."""

    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    holdings_created: int = 0
    holdings_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


_FIELDS = ("name", "industry", "size", "district", "founded_on")


def _conflicts(rows: list[EnterpriseRow], letters: dict[str, str]) -> list[RowError]:
    """Certificates that the registry already gives to another enterprise."""
    wanted = {(r.tier.tier, r.tier.certificate_number): r for r in rows if r.tier is not None}
    if not wanted:
        return []
    numbers = {number for _tier, number in wanted}
    errors: list[RowError] = []
    for h in TierHolding.objects.select_related("enterprise").filter(
        certificate_number__in=numbers
    ):
        row = wanted.get((h.tier, h.certificate_number))
        if row is not None and h.enterprise.uscc != row.uscc:
            errors.append(
                RowError(
                    row=row.row,
                    column=letters.get("certificate_number", ""),
                    header="证书编号",
                    value=h.certificate_number,
                    message_zh=f"证书编号「{h.certificate_number}」已登记在{h.enterprise.name}（{h.enterprise.uscc}）名下。",
                    message_en=f"Certificate '{h.certificate_number}' is already registered to "
                    f"{h.enterprise.name} ({h.enterprise.uscc}).",
                )
            )
    return sorted(errors, key=lambda e: e.row)


def enterprise_import(
    *,
    actor: Any,
    sheet: Sheet,
    source: str = "",
    now: datetime | None = None,
    check_permission: bool = True,
) -> ImportResult:
    """Add or update every enterprise and tier in ``sheet``; if any row is wrong, nothing.

    An enterprise already in the registry (same code) takes the file's name, industry,
    size, district and founding date; a tier already held (same certificate) takes the
    file's dates. ``check_permission`` is False only for the command line and the demo.
    """
    if check_permission and not can_manage_registry(actor):
        raise PermissionDeniedError(
            "只有项目处工作人员或系统管理员可以导入企业库",
            "Only programme officers and administrators may import into the registry",
        )
    if sheet.errors:
        return ImportResult(errors=list(sheet.errors), rows=len(sheet.rows))
    now = now or timezone.now()
    result = ImportResult(rows=len(sheet.rows))
    try:
        with transaction.atomic():
            errors = _conflicts(sheet.rows, sheet.letters)
            if errors:
                return ImportResult(errors=errors, rows=len(sheet.rows))
            _write(sheet.rows, result, now)
            if (
                result.created
                or result.updated
                or result.holdings_created
                or result.holdings_updated
            ):
                audit_append(
                    actor=actor,
                    action="enterprises.import",
                    subject_type="enterprise_registry",
                    subject_id=source or "import",
                    data={
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "holdings_created": result.holdings_created,
                        "holdings_updated": result.holdings_updated,
                        "usccs": sorted({r.uscc for r in sheet.rows}),
                    },
                )
    except IntegrityError:
        # Another import gave one of these certificates away in the meantime.
        return ImportResult(
            errors=[
                RowError(
                    0,
                    "",
                    "",
                    "",
                    "导入时企业库被同时修改，未导入任何内容，请重新上传。",
                    "The registry changed during the import; nothing was imported. Upload again.",
                )
            ],
            rows=len(sheet.rows),
        )
    return result


def _write(rows: list[EnterpriseRow], result: ImportResult, now: datetime) -> None:
    usccs = {r.uscc for r in rows}
    existing = {e.uscc: e for e in Enterprise.objects.select_for_update().filter(uscc__in=usccs)}
    orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=usccs)}
    first: dict[str, EnterpriseRow] = {}
    for row in rows:
        first.setdefault(row.uscc, row)

    new: list[Enterprise] = []
    changed: list[Enterprise] = []
    for uscc, row in first.items():
        enterprise = existing.get(uscc)
        org = orgs.get(uscc)
        if enterprise is None:
            new.append(
                Enterprise(
                    uscc=uscc,
                    organisation=org,
                    created_at=now,
                    updated_at=now,
                    **{key: getattr(row, key) for key in _FIELDS},
                )
            )
            continue
        differs = [key for key in _FIELDS if getattr(enterprise, key) != getattr(row, key)]
        if org is not None and enterprise.organisation_id != org.pk:
            enterprise.organisation = org
            differs.append("organisation")
        if differs:
            for key in _FIELDS:
                setattr(enterprise, key, getattr(row, key))
            enterprise.updated_at = now
            changed.append(enterprise)
        else:
            result.unchanged += 1
    Enterprise.objects.bulk_create(new)
    if changed:
        Enterprise.objects.bulk_update(changed, [*_FIELDS, "organisation", "updated_at"])
    result.created, result.updated = len(new), len(changed)

    ids = dict(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "id"))
    tiered = [r for r in rows if r.tier is not None]
    held = {
        (h.tier, h.certificate_number): h
        for h in TierHolding.objects.filter(
            certificate_number__in={r.tier.certificate_number for r in tiered if r.tier}
        )
    }
    new_holdings: list[TierHolding] = []
    changed_holdings: list[TierHolding] = []
    for row in tiered:
        t = row.tier
        assert t is not None
        holding = held.get((t.tier, t.certificate_number))
        if holding is None:
            new_holdings.append(
                TierHolding(
                    enterprise_id=ids[row.uscc],
                    tier=t.tier,
                    certificate_number=t.certificate_number,
                    awarded_on=t.awarded_on,
                    valid_until=t.valid_until,
                )
            )
        elif (holding.awarded_on, holding.valid_until) != (t.awarded_on, t.valid_until):
            holding.awarded_on, holding.valid_until = t.awarded_on, t.valid_until
            changed_holdings.append(holding)
    TierHolding.objects.bulk_create(new_holdings)
    if changed_holdings:
        TierHolding.objects.bulk_update(changed_holdings, ["awarded_on", "valid_until"])
    result.holdings_created, result.holdings_updated = len(new_holdings), len(changed_holdings)


def enterprise_import_file(
    *, actor: Any, stream: IO[bytes], source: str = "", check_permission: bool = True
) -> ImportResult:
    """Read an uploaded workbook and import it (see ``enterprise_import``)."""
    if check_permission and not can_manage_registry(actor):
        raise PermissionDeniedError(
            "只有项目处工作人员或系统管理员可以导入企业库",
            "Only programme officers and administrators may import into the registry",
        )
    data = stream.read(MAX_BYTES + 1)
    digest = hashlib.sha256(data).hexdigest()[:16]
    sheet = read_workbook(io.BytesIO(data))
    label = f"{source} sha256:{digest}" if source else f"sha256:{digest}"
    return enterprise_import(
        actor=actor, sheet=sheet, source=label, check_permission=check_permission
    )
