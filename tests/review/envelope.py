"""Helpers for the review API's envelope tests: the error shape and JSON posts."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

ENVELOPE_KEYS = {"code", "message", "fields"}
P = "/api/v1/review"
MISSING = 999999


def assert_envelope(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is the error envelope with ``status``, naming ``field`` when given."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    if field is not None:
        assert field in body["fields"], body
    return body


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    """A JSON request; a str body is sent as it is (to test malformed JSON). GET sends none."""
    if method.upper() == "GET":
        return client.get(path)
    data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return getattr(client, method.lower())(path, data, content_type="application/json")
