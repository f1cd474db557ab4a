"""Language tags for help-center content.

Content is stored under BCP 47 tags with their canonical case (`en`, `zh-Hans`, `es`); URLs use
the lowercase form Django uses (`/help/zh-hans/`). `FALLBACK` is what a reader gets when an
article has no translation in their language.
"""

from __future__ import annotations

from django.conf import settings

FALLBACK = "en"

# Languages the help center's own interface is translated into (kefu/knowledge/locale).
UI_LANGUAGES = ("en", "zh-Hans", "es")

_ALIASES = {
    "zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans": "zh-Hans", "zh-hans-cn": "zh-Hans",
    "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh-hant": "zh-Hant", "zh-hant-tw": "zh-Hant",
}


def _known() -> dict[str, str]:
    out = {}
    for code, _ in settings.LANGUAGES:
        tag = _ALIASES.get(code.lower(), code)
        out[code.lower()] = tag
    return out


def lang_tag(code: str | None) -> str | None:
    """The canonical tag for a code from a URL, a header or a client (`zh_CN` -> `zh-Hans`), or None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").lower()
    known = _known()
    if code in _ALIASES:
        tag = _ALIASES[code]
        return tag if tag.lower() in known else None
    if code in known:
        return known[code]
    base = code.split("-")[0]
    return known.get(base)


def url_code(tag: str) -> str:
    return tag.lower()


def language_name(tag: str) -> str:
    """The language's own name (`简体中文`), as a reader of it would look for it."""
    for code, name in settings.LANGUAGES:
        if code.lower() == tag.lower():
            return str(name)
    return tag


def fallback_chain(tag: str, *, fallback: str = FALLBACK) -> list[str]:
    """Which translations to try, best first, for a reader of `tag`."""
    chain = [tag]
    if tag == "zh-Hant":
        chain.append("zh-Hans")  # readers of traditional Chinese read simplified better than English
    if fallback not in chain:
        chain.append(fallback)
    return chain
