"""``{% punct "：" %}``: Chinese punctuation between translated fragments, in either language.

Templates join translated words with punctuation ("金额（万元）：…"). Written literally, the
full-width marks would stay on the English page; this tag writes the mark for the active
language. It is a builtin (settings.TEMPLATES), so templates need not load it, and
``tests/web/test_template_language.py`` keeps literal marks out of template text.
"""

from __future__ import annotations

from django import template

from rainforest.language import english

register = template.Library()

# Full-width mark -> its English form (with the spacing English puts around it).
ENGLISH = {
    "（": " (",
    "）": ")",
    "：": ": ",
    "，": ", ",
    "。": ". ",
    "、": ", ",
    "；": "; ",
    "「": "“",
    "」": "”",
    "《": "“",
    "》": "”",
    "！": "! ",
    "？": "? ",
}


@register.simple_tag
def punct(mark: str) -> str:
    if mark not in ENGLISH:
        raise template.TemplateSyntaxError(f"punct: unknown mark {mark!r}")
    if english():
        return ENGLISH[mark]
    return mark
