"""Name keys: the variants clerks write reduce to the same core."""

from __future__ import annotations

import pytest

from rainforest.portrait.names import address_key, name_key


@pytest.mark.parametrize(
    ("raw", "core", "region"),
    [
        ("深圳市雨林科技有限公司", "雨林科技", "深圳"),
        ("深圳市雨林科技有限责任公司", "雨林科技", "深圳"),
        ("深圳雨林科技股份有限公司", "雨林科技", "深圳"),
        ("雨林科技（深圳）有限公司", "雨林科技", "深圳"),
        ("雨林科技(深圳)有限公司", "雨林科技", "深圳"),
        ("雨林科技（深圳市）有限公司", "雨林科技", "深圳"),
        ("ＡＢＣ雨林科技（深圳）有限公司", "ABC雨林科技", "深圳"),
        ("abc雨林科技 有限公司", "ABC雨林科技", ""),
        ("深圳市 雨林·科技 有限公司", "雨林科技", "深圳"),
        ("雨林科技", "雨林科技", ""),
    ],
)
def test_name_key_reduces_variants_to_the_core(raw: str, core: str, region: str) -> None:
    key = name_key(raw)

    assert (key.core, key.region) == (core, region)


def test_name_key_keeps_a_name_that_is_only_a_region() -> None:
    assert name_key("深圳市").core == "深圳市"


def test_address_key_drops_province_city_and_full_width() -> None:
    assert address_key("广东省深圳市南山区科技路１号　３栋") == "南山区科技路1号3栋"
