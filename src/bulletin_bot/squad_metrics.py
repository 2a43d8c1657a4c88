"""The official CMRC 2018 EM/F1, re-implemented for Python 3 without NLTK data.

Faithful to ``calc_em_score`` / ``calc_f1_score`` of ``cmrc2018_evaluate.py`` (v5 - special, the
SQuAD-style script of https://github.com/ymcui/cmrc2018, folder ``squad-style-data``; the data and
script are CC-BY-SA-4.0):

- EM: lower-case, strip, drop the script's punctuation list, then string equality with any gold answer.
- F1: "mixed segmentation" — every CJK character (U+4E00–U+9FA5) and every listed punctuation mark is
  a token of its own, runs of other characters are split by NLTK's ``word_tokenize``; punctuation is
  dropped; F1 from the longest common *substring* of tokens; max over gold answers.

The official script needs NLTK and its Punkt sentence model (a download). ``word_tokenize`` is Punkt
followed by NLTK 3.4's improved Treebank rules; the non-CJK runs scored here are answer fragments
("1998", "iPhone 6", "U.S."), which Punkt leaves whole, so the Treebank rules below are applied to the
run as one sentence. They are ported from NLTK 3.4.5 (``nltk/tokenize/treebank.py`` and
``nltk/tokenize/__init__.py``, Apache-2.0), with Python 2's ASCII meaning of ``\\d \\w \\s \\b`` where
NLTK compiled a pattern without ``re.U`` — the official script runs on Python 2.
``tests/test_squad_metrics.py`` holds reference values produced by the official script itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# The script's sp_char list, in its order. '……' is a two-character entry and so never matches a
# single character: the script keeps '…', and so do we.
SP_CHAR = frozenset(
    ["-", ":", "_", "*", "^", "/", "\\", "~", "`", "+", "=",
     "，", "。", "：", "？", "！", "“", "”", "；", "’", "《", "》", "……", "·", "、",
     "「", "」", "（", "）", "－", "～", "『", "』"]
)  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fa5]")

# --- NLTK 3.4.5 word_tokenize (Treebank + the "improved" quote and period rules) -------------------
_A = re.ASCII
_STARTING_QUOTES = [
    (re.compile("([«“‘„]|[`]+)"), r" \1 "),
    (re.compile(r"^\"", _A), r"``"),
    (re.compile(r"(``)", _A), r" \1 "),
    (re.compile(r"([ \(\[{<])(\"|\'{2})", _A), r"\1 `` "),
    (re.compile(r"(?i)(\')(?!re|ve|ll|m|t|s|d)(\w)\b"), r"\1 \2"),
]
_PUNCTUATION = [
    (re.compile(r"([^\.])(\.)([\]\)}>\"\'»”’ ]*)\s*$"), r"\1 \2 \3 "),
    (re.compile(r"([:,])([^\d])", _A), r" \1 \2"),
    (re.compile(r"([:,])$", _A), r" \1 "),
    (re.compile(r"\.\.\.", _A), r" ... "),
    (re.compile(r"[;@#$%&]", _A), r" \g<0> "),
    (re.compile(r"([^\.])(\.)([\]\)}>\"\']*)\s*$", _A), r"\1 \2\3 "),
    (re.compile(r"[?!]", _A), r" \g<0> "),
    (re.compile(r"([^'])' ", _A), r"\1 ' "),
]
_PARENS = (re.compile(r"[\]\[\(\)\{\}\<\>]", _A), r" \g<0> ")
_DOUBLE_DASHES = (re.compile(r"--", _A), r" -- ")
_ENDING_QUOTES = [
    (re.compile("([»”’])"), r" \1 "),
    (re.compile(r'"', _A), " '' "),
    (re.compile(r"(\S)(\'\')", _A), r"\1 \2 "),
    (re.compile(r"([^' ])('[sS]|'[mM]|'[dD]|') ", _A), r"\1 \2 "),
    (re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", _A), r"\1 \2 "),
]
_CONTRACTIONS = [
    re.compile(p, _A)
    for p in (
        r"(?i)\b(can)(?#X)(not)\b", r"(?i)\b(d)(?#X)('ye)\b", r"(?i)\b(gim)(?#X)(me)\b",
        r"(?i)\b(gon)(?#X)(na)\b", r"(?i)\b(got)(?#X)(ta)\b", r"(?i)\b(lem)(?#X)(me)\b",
        r"(?i)\b(mor)(?#X)('n)\b", r"(?i)\b(wan)(?#X)(na)\s",
        r"(?i) ('t)(?#X)(is)\b", r"(?i) ('t)(?#X)(was)\b",
    )
]  # fmt: skip


def word_tokenize(text: str) -> list[str]:
    """NLTK 3.4.5 ``word_tokenize`` on one sentence (``preserve_line=True``)."""
    for regexp, sub in _STARTING_QUOTES:
        text = regexp.sub(sub, text)
    for regexp, sub in _PUNCTUATION:
        text = regexp.sub(sub, text)
    text = _PARENS[0].sub(_PARENS[1], text)
    text = _DOUBLE_DASHES[0].sub(_DOUBLE_DASHES[1], text)
    text = " " + text + " "
    for regexp, sub in _ENDING_QUOTES:
        text = regexp.sub(sub, text)
    for regexp in _CONTRACTIONS:
        text = regexp.sub(r" \1 \2 ", text)
    # Python 2's str.split() on a unicode string splits on Unicode whitespace, as Python 3's does.
    return text.split()


# --- the CMRC normalisation and scores ---------------------------------------------------------------


def mixed_segmentation(text: str, rm_punc: bool = False) -> list[str]:
    """CJK characters one by one, other runs by ``word_tokenize``; ``rm_punc`` drops the script's punctuation."""
    text = str(text).lower().strip()
    segs: list[str] = []
    run = ""
    for ch in text:
        if rm_punc and ch in SP_CHAR:
            continue
        if _CJK.match(ch) or ch in SP_CHAR:
            if run:
                segs.extend(word_tokenize(run))
                run = ""
            segs.append(ch)
        else:
            run += ch
    if run:
        segs.extend(word_tokenize(run))
    return segs


def remove_punctuation(text: str) -> str:
    """Lower-case, strip and drop the script's punctuation (the EM normalisation)."""
    return "".join(ch for ch in str(text).lower().strip() if ch not in SP_CHAR)


def find_lcs(s1: Sequence[str], s2: Sequence[str]) -> tuple[Sequence[str], int]:
    """Longest common contiguous run of tokens (the script's ``find_lcs``; first longest wins)."""
    best = end = 0
    prev = [0] * (len(s2) + 1)
    for i in range(len(s1)):
        cur = [0] * (len(s2) + 1)
        for j in range(len(s2)):
            if s1[i] == s2[j]:
                cur[j + 1] = prev[j] + 1
                if cur[j + 1] > best:
                    best, end = cur[j + 1], i + 1
        prev = cur
    return s1[end - best : end], best


def calc_f1_score(answers: Iterable[str], prediction: str) -> float:
    """Max over gold answers of the LCS-token F1 (0.0 when no answer shares a token)."""
    pred_segs = mixed_segmentation(prediction, rm_punc=True)
    scores = []
    for ans in answers:
        ans_segs = mixed_segmentation(ans, rm_punc=True)
        _, lcs_len = find_lcs(ans_segs, pred_segs)
        if lcs_len == 0:
            scores.append(0.0)
            continue
        precision = lcs_len / len(pred_segs)
        recall = lcs_len / len(ans_segs)
        scores.append(2 * precision * recall / (precision + recall))
    if not scores:
        raise ValueError("calc_f1_score needs at least one gold answer")  # the script's max([]) fails too
    return max(scores)


def calc_em_score(answers: Iterable[str], prediction: str) -> int:
    """1 when the prediction equals a gold answer after ``remove_punctuation``, else 0."""
    pred = remove_punctuation(prediction)
    return int(any(remove_punctuation(a) == pred for a in answers))


def score(pairs: Iterable[tuple[Sequence[str], str]]) -> dict[str, float]:
    """Corpus EM and F1 in percent, as the script prints them (a question without a prediction scores 0)."""
    em = f1 = 0.0
    n = 0
    for answers, prediction in pairs:
        n += 1
        em += calc_em_score(answers, prediction)
        f1 += calc_f1_score(answers, prediction)
    return {"em": 100.0 * em / n if n else 0.0, "f1": 100.0 * f1 / n if n else 0.0, "total": n}
