"""Search text: normalization and terms, the same for documents and queries on both databases.

Terms are made here, in Python, and handed to SQLite FTS5 / PostgreSQL as ready-made tokens, so
the two engines index exactly the same terms whatever their tokenizers or locale:

- NFKC (full-width Latin and digits become ASCII), case folding, Latin diacritics dropped
  (`depósito` = `deposito`; kana and hangul keep their marks).
- Chinese, Japanese and Korean runs have no spaces: they become overlapping character bigrams
  (`充值没到账` -> `充值 值没 没到 到账`), the scheme Lucene's CJK analyzer uses. A query's bigrams
  are a subset of a matching document's bigrams whatever the word boundaries were.
- Other runs are words, with a light suffix stripper for English and Spanish (plural and -ing /
  -ed forms) and a short stop-word list; numbers up to 6 digits are kept (`2fa`, `64`, `trc20`),
  hashes and long ids are dropped (a pasted TxID must not decide the ranking).
"""

from __future__ import annotations

import re
import unicodedata

CJK_CLASS = (
    "\u1100-\u11ff\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
_CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
_WORD = re.compile(r"\w+")
_SPLIT = re.compile(f"([{CJK_CLASS}]+)")
MAX_TERM_CHARS = 32
_LONG_NUMBER = re.compile(r"^\d{7,}$")
_HEXISH = re.compile(r"^(0x)?[0-9a-f]{16,}$")

STOPWORDS = {
    "en": {"a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "too", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "yours", "am", "im", "dont", "cant", "any", "some", "just", "get", "got", "can't", "i'm"},
    "es": {"a", "al", "algo", "como", "con", "cual", "cuando", "de", "del", "el", "ella", "en", "es", "esta", "este", "esto", "estoy", "hay", "la", "las", "le", "lo", "los", "me", "mi", "mis", "muy", "no", "o", "para", "pero", "por", "que", "qué", "se", "si", "sin", "su", "sus", "te", "tengo", "tu", "un", "una", "uno", "y", "ya", "yo", "cómo", "donde", "dónde", "hace"},
}
# Diacritics are dropped before lookup, so the lists hold both spellings.
STOPWORDS["es"] |= {unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in STOPWORDS["es"]}


def normalize(text: str) -> str:
    """Fold width, case and Latin diacritics; other scripts keep their marks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and out[-1] < "\u0250":  # Latin and Latin-1 bases
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def is_cjk(text: str) -> bool:
    return bool(_CJK_RUN.search(text))


def cjk_bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _stem_en(w: str) -> str:
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix, min_len in (("ing", 6), ("ed", 5)):
        if w.endswith(suffix) and len(w) >= min_len:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]  # trade/trading/traded -> trad
    return w


def _stem_es(w: str) -> str:
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("es") and len(w) > 4 and w[-3] in "lnrdzjs":
        return w[:-2]  # comisiones -> comision, redes -> red
    if w.endswith("s") and w[-2] in "aeiou":
        return w[:-1]  # retiros -> retiro
    return w


_STEMMERS = {"en": _stem_en, "es": _stem_es}


def base_language(lang: str | None) -> str:
    return (lang or "").split("-")[0].lower()


def terms(text: str, lang: str | None = None, *, keep_stopwords: bool = False) -> list[str]:
    """Index terms of a text, in order, repeats kept (term frequency matters to BM25)."""
    base = base_language(lang)
    stem = _STEMMERS.get(base)
    stop = set() if keep_stopwords else STOPWORDS.get(base, set())
    out: list[str] = []
    for word in _WORD.findall(normalize(text)):
        for i, part in enumerate(_SPLIT.split(word)):
            if not part or part == "_":
                continue
            if i % 2:  # a CJK run
                out.extend(cjk_bigrams(part))
                continue
            part = part.strip("_")
            if not part or len(part) > MAX_TERM_CHARS or _LONG_NUMBER.match(part) or _HEXISH.match(part):
                continue
            if part in stop:
                continue
            out.append(stem(part) if stem else part)
    return out


def highlight_terms(text: str, lang: str | None = None) -> list[str]:
    """Surface forms to look for when highlighting: words and whole CJK runs of a query."""
    out = []
    for word in _WORD.findall(normalize(text)):
        for i, part in enumerate(_SPLIT.split(word)):
            if not part:
                continue
            if i % 2:
                out.extend(cjk_bigrams(part) if len(part) > 1 else [part])
            elif len(part) >= 2 and part not in STOPWORDS.get(base_language(lang), set()) and len(part) <= MAX_TERM_CHARS:
                out.append(part)
    return out


def damerau(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance, giving up (returning limit+1) past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def deletes(word: str) -> set[str]:
    """The word with each single character removed (the symmetric-delete typo index)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
