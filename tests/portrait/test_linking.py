"""Linking name-only court records to the unified social credit code."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from rainforest.core.ids import make_uscc
from rainforest.portrait.linking import AUTO_LINK, link_names

RAINFOREST = make_uscc("91440300MA5LNK001")
RAINFOREST_GZ = make_uscc("91440100MA5LNK002")
GUANGXIN = make_uscc("91440300MA5LNK003")
ABC = make_uscc("91440300MA5LNK004")
REGISTRY = [
    (RAINFOREST, "深圳市雨林科技有限公司", "深圳市南山区科技路1号3栋101室"),
    (RAINFOREST_GZ, "雨林科技（广州）有限公司", "广州市天河区天河路9号"),
    (GUANGXIN, "光芯半导体（深圳）有限公司", "深圳市宝安区滨海路8号2栋505室"),
    (ABC, "深圳市ABC智能科技有限公司", "深圳市福田区深南路100号"),
]


@pytest.mark.parametrize(
    ("name", "address", "uscc"),
    [
        ("深圳市雨林科技有限公司", "", RAINFOREST),
        ("深圳市雨林科技有限责任公司", "", RAINFOREST),
        ("雨林科技（深圳）有限公司", "", RAINFOREST),
        ("雨林科技(深圳)有限公司", "", RAINFOREST),
        ("雨林科技（广州）有限公司", "", RAINFOREST_GZ),
        ("深圳市光芯半导体有限公司", "", GUANGXIN),
        ("光芯半导体(深圳)有限责任公司", "", GUANGXIN),
        ("深圳市ＡＢＣ智能科技有限公司", "", ABC),
        ("深圳市abc智能科技有限公司", "", ABC),
    ],
)
def test_link_tricky_names_to_the_right_code(name: str, address: str, uscc: str) -> None:
    [link] = link_names([(name, address)], REGISTRY)

    assert (link.uscc, link.method) == (uscc, "exact")


def test_link_typo_with_the_same_address_links_by_splink() -> None:
    [link] = link_names([("深圳市雨材科技有限公司", "深圳市南山区科技路1号3栋101室")], REGISTRY)

    assert (link.uscc, link.method) == (RAINFOREST, "splink")
    assert link.confidence >= AUTO_LINK


def test_link_ambiguous_core_without_region_is_not_guessed() -> None:
    [link] = link_names([("雨林科技有限公司", "")], REGISTRY)

    assert link.method != "exact"
    assert link.uscc is None


def test_link_unknown_company_stays_unlinked() -> None:
    [link] = link_names([("东莞市某某贸易有限公司", "")], REGISTRY)

    assert (link.uscc, link.method) == (None, "unlinked")


def test_link_staff_decision_overrides_the_linker() -> None:
    decisions = {("深圳市雨林科技有限公司", ""): None, ("雨林科技有限公司", ""): RAINFOREST_GZ}

    links = link_names(
        [("深圳市雨林科技有限公司", ""), ("雨林科技有限公司", "")], REGISTRY, decisions=decisions
    )

    assert [(lk.uscc, lk.method) for lk in links] == [
        (None, "reviewed"),
        (RAINFOREST_GZ, "reviewed"),
    ]


def test_link_synthetic_court_records_precision_and_recall(drops: Any) -> None:
    result = drops(firms=600, months=36, sources=["registration", "court"])
    registry = [(f.uscc, f.name, f.address) for f in result.firms]
    rows = duckdb.sql(
        f"SELECT case_number, party_name, coalesce(party_address, '') FROM "
        f"read_parquet('{result.directory}/court/*.parquet')"
    ).fetchall()

    links = {
        (lk.party_name, lk.party_address): lk
        for lk in link_names([(n, a) for _c, n, a in rows], registry)
    }

    truth = [result.court_truth[(c, n)] for c, n, _a in rows]
    found = [links[(n, a)].uscc for _c, n, a in rows]
    right = sum(1 for t, f in zip(truth, found, strict=True) if f is not None and f == t)
    wrong = sum(1 for t, f in zip(truth, found, strict=True) if f is not None and f != t)
    positives = sum(1 for t in truth if t is not None)
    assert right / (right + wrong) >= 0.98
    assert right / positives >= 0.85
