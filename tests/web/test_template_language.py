"""Pages read in the language the reader chose: no Chinese left in template text.

Words go through ``{% translate %}`` and punctuation between fragments through
``{% punct %}``; any Chinese written straight into a template's text would stay Chinese
on the English page. This walks every template's text as Django's lexer sees it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.template.base import Lexer, TokenType

import rainforest
from rainforest.web.templatetags.punctuation import punct

PACKAGE = Path(rainforest.__file__).parent
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")

# Chinese that stays Chinese in both languages, on purpose.
KEPT = {
    ("base.html", "科创雨林"),  # the platform's name beside its English name
    ("base.html", "简体中文"),  # the language switch names each language in itself
    ("vouchers/public_figures.html", "二（一）"),  # the section of the bureau's letter cited
}


def _template_text() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        parts = path.parts
        name = "/".join(parts[parts.index("templates") + 1 :])
        inside_blocktranslate = False
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            if token.token_type == TokenType.BLOCK:
                word = (token.contents.split() or [""])[0]
                inside_blocktranslate = word == "blocktranslate" or (
                    inside_blocktranslate and word != "endblocktranslate"
                )
            elif token.token_type == TokenType.TEXT and not inside_blocktranslate:
                found += [(name, text) for text in CHINESE.findall(token.contents)]
    return found


def test_no_template_writes_chinese_outside_translation() -> None:
    untranslated = [(name, text) for name, text in _template_text() if (name, text) not in KEPT]

    assert untranslated == []


def test_the_scan_sees_templates() -> None:
    names = {name for name, _text in _template_text()}

    assert "base.html" in names  # the brand is found, so the walk reads real templates


@pytest.mark.parametrize(("language", "expected"), [("en", " ("), ("zh-hans", "（")])
def test_punct_follows_the_language(language: str, expected: str) -> None:
    from django.utils import translation

    with translation.override(language):
        assert punct("（") == expected


def test_case_page_in_english_has_no_full_width_marks(
    client: Any, officer: Any, banker_a: Any, bank_a: Any, new_pledge: Any
) -> None:
    from tests.conftest import sign_in

    pledge = new_pledge(banker_a, bank_a)
    sign_in(client, officer)
    client.cookies["django_language"] = "en"

    page = client.get(f"/cases/{pledge.case_id}/").content.decode()

    summary = page[page.index('class="summary-list"') : page.index("</dl>")]
    assert f"{bank_a.name} ({bank_a.uscc})" in summary
    assert "（" not in summary
