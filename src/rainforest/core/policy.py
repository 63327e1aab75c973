"""Versioned policy parameters and the decisions made with them.

Every number a rule uses (a threshold, a rate, a time limit) lives in a ``ParameterSet``
with a version, the period it is in force and a citation for each value. A
``ParameterRegistry`` picks the set in force on a given day. A ``Decision`` records the
outcome of applying a rule: the reasons in Chinese and English, the provisions relied on,
which parameter version was used and the facts it was applied to, so the decision can be
stored and shown again exactly as it was made.

Dates are inclusive at both ends: a set with ``effective_to`` 2022-12-31 still applies on
that day, and a set starting 2023-01-01 takes over the next day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from rainforest.core.errors import ValidationError

__all__ = [
    "Citation",
    "Decision",
    "NoParametersInForce",
    "ParameterRegistry",
    "ParameterSet",
    "Reason",
    "decide",
]


# --- JSON-safe encoding of values and facts -------------------------------------------
#
# Values and facts may be str, int, bool, None, Decimal, date, datetime, and tuples
# (lists are turned into tuples) or string-keyed mappings of these. Floats are refused:
# money and rates are exact. In JSON, decimals are strings and dates ISO strings; a
# separate map from path to type ("decimal", "date", "datetime") lets ``from_dict``
# restore them exactly. A path is the keys and indexes joined by "/", escaped as in
# JSON Pointer ("~" → "~0", "/" → "~1").

_TYPE_DECIMAL = "decimal"
_TYPE_DATE = "date"
_TYPE_DATETIME = "datetime"


def _freeze(value: object, where: str) -> object:
    if isinstance(value, float):
        raise ValueError(
            f"{where} is a float ({value!r}); give it as a string, int or Decimal so it stays exact"
        )
    if value is None or isinstance(value, bool | int | str | date):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{where} is {value}, which is not a finite number")
        return value
    if isinstance(value, list | tuple):
        return tuple(_freeze(item, f"{where}[{index}]") for index, item in enumerate(value))
    if isinstance(value, Mapping):
        frozen: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has a key {key!r} that is not a string")
            frozen[key] = _freeze(item, f"{where}.{key}")
        return MappingProxyType(frozen)
    raise ValueError(
        f"{where} has type {type(value).__name__}; use str, int, bool, None, Decimal, date, "
        "datetime, a list or a mapping of these"
    )


def _freeze_mapping(values: Mapping[str, object], where: str) -> Mapping[str, object]:
    if not isinstance(values, Mapping):
        raise ValueError(f"{where} must be a mapping, got {type(values).__name__}")
    frozen = _freeze(values, where)
    assert isinstance(frozen, MappingProxyType)
    return frozen


def _segment(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _join(path: str, key: str | int) -> str:
    # Top-level paths are the bare (escaped) key, so even an empty key has a distinct path.
    return f"{path}/{_segment(key)}"


def _encode(value: object, path: str, types: dict[str, str]) -> Any:
    if isinstance(value, Decimal):
        types[path] = _TYPE_DECIMAL
        return str(value)
    if isinstance(value, datetime):
        types[path] = _TYPE_DATETIME
        return value.isoformat()
    if isinstance(value, date):
        types[path] = _TYPE_DATE
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(item, _join(path, index), types) for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {key: _encode(item, _join(path, key), types) for key, item in value.items()}
    return value


def _decode(value: Any, path: str, types: Mapping[str, str]) -> object:
    kind = types.get(path)
    if kind is not None:
        if not isinstance(value, str):
            raise ValueError(f"stored value at {path!r} should be a string for type {kind}")
        try:
            if kind == _TYPE_DECIMAL:
                return Decimal(value)
            if kind == _TYPE_DATETIME:
                return datetime.fromisoformat(value)
            if kind == _TYPE_DATE:
                return date.fromisoformat(value)
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"stored value at {path!r} is not a valid {kind}: {value!r}") from exc
        raise ValueError(f"unknown stored type {kind!r} at {path!r}")
    if isinstance(value, list):
        return tuple(_decode(item, _join(path, index), types) for index, item in enumerate(value))
    if isinstance(value, dict):
        return {key: _decode(item, _join(path, key), types) for key, item in value.items()}
    return value


def _encode_mapping(values: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
    types: dict[str, str] = {}
    encoded = {key: _encode(item, _segment(key), types) for key, item in values.items()}
    return encoded, types


def _decode_mapping(data: object, types: object, where: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be an object")
    if not isinstance(types, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in types.items()
    ):
        raise ValueError(f"the type map for {where} must map strings to strings")
    return {key: _decode(item, _segment(key), types) for key, item in data.items()}


def _require_str(data: Mapping[str, Any], key: str, where: str, *, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not empty and not value):
        raise ValueError(f"{where}: {key!r} must be a non-empty string")
    return value


def _plain_date(value: object, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{what} must be a date (not a datetime), got {value!r}")
    return value


# --- citations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """Where a rule or a number comes from: a document, optionally an article and a link."""

    document: str
    article: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.document, str) or not self.document.strip():
            raise ValueError("a citation needs the document it cites")
        if not isinstance(self.article, str) or not isinstance(self.url, str):
            raise ValueError("a citation's article and url must be strings")

    def text(self) -> str:
        """``财库〔2020〕46号 第八条``, or the document alone when no article is given."""
        return f"{self.document} {self.article}" if self.article else self.document

    def to_dict(self) -> dict[str, str]:
        return {"document": self.document, "article": self.article, "url": self.url}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Citation:
        if not isinstance(data, Mapping):
            raise ValueError("a stored citation must be an object")
        return cls(
            document=_require_str(data, "document", "citation"),
            article=_require_str(data, "article", "citation", empty=True)
            if "article" in data
            else "",
            url=_require_str(data, "url", "citation", empty=True) if "url" in data else "",
        )


# --- parameter sets ---------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterSet:
    """One version of a named set of policy parameters, in force over a period of days.

    ``effective_to`` is the last day in force (inclusive); ``None`` means open-ended.
    Every key in ``values`` needs a citation, and no citation may name a missing key.
    """

    name: str
    version: str
    effective_from: date
    effective_to: date | None
    values: Mapping[str, object]
    citations: Mapping[str, Citation]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("a parameter set needs a name")
        if not isinstance(self.version, str) or not self.version:
            raise ValueError(f"parameter set {self.name!r} needs a version")
        label = f"parameter set {self.name!r} version {self.version!r}"
        _plain_date(self.effective_from, f"{label}: effective_from")
        if self.effective_to is not None:
            _plain_date(self.effective_to, f"{label}: effective_to")
            if self.effective_to < self.effective_from:
                raise ValueError(
                    f"{label} ends ({self.effective_to}) before it starts ({self.effective_from})"
                )
        values = _freeze_mapping(self.values, f"{label}: value")
        if not isinstance(self.citations, Mapping):
            raise ValueError(f"{label}: citations must be a mapping")
        for key in values:
            if key not in self.citations:
                raise ValueError(f"{label}: value {key!r} has no citation; every value needs one")
        for key, citation in self.citations.items():
            if key not in values:
                raise ValueError(f"{label}: citation for {key!r}, which is not one of the values")
            if not isinstance(citation, Citation):
                raise ValueError(f"{label}: the citation for {key!r} is not a Citation")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "citations", MappingProxyType(dict(self.citations)))

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def in_force_on(self, day: date) -> bool:
        """True from ``effective_from`` to ``effective_to``, both days included."""
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"in_force_on needs a date (not a datetime), got {day!r}")
        if day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def value(self, key: str) -> object:
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(
                f"parameter set {self.label} has no value {key!r}; it has {sorted(self.values)}"
            ) from None

    def decimal(self, key: str) -> Decimal:
        """The value as a ``Decimal``; it may be stored as a Decimal, an int or a numeric string."""
        raw = self.value(key)
        if isinstance(raw, Decimal):
            return raw
        if isinstance(raw, int) and not isinstance(raw, bool):
            return Decimal(raw)
        if isinstance(raw, str):
            try:
                number = Decimal(raw.strip())
            except InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number
        raise ValueError(f"parameter {key!r} of {self.label} is {raw!r}, not a number")

    def integer(self, key: str) -> int:
        """The value as an ``int`` (a day count, a head count); refuses fractions."""
        number = self.decimal(key)
        if number != number.to_integral_value():
            raise ValueError(f"parameter {key!r} of {self.label} is {number}, not a whole number")
        return int(number)

    def citation(self, key: str) -> Citation:
        try:
            return self.citations[key]
        except KeyError:
            raise KeyError(
                f"parameter set {self.label} has no value {key!r} to cite; it has {sorted(self.values)}"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: decimals as strings, dates ISO; ``value_types`` says which is which."""
        values, types = _encode_mapping(self.values)
        return {
            "name": self.name,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "values": values,
            "value_types": types,
            "citations": {key: c.to_dict() for key, c in self.citations.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParameterSet:
        if not isinstance(data, Mapping):
            raise ValueError("a stored parameter set must be an object")
        where = "stored parameter set"
        effective_to = data.get("effective_to")
        if effective_to is not None and not isinstance(effective_to, str):
            raise ValueError(f"{where}: 'effective_to' must be an ISO date or null")
        citations = data.get("citations")
        if not isinstance(citations, Mapping):
            raise ValueError(f"{where}: 'citations' must be an object")
        return cls(
            name=_require_str(data, "name", where),
            version=_require_str(data, "version", where),
            effective_from=date.fromisoformat(_require_str(data, "effective_from", where)),
            effective_to=date.fromisoformat(effective_to) if effective_to else None,
            values=_decode_mapping(data.get("values"), data.get("value_types", {}), "values"),
            citations={key: Citation.from_dict(c) for key, c in citations.items()},
        )


class NoParametersInForce(ValidationError):
    """No version of a parameter set covers the day asked about."""

    code = "no_parameters"

    def __init__(self, name: str, on: date, *, field: str | None = None) -> None:
        super().__init__(
            f"没有在{on.isoformat()}生效的「{name}」参数，请管理员录入适用于该日期的参数版本后再试。",
            f"No version of the parameters '{name}' is in force on {on.isoformat()}; "
            "an administrator needs to enter a version covering that date.",
            field=field,
        )
        self.name = name
        self.on = on


def _overlaps(a: ParameterSet, b: ParameterSet) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def _period(ps: ParameterSet) -> str:
    end = ps.effective_to.isoformat() if ps.effective_to else "open-ended"
    return f"{ps.effective_from.isoformat()} to {end}"


class ParameterRegistry:
    """All versions of all parameter sets; at most one version of a name is in force on a day."""

    def __init__(self, sets: Iterable[ParameterSet] = ()) -> None:
        self._sets: dict[str, list[ParameterSet]] = {}
        for ps in sets:
            self.add(ps)

    def add(self, ps: ParameterSet) -> None:
        if not isinstance(ps, ParameterSet):
            raise TypeError(f"ParameterRegistry.add needs a ParameterSet, got {type(ps).__name__}")
        existing = self._sets.setdefault(ps.name, [])
        for other in existing:
            if other.version == ps.version:
                raise ValueError(
                    f"parameter set {ps.name!r} already has a version {ps.version!r}; "
                    "give the new one another version"
                )
        for other in existing:
            if _overlaps(other, ps):
                raise ValueError(
                    f"parameter set {ps.name!r}: version {ps.version!r} ({_period(ps)}) overlaps "
                    f"version {other.version!r} ({_period(other)}); end the older one the day "
                    "before the newer one starts"
                )
        existing.append(ps)
        existing.sort(key=lambda item: item.effective_from)

    def names(self) -> list[str]:
        return sorted(name for name, sets in self._sets.items() if sets)

    def versions(self, name: str) -> list[ParameterSet]:
        """All versions of ``name``, earliest first (empty if the name is unknown)."""
        return list(self._sets.get(name, ()))

    def get(self, name: str, version: str) -> ParameterSet:
        for ps in self._sets.get(name, ()):
            if ps.version == version:
                return ps
        raise KeyError(f"no parameter set {name!r} with version {version!r}")

    def in_force(self, name: str, on: date) -> ParameterSet:
        for ps in self._sets.get(name, ()):
            if ps.in_force_on(on):
                return ps
        raise NoParametersInForce(name, on)


# --- decisions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One reason for a decision, in Chinese and in English."""

    zh: str
    en: str

    def __post_init__(self) -> None:
        if (
            not isinstance(self.zh, str)
            or not self.zh
            or not isinstance(self.en, str)
            or not self.en
        ):
            raise ValueError("a reason needs both its Chinese and its English wording")

    def text(self, language: str = "zh-hans") -> str:
        return self.en if language.startswith("en") else self.zh

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        if not isinstance(data, Mapping):
            raise ValueError("a stored reason must be an object")
        return cls(zh=_require_str(data, "zh", "reason"), en=_require_str(data, "en", "reason"))


@dataclass(frozen=True)
class Decision:
    """The outcome of applying a rule, with everything needed to explain it later."""

    outcome: str
    reasons: tuple[Reason, ...]
    citations: tuple[Citation, ...]
    parameters_name: str
    parameters_version: str
    facts: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.outcome, str) or not self.outcome:
            raise ValueError("a decision needs an outcome")
        reasons = tuple(self.reasons)
        if not all(isinstance(r, Reason) for r in reasons):
            raise ValueError("a decision's reasons must be Reason objects")
        citations = tuple(self.citations)
        if not all(isinstance(c, Citation) for c in citations):
            raise ValueError("a decision's citations must be Citation objects")
        if not isinstance(self.parameters_name, str) or not isinstance(
            self.parameters_version, str
        ):
            raise ValueError("a decision's parameters_name and parameters_version must be strings")
        object.__setattr__(self, "reasons", reasons)
        object.__setattr__(self, "citations", citations)
        object.__setattr__(self, "facts", _freeze_mapping(self.facts, "decision fact"))

    def __hash__(self) -> int:
        return hash(
            (
                self.outcome,
                self.reasons,
                self.citations,
                self.parameters_name,
                self.parameters_version,
            )
        )

    def reasons_in(self, language: str) -> list[str]:
        """The reasons in one language: English for ``en*``, Chinese otherwise."""
        return [reason.text(language) for reason in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: decimals as strings, dates ISO; ``fact_types`` says which is which."""
        facts, types = _encode_mapping(self.facts)
        return {
            "outcome": self.outcome,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "citations": [citation.to_dict() for citation in self.citations],
            "parameters_name": self.parameters_name,
            "parameters_version": self.parameters_version,
            "facts": facts,
            "fact_types": types,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        if not isinstance(data, Mapping):
            raise ValueError("a stored decision must be an object")
        where = "stored decision"
        reasons = data.get("reasons", [])
        citations = data.get("citations", [])
        if not isinstance(reasons, list) or not isinstance(citations, list):
            raise ValueError(f"{where}: 'reasons' and 'citations' must be lists")
        return cls(
            outcome=_require_str(data, "outcome", where),
            reasons=tuple(Reason.from_dict(r) for r in reasons),
            citations=tuple(Citation.from_dict(c) for c in citations),
            parameters_name=_require_str(data, "parameters_name", where, empty=True),
            parameters_version=_require_str(data, "parameters_version", where, empty=True),
            facts=_decode_mapping(data.get("facts", {}), data.get("fact_types", {}), "facts"),
        )


def decide(
    outcome: str,
    params: ParameterSet,
    *,
    reasons: Iterable[Reason] = (),
    cite: Iterable[str] = (),
    facts: Mapping[str, object] | None = None,
) -> Decision:
    """Build a ``Decision`` citing the provisions behind the parameter keys in ``cite``.

    Citations are listed once each, in the order of the keys, even when several keys
    share the same provision.
    """
    citations: list[Citation] = []
    for key in cite:
        citation = params.citation(key)
        if citation not in citations:
            citations.append(citation)
    return Decision(
        outcome=outcome,
        reasons=tuple(reasons),
        citations=tuple(citations),
        parameters_name=params.name,
        parameters_version=params.version,
        facts=dict(facts or {}),
    )
