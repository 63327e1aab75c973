"""Read-only views of the ledger for operators: money moves only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rainforest.ledger.models import LedgerAccount


@admin.register(LedgerAccount)
class LedgerAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # ModelAdmin is generic only in the stubs
    list_display = ("code", "name", "kind", "allow_negative", "balance", "held", "created_at")
    list_filter = ("kind", "allow_negative")
    search_fields = ("code", "name")
    ordering = ("code",)

    # Opening, changing or deleting an account in the admin would bypass the services,
    # their checks and the audit chain.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
