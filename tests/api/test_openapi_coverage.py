"""Every endpoint in the OpenAPI document has bad-input tests somewhere.

Each module's envelope tests export ``TESTED_ENDPOINTS``, a set of (METHOD, path) as
the OpenAPI document spells them; a new endpoint without such tests fails here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from django.test import Client

TESTS = Path(__file__).resolve().parent.parent


def _tested() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(TESTS.glob("*/test_*.py")):
        module_name = f"tests.{path.parent.name}.{path.stem}"
        text = path.read_text(encoding="utf-8")
        if path.name == Path(__file__).name or "\nTESTED_ENDPOINTS = " not in text:
            continue
        module = importlib.import_module(module_name)
        found |= set(module.TESTED_ENDPOINTS)
    return found


def test_openapi_endpoints_are_the_tested_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    listed = {(method.upper(), path) for path, ops in paths.items() for method in ops}

    assert listed - _tested() == set()
    assert _tested() - listed == set()
