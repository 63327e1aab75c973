"""Shaping stored data for people and clients: decisions in one language, masked IDs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext


def decision_out(stored: dict[str, Any] | None, language: str) -> dict[str, Any] | None:
    """A stored Decision with its reasons in one language (English for ``en*``)."""
    if not stored:
        return None
    en = language.startswith("en")
    name = stored.get("parameters_name", "")
    version = stored.get("parameters_version", "")
    return {
        "outcome": stored.get("outcome", ""),
        "reasons": [r["en"] if en else r["zh"] for r in stored.get("reasons", [])],
        "citations": [
            f"{c['document']} {c['article']}".strip() for c in stored.get("citations", [])
        ],
        "parameters_version": f"{name} {version}".strip(),
    }


def mask_id(number: str) -> str:
    """A resident ID number shown with its birth date and sequence hidden: 440305********1234."""
    if len(number) != 18:
        return "*" * len(number)
    return f"{number[:6]}********{number[14:]}"


def expert_score_text(score: Decimal | None) -> str:
    """One criterion's score as people read it: "不适用" (n/a) for None, never "None" or 0."""
    return gettext("不适用") if score is None else f"{score}"
