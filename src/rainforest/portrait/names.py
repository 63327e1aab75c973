"""Normalising company names and addresses for linking name-only records (名称归一化).

Court records often carry only a party's name, written the way a clerk typed it:
``雨林科技（深圳）有限公司`` or ``深圳市雨林科技有限责任公司`` or with full-width letters
``ＡＢＣ智能``. Before any comparison a name is reduced to its core: full-width forms
made half-width (NFKC), spaces and punctuation removed, Latin letters upper-cased, the
region qualifier taken out (a leading ``深圳市`` or a bracketed ``（深圳）``) and the legal
form suffix removed (有限公司, 有限责任公司, 股份有限公司). Pure: no Django, no engine.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["NameKey", "address_key", "name_key"]

# Longest first, so 股份有限公司 is taken before 有限公司.
LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
)
REGIONS = ("深圳市", "深圳", "广东省", "广东", "中国")
_BRACKETED = re.compile(r"[(\[【〔]([^)\]】〕]*)[)\]】〕]")
_PUNCT = re.compile(r"[\s\-_.,·•'\"“”‘’、。，：:;；/\\]+")


@dataclass(frozen=True)
class NameKey:
    """The core of a company name, its region qualifier and its legal form."""

    core: str
    region: str
    legal_form: str


def _fold(text: str) -> str:
    # NFKC turns （ into (, Ａ into A, full-width digits into digits, 　 into a space.
    return unicodedata.normalize("NFKC", text or "").upper()


def name_key(raw: str) -> NameKey:
    text = _fold(raw)
    text = _PUNCT.sub("", text)
    region = ""
    legal = ""
    for form in LEGAL_FORMS:
        if text.endswith(form):
            legal = form
            text = text[: -len(form)]
            break
    # A bracketed qualifier, anywhere: 雨林科技(深圳) or 雨林(深圳)科技.
    for match in _BRACKETED.finditer(text):
        inner = match.group(1)
        region = region or inner.removesuffix("市")
    text = _BRACKETED.sub("", text)
    for prefix in REGIONS:
        if text.startswith(prefix):
            if len(text) > len(prefix):
                region = region or prefix.removesuffix("市").removesuffix("省")
                text = text[len(prefix) :]
            break
    return NameKey(core=text, region=region, legal_form=legal)


def address_key(raw: str | None) -> str:
    """The address without the city and province, in half-width, with no spaces."""
    text = _PUNCT.sub("", _fold(raw or ""))
    for prefix in ("广东省", "深圳市"):
        text = text.removeprefix(prefix)
    return text
