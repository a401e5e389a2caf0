"""detect_language: the stopword-share rule on English, Portuguese, Spanish, another language and no text."""

from __future__ import annotations

import pytest

from ml.sentiment.language import STOPWORDS, detect_language

ENGLISH = ["The battery died after a week and it was not worth the price.", "Love it, very comfortable."]
PORTUGUESE = ["Não gostei do produto, a entrega foi muito demorada.", "Chegou antes do prazo e em ótimas condições."]
SPANISH = ["El producto llegó muy rápido y es de buena calidad.", "No me gustó, la tela es muy fina y el color no es el de la foto."]
GERMAN = ["Das Produkt ist gut und kam schnell an. Ich bin sehr zufrieden mit der Qualität, aber die Farbe ist anders."]


@pytest.mark.parametrize(("texts", "language"), [
    (ENGLISH, "en"), (PORTUGUESE, "pt"), (SPANISH, "es"), (GERMAN, "unknown"), ([], "unknown"), (["12345 !!!"], "unknown"),
    (ENGLISH + PORTUGUESE, "unknown"),  # no language leads by the ratio
])
def test_detect_language(texts, language):
    assert detect_language(texts) == language


def test_stopword_lists_are_disjoint():
    en, pt, es = STOPWORDS.values()
    assert not (en & pt or en & es or pt & es)
