"""Process definitions that modules declare, by code and version.

Modules register their definitions in ``AppConfig.ready``; a case keeps the code,
version and fingerprint of the definition it runs on, so an old case keeps its rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rainforest.core.workflow import ProcessDefinition

# A module's own way to carry out an action (it may need more than a reason:
# a registration number, a certificate). Called as handler(case=, action=, actor=, reason=).
ActionHandler = Callable[..., Any]

_registry: dict[tuple[str, int], ProcessDefinition] = {}
_prefixes: dict[str, str] = {}
_handlers: dict[str, ActionHandler] = {}
# Processes whose cases only people acting in them may see or learn exist (e.g. police
# enforcement requests); other staff do not see them either.
_restricted: set[str] = set()
# Called on every view of a case of the process (pages and API), e.g. to audit who looked.
_on_view: dict[str, ActionHandler] = {}
# Bumped by every change, so answers derived from the registry can be cached against it.
_generation = 0


def register(
    defn: ProcessDefinition,
    *,
    number_prefix: str,
    handler: ActionHandler | None = None,
    restricted: bool = False,
    on_view: ActionHandler | None = None,
) -> ProcessDefinition:
    key = (defn.code, defn.version)
    existing = _registry.get(key)
    if existing is not None and existing.fingerprint() != defn.fingerprint():
        raise ValueError(f"process {defn.code} v{defn.version} registered twice, differently")
    _registry[key] = defn
    _prefixes[defn.code] = number_prefix
    if handler is not None:
        _handlers[defn.code] = handler
    if restricted:
        _restricted.add(defn.code)
    if on_view is not None:
        _on_view[defn.code] = on_view
    _bump()
    return defn


def unregister(code: str, version: int) -> None:
    """Forget one version of a process (tests that register a throw-away process)."""
    _registry.pop((code, version), None)
    if not any(c == code for c, _v in _registry):
        for table in (_prefixes, _handlers, _on_view):
            table.pop(code, None)
        _restricted.discard(code)
    _bump()


def _bump() -> None:
    global _generation
    _generation += 1


def generation() -> int:
    """Changes whenever a process is registered or removed."""
    return _generation


def on_view(code: str) -> ActionHandler | None:
    """The process's view hook, called as hook(actor=, case=, via=)."""
    return _on_view.get(code)


def is_restricted(code: str) -> bool:
    return code in _restricted


def acting_roles(code: str) -> frozenset[str]:
    """Every role that takes some action in any version of the process."""
    return frozenset(
        role
        for (c, _v), defn in _registry.items()
        if c == code
        for t in defn.transitions
        for role in t.roles
    )


def codes() -> list[str]:
    return sorted({c for c, _v in _registry})


def handler(code: str) -> ActionHandler | None:
    return _handlers.get(code)


def get(code: str, version: int | None = None) -> ProcessDefinition:
    if version is None:
        versions = [v for (c, v) in _registry if c == code]
        if not versions:
            raise KeyError(code)
        version = max(versions)
    return _registry[(code, version)]


def prefix(code: str) -> str:
    return _prefixes[code]


def all_definitions() -> list[ProcessDefinition]:
    return [d for _, d in sorted(_registry.items())]
