"""Which language the reader reads: one answer for pages, API answers and messages."""

from __future__ import annotations

from django.utils.translation import get_language


def english() -> bool:
    """True when the active language (the request's, set by LocaleMiddleware) is English."""
    return (get_language() or "").startswith("en")
