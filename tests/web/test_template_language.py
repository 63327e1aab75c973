"""Pages read in the language the reader chose: no Chinese left in template text.

Words go through ``{% translate %}`` and punctuation between fragments through
``{% punct %}``; any Chinese written straight into a template's text would stay Chinese
on the English page. This walks every template's text as Django's lexer sees it.
"""

from __future__ import annotations

import ast
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


def _po_string(pieces: list[str]) -> str:
    return "".join(ast.literal_eval(piece) for piece in pieces)


def _catalogue() -> dict[str, str]:
    """msgid -> msgstr of the English catalogue; a fuzzy entry's msgstr starts with '#'.

    The .po is read, not the compiled .mo, which leaves fuzzy entries out silently.
    """
    entries: dict[str, str] = {}
    text = (PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = block.splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        parts: dict[str, list[str]] = {}
        key = ""
        for line in lines:
            if line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[0] ")):
                key, _, rest = line.partition(" ")
                parts[key] = [rest]
            elif line.startswith('"') and key:
                parts[key].append(line)
        msgid = _po_string(parts.get("msgid", ['""']))
        msgstr = _po_string(parts.get("msgstr", parts.get("msgstr[0]", ['""'])))
        if msgid:
            entries[msgid] = ("#" if fuzzy else "") + msgstr
    return entries


def test_every_translated_template_string_has_an_english_translation() -> None:
    catalogue = _catalogue()
    wanted = set()
    for path in PACKAGE.glob("*/templates/**/*.html"):
        wanted |= set(re.findall(r'{% translate "([^"]+)"', path.read_text(encoding="utf-8")))

    # makemessages writes a template's "%" as "%%" (python-format).
    found = {s: catalogue.get(s, catalogue.get(s.replace("%", "%%"), "")) for s in wanted}
    missing = sorted(s for s, t in found.items() if not t.lstrip("#"))
    fuzzy = sorted(s for s, t in found.items() if t.startswith("#"))

    assert len(wanted) > 500  # the templates were read
    assert (missing, fuzzy) == ([], [])
