"""The language of a source's reviews, from the share of their words that are common function words of each language.

The lists are disjoint, so a word votes for one language only ("que", "para", "no" and "a" are left out)."""

from __future__ import annotations

import re
from collections.abc import Iterable

STOPWORDS = {
    "en": frozenset("the and is it this was to of not with for but very my you that are have had they be would i after all".split()),
    "pt": frozenset("não nao o os e da do das dos em um uma com muito mas foi eu ao na isso bem já ja só chegou".split()),
    "es": frozenset("el los las del y es muy pero lo una con al su fue bien yo mi llegó llego".split()),
}
UNKNOWN = "unknown"
MIN_SHARE = 0.08  # of all words; English prose runs at 0.3-0.4 with these lists
MIN_RATIO = 2.0  # the leading language's share over the runner-up's
MAX_TEXTS = 5000

_WORD = re.compile(r"\w+")


def stopword_shares(texts: Iterable[str]) -> dict[str, float]:
    """Per language, the share of the words of (the first MAX_TEXTS of) `texts` that are in its STOPWORDS."""
    counts, total = dict.fromkeys(STOPWORDS, 0), 0
    for i, text in enumerate(texts):
        if i == MAX_TEXTS:
            break
        for word in _WORD.findall(text.lower()):
            total += 1
            for language, words in STOPWORDS.items():
                counts[language] += word in words
    return {language: n / total if total else 0.0 for language, n in counts.items()}


def detect_language(texts: Iterable[str]) -> str:
    """"en", "pt" or "es" when that language's stopword share is at least MIN_SHARE and MIN_RATIO times the
    runner-up's; "unknown" otherwise (no text, another language, or a tie)."""
    shares = sorted(stopword_shares(texts).items(), key=lambda item: item[1], reverse=True)
    (best, share), (_, second) = shares[0], shares[1]
    return best if share >= MIN_SHARE and share >= MIN_RATIO * second else UNKNOWN
