"""Domain errors with stable codes and messages in both languages.

The API and the web layer map these to HTTP and to form errors in one place;
the core only says what went wrong, for which field, in words a person reads.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``code`` is stable; messages are for people."""

    code: str = "invalid"
    http_status: int = 422

    def __init__(
        self,
        message_zh: str,
        message_en: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message_en or message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        self.field = field
        if code is not None:
            self.code = code

    def message(self, language: str = "zh-hans") -> str:
        return self.message_en if language.startswith("en") else self.message_zh

    def with_field(self, field: str) -> DomainError:
        """The same error, reported against ``field`` (a form or API field name)."""
        self.field = field
        return self


class ValidationError(DomainError):
    """Input that cannot be accepted as it is (422)."""

    code = "invalid"
    http_status = 422


class ConflictError(DomainError):
    """A state change that conflicts with the current state (409)."""

    code = "conflict"
    http_status = 409


class PermissionDeniedError(DomainError):
    """The actor may not do this (403)."""

    code = "forbidden"
    http_status = 403


class NotFoundError(DomainError):
    """Not there, or not the actor's to see: the two are not told apart (404)."""

    code = "not_found"
    http_status = 404
