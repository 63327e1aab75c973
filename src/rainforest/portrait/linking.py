"""Linking name-only records (court cases) to the unified social credit code (名称关联).

Two passes. First a deterministic one: both sides are reduced to their name key
(``names.name_key``: full-width folded, region qualifier and legal form removed); a core
that names exactly one registered firm, with no contradicting region, links with
confidence 0.99. The rest go to Splink (a Fellegi-Sunter model on DuckDB): the core name
compared by Jaro-Winkler, the address likewise, blocked on the first and last two
characters of the core and on the address. The model's m and u probabilities are fixed
below (``[default]`` values, checked on the synthetic data in tests) rather than trained
on each run, so the same records always link the same way and a run needs no training.

Outcomes: confidence at or above ``AUTO_LINK`` links; from ``REVIEW_FROM`` up to it the
pair waits in the staff review queue (not used until a person confirms it); below, the
record stays unlinked and is counted. A staff decision overrides both passes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from rainforest.portrait.names import address_key, name_key

__all__ = ["AUTO_LINK", "REVIEW_FROM", "Link", "link_names"]

AUTO_LINK = 0.95  # [default]
REVIEW_FROM = 0.30  # [default]
EXACT_CONFIDENCE = 0.99
# The chance that a record and a random registered firm match: one in the ~20,000 start-ups
# of POLICY.md §5 [default]; fixed, so a small registry does not inflate the odds.
PRIOR = 1 / 20_000

# Splink's own log lines would fill the run's output; warnings and errors still show.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Link:
    party_name: str
    party_address: str
    uscc: str | None  # linked code (None while in review or unlinked)
    candidate: str | None  # best candidate, shown to the reviewer
    confidence: float
    method: str  # exact | splink | review | reviewed | unlinked


def _similar(a: str, b: str) -> bool:
    """Two addresses agree when one contains the other or they share most characters."""
    if a in b or b in a:
        return True
    shared = sum(1 for x, y in zip(a, b, strict=False) if x == y)
    return shared >= 0.8 * max(len(a), len(b))


def _party_key(name: str, address: str) -> tuple[str, str]:
    return (name, address or "")


def link_names(
    parties: list[tuple[str, str]],
    registry: list[tuple[str, str, str]],
    *,
    decisions: Mapping[tuple[str, str], str | None] | None = None,
) -> list[Link]:
    """Link (name, address) pairs to registry rows (uscc, name, address)."""
    decisions = decisions or {}
    by_core: dict[str, list[tuple[str, str, str]]] = {}
    reg_keys = []
    for uscc, name, address in registry:
        key = name_key(name)
        by_core.setdefault(key.core, []).append((uscc, key.region, address_key(address)))
        reg_keys.append((uscc, key.core, key.region, address_key(address)))
    links: dict[tuple[str, str], Link] = {}
    fuzzy: list[tuple[str, str]] = []
    for name, address in dict.fromkeys(_party_key(n, a) for n, a in parties):
        decided = decisions.get((name, address), "")
        if decided != "":
            links[(name, address)] = Link(
                name, address, decided, decided, 1.0 if decided else 0.0, "reviewed"
            )
            continue
        key = name_key(name)
        place = address_key(address)
        found = [
            u
            for u, region, reg_place in by_core.get(key.core, [])
            if (not key.region or not region or region == key.region)
            and (not place or not reg_place or _similar(place, reg_place))
        ]
        if len(found) == 1:
            links[(name, address)] = Link(
                name, address, found[0], found[0], EXACT_CONFIDENCE, "exact"
            )
        else:
            fuzzy.append((name, address))
    if fuzzy:
        scored = _splink(fuzzy, reg_keys)
        for name, address in fuzzy:
            candidate, p = scored.get((name, address), (None, 0.0))
            if p >= AUTO_LINK:
                method, linked = "splink", candidate
            elif p >= REVIEW_FROM:
                method, linked = "review", None
            else:
                method, linked = "unlinked", None
            links[(name, address)] = Link(name, address, linked, candidate, round(p, 4), method)
    return list(links.values())


def _splink(
    parties: list[tuple[str, str]], reg_keys: list[tuple[str, str, str, str]]
) -> dict[tuple[str, str], tuple[str, float]]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    party_ids = {f"p{i}": p for i, p in enumerate(parties)}
    left = pa.table(
        {
            "unique_id": list(party_ids),
            "core": [name_key(n).core for n, _a in parties],
            "addr": [address_key(a) or None for _n, a in parties],
        }
    )
    right = pa.table(
        {
            "unique_id": [u for u, _c, _r, _a in reg_keys],
            "core": [c for _u, c, _r, _a in reg_keys],
            "addr": [a or None for _u, _c, _r, a in reg_keys],
        }
    )
    for table_name in ("left", "right"):
        table = left if table_name == "left" else right
        cores = table["core"].to_pylist()
        table = table.append_column("c_head", pa.array([c[:2] for c in cores]))
        table = table.append_column("c_tail", pa.array([c[-2:] for c in cores]))
        if table_name == "left":
            left = table
        else:
            right = table
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            # Levels: exact, JW >= .99, >= .9, >= .8, else.
            cl.JaroWinklerAtThresholds("core", [0.99, 0.9, 0.8]).configure(
                m_probabilities=[0.8, 0.05, 0.08, 0.04, 0.03],
                u_probabilities=[0.0004, 0.0005, 0.0008, 0.01, 0.9883],
            ),
            # Levels: exact, JW >= .99, >= .85, else (a missing address is neutral).
            cl.JaroWinklerAtThresholds("addr", [0.99, 0.85]).configure(
                m_probabilities=[0.6, 0.2, 0.1, 0.1],
                u_probabilities=[0.00005, 0.0001, 0.005, 0.99485],
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("c_head"),
            block_on("c_tail"),
            block_on("addr"),
        ],
        probability_two_random_records_match=PRIOR,
    )
    db = DuckDBAPI()
    linker = Linker(
        [
            db.register(left, dataset_display_name="parties"),
            db.register(right, dataset_display_name="registry"),
        ],
        settings,
        log_level=logging.WARNING,
    )
    pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    candidates: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for row in pred.itertuples(index=False):
        left_id, right_id = str(row.unique_id_l), str(row.unique_id_r)
        party_id, uscc = (left_id, right_id) if left_id in party_ids else (right_id, left_id)
        candidates.setdefault(party_ids[party_id], []).append((float(row.match_probability), uscc))
    best: dict[tuple[str, str], tuple[str, float]] = {}
    for party, found in candidates.items():
        found.sort(key=lambda item: (-item[0], item[1]))
        p, uscc = found[0]
        if len(found) > 1 and found[1][0] >= REVIEW_FROM:
            # Two plausible firms: a person decides, whatever the best one scored.
            p = min(p, (AUTO_LINK + REVIEW_FROM) / 2)
        best[party] = (uscc, p)
    return best
