"""Fixtures for the case tests; the shared ones (people, banks, pledges) are in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rainforest.cases import calendar as cases_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    # get_calendar() caches by CalendarYear ids; on SQLite a rolled-back test can leave the
    # same id behind for different data, so each test starts without the cache.
    cases_calendar._cache = None
    yield
    cases_calendar._cache = None
