"""Candidates (a sentence with its typed span, or the sentence alone) and their named features.

Each feature has a one-line reason. Their weights are fitted (bench/fit_ranker.py, logistic
regression over labelled candidates) and shipped in ``weights.json``; numpy applies them here.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..ingest.chunk import sentences
from ..model import Hit, Kind
from .kinds import module_for
from .kinds.base import HAN, Context, Found, anchor_regex, cloze, snap_to_words, title_follows, titles_re, word_bounds
from .kinds.list import asked_count
from .kinds.number import number_re

if TYPE_CHECKING:
    from ..search import Searcher
    from .question import Question

WEIGHTS = Path(__file__).with_name("weights.json")
PASSAGES = 8  # retrieved passages whose sentences compete
NEIGHBOURS_OF = 3  # the top passages whose neighbours (same article) also compete

# name -> why it should matter
FEATURES: dict[str, str] = {
    "overlap_sentence": "idf share of the question's words printed in the sentence: the sentence is about it",
    "overlap_title": "idf share found only in the title, section or masthead: context the sentence omits",
    "overlap_article": "idf share found anywhere in the passage: the article covers the question",
    "char_overlap": "share of the question's content characters in the sentence: paraphrases, unsegmented names",
    "retrieval": "the passage's fused retrieval score relative to the best",
    "dense": "cosine of question and passage: meaning beyond shared words",
    "rank": "1/(1+rank) of the passage in the retrieval list",
    "neighbour": "the sentence comes from a passage next to a retrieved one, not retrieved itself",
    "has_span": "a typed span of the asked kind was found",
    "span_quality": "the kind module's reading of the span's shape (date leading the sentence, name after a title)",
    "anchor_in_sentence": "the asked verb or a near-synonym is printed in the sentence",
    "anchor_near_span": "the asked verb is printed within a few characters of the span",
    "anchor_beside_span": "the asked verb is printed against the span (立案186件 beside 提案203件): the act's own figure",
    "anchor_chars": "share of the asked verb's characters in the sentence: synonyms no table lists",
    "missing_in_article": "the heaviest question word the whole article never prints (门票, 经费): the fact is not there",
    "missing_known": "the heaviest question word other bulletins print but this article never does: another article's fact",
    "unseen_words": "idf share of the question's words that no bulletin prints at all: likely out of scope",
    "entities_missing": "share of the places and people the question names that the passage does not",
    "year_clash": "the question states a year the passage never prints, and the passage prints another",
    "lead": "the article's first sentence: bulletins lead with who, when and where",
    "position": "how far into its passage the sentence sits",
    "span_in_question": "the span repeats the question's own words: not new information",
    "span_length": "long spans are rarely a short answer",
    "list_length": "the same for a list question, whose answer is long by nature",
    "noun_near_span": "the asked noun (党组织, 出版社) is printed next to the span",
    "span_has_noun": "the span ends in the asked noun's head (…出版社 for 哪家出版社): the type agrees",
    "window_overlap": "idf share of the question's words within ten characters of the span: which of several numbers",
    "near_overlap": "idf share of the question's words in the four characters beside the span (二等奖5名)",
    "cloze": "the span fills the gap between the question's own words around its wh-word",
    "role_agrees": "share of the asked title (綦江区委书记 in 「綦江区委书记是谁」) printed right before the name: 万州区委书记莫恭明 is another's",
    "noun_asked": "the question names the kind of thing it wants (哪个会议室, 多少位专家): a span without it is another fact",
    "count_clash": "a list question counts its items (另外9个地方) and this list has another number of them",
    "year_beside_span": "the year the question asks about (2023年, or 去年 of a 2024 issue) is printed right before the span: 由2020年的不足5万元增加到2023年的38万元",
    "adjacent": "how many of the question's own characters are printed right against the span (副主任|罗建波, 服务站|136个)",
    "sentence_span_quality": "the best typed span in the sentence: a sentence with none rarely answers a typed question",
}
# Question-level evidence of a missing fact: the same for every sentence of an article, so it tells
# the refusal (CALIBRATION) something and the sentence ranking nothing; the rankers leave it out.
CALIBRATION_ONLY = ("missing_known", "unseen_words", "noun_asked")
KIND_FEATURES = tuple(f"span_{k.value}" for k in (Kind.WHEN, Kind.WHO, Kind.NUMBER, Kind.WHERE, Kind.WHAT, Kind.LIST))
FEATURE_NAMES = tuple(FEATURES) + KIND_FEATURES

_CONTENT_STOP = set("的了在是有和与及吗呢什么谁哪里几多少何时候时间怎么样为个啊吧？?，。！")


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    sentence: str
    start: int  # offsets of the sentence in hit.chunk.text
    end: int
    found: Found | None
    features: tuple[float, ...]
    score: float = 0.0  # P(this candidate is right), from the fitted weights
    p_sentence: float = 0.0  # P(its sentence states the answer)
    p_span: float | None = None  # P(the span is the answer | the sentence states it); None: no span

    def named(self) -> tuple[tuple[str, float], ...]:
        return tuple(zip(FEATURE_NAMES, (round(v, 4) for v in self.features), strict=True))


@dataclass(frozen=True)
class Model:
    """Two fitted logistic models: P(the sentence states the answer) over sentences, and
    P(the span is the answer | its sentence states it) over spans. An answer's P(right) is their product."""

    sentence_coef: np.ndarray
    sentence_intercept: float
    span_coef: np.ndarray
    span_intercept: float
    threshold: float  # refuse below this P(right) of the best sentence
    span_threshold: float  # below this P(span | sentence) the sentence itself is the answer
    calib_coef: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0, 0.0, 0.0, 0.0]))
    calib_intercept: float = 0.0

    def p_answer(self, cands: list[Candidate], kind: Kind | None = None) -> float:
        """P(the best sentence states the answer), calibrated at the question level (see CALIBRATION)."""
        return float(self._p(np.array(question_features(cands, kind)), self.calib_coef, self.calib_intercept))

    @staticmethod
    def _p(x: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))

    def p_sentence(self, x: np.ndarray) -> np.ndarray:
        return self._p(x, self.sentence_coef, self.sentence_intercept)

    def p_span(self, x: np.ndarray) -> np.ndarray:
        return self._p(x, self.span_coef, self.span_intercept)


# Question-level evidence for the refusal: how sure the best sentence is, how far ahead of the next
# one it is (two close sentences of different articles mean retrieval is unsure), whether a typed
# span backs it, and how much of the question its article covers.
CALIBRATION = (
    "best_sentence_logit", "best_span_logit", "margin_logit", "best_overlap_article", "best_dense", "best_missing_word",
    "best_missing_known", "best_unseen_words", "best_entities_missing", "best_year_clash",
    "best_sentence_span_quality", "best_span_adjacent", "best_span_role_agrees", "factoid", "factoid_span_quality",
    "best_span_noun_missing", "best_span_count_clash",
)
FACTOID = (Kind.WHEN, Kind.WHO, Kind.NUMBER, Kind.WHERE)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def question_features(cands: list[Candidate], kind: Kind | None = None) -> list[float]:
    factoid = float(kind in FACTOID)
    plain = sorted((c for c in cands if c.found is None), key=lambda c: -c.p_sentence)
    if not plain:
        return [-10.0, -10.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, factoid, 0.0, 0.0, 0.0]
    best = plain[0]
    second = plain[1].p_sentence if len(plain) > 1 else 1e-6
    top_span = max((c for c in cands if c.found is not None), key=lambda c: c.score, default=None)
    span = top_span.score if top_span else 1e-6
    f = dict(zip(FEATURE_NAMES, best.features, strict=True))
    of_span = dict(zip(FEATURE_NAMES, top_span.features, strict=True)) if top_span else {"adjacent": 0.0, "role_agrees": 0.0}
    return [
        _logit(best.p_sentence),
        _logit(span),
        _logit(best.p_sentence) - _logit(second),
        f["overlap_article"],
        f["dense"],
        f["missing_in_article"],
        f["missing_known"],
        f["unseen_words"],
        f["entities_missing"],
        f["year_clash"],
        # A typed question whose best sentence holds no span of the asked type (a date for 几点, 86名
        # for 多少钱) is one the bulletin does not answer.
        f["sentence_span_quality"],
        of_span["adjacent"],
        # 「綦江区委书记是谁」 answered by 万州区委书记莫恭明: the bulletins name another's holder.
        of_span["role_agrees"],
        # 「一共有多少位专家参会」 over a sentence with no count: a when/who/number/where question whose
        # best span is a weak shape (a clause, a bare number) is one the bulletin does not answer.
        factoid,
        factoid * (of_span.get("span_quality", 0.0) if top_span else 0.0),
        # 「在哪个会议室开的」 answered by a span that is no 会议室 and has none beside it.
        of_span.get("noun_asked", 0.0) * (1.0 - max(of_span.get("span_has_noun", 0.0), of_span.get("noun_near_span", 0.0))),
        of_span.get("count_clash", 0.0),
    ]


def _coef(part: dict, names: list[str]) -> np.ndarray:
    return np.array([part["coef"][names.index(n)] if n in names else 0.0 for n in FEATURE_NAMES])


@cache
def load(path: Path = WEIGHTS) -> Model:
    data = json.loads(path.read_text("utf-8"))
    names = data["features"]
    return Model(
        _coef(data["sentence"], names), float(data["sentence"]["intercept"]),
        _coef(data["span"], names), float(data["span"]["intercept"]),
        float(data["threshold"]), float(data["span_threshold"]),
        _by_name(data["calibration"], CALIBRATION), float(data["calibration"]["intercept"]),
    )


def _by_name(part: dict, names: tuple[str, ...]) -> np.ndarray:
    """Coefficients in ``names`` order; a feature the weights do not know weighs nothing."""
    fitted = dict(zip(part["features"], part["coef"], strict=True))
    return np.array([fitted.get(n, 0.0) for n in names])


def passages(hits: list[Hit], searcher: Searcher) -> list[tuple[Hit, int, bool]]:
    """(hit, rank, is_neighbour): the top passages and the passages beside them in the same article.

    Short articles often put the answer in the paragraph after the retrieved one.
    """
    out = [(h, r, False) for r, h in enumerate(hits[:PASSAGES])]
    seen = {h.chunk.id for h in hits}
    snap = searcher.snapshot
    for r, h in enumerate(hits[:NEIGHBOURS_OF]):
        for chunk in snap.neighbours(h.chunk):
            if chunk.id not in seen:
                seen.add(chunk.id)
                out.append((Hit(chunk, h.score, dense_score=h.dense_score), r, True))
    return out


def _share(weights: dict[str, float], text: str) -> float:
    total = sum(weights.values()) or 1.0
    return sum(w for t, w in weights.items() if t in text) / total


def candidates(q: Question, hits: list[Hit], searcher: Searcher, model: Model | None = None) -> list[Candidate]:
    """Every sentence of the competing passages, alone and with each typed span found in it."""
    model = model or load()
    snap = searcher.snapshot
    module = module_for(q.kind)
    top = hits[0].score if hits and hits[0].score else 1.0
    content = {c for c in q.text if re.match(rf"[{HAN}]", c) and c not in _CONTENT_STOP}
    verb = anchor_regex(q)
    anchor_chars = set(q.slots.anchor or "")
    choice = "还是" in q.text  # 「是A还是B」: there the answer is one of the question's own words
    role = asked_role(q.text) if q.kind is Kind.WHO else None
    asked_items = asked_count(q.text) if q.kind is Kind.LIST else None
    unseen_share = sum(w for t, w in q.weights.items() if len(t) >= 2 and t in q.unseen) / (sum(q.weights.values()) or 1.0)
    rows: list[tuple[Hit, str, int, int, Found | None, list[float]]] = []
    for hit, rank, neighbour in passages(hits, searcher):
        chunk = hit.chunk
        c = chunk.citation
        title = c.article_title + (c.subtitle or "") + c.section + (c.publisher or "") + (c.issue_title or "")
        passage = title + hit.context + chunk.text
        article_share = _share(q.weights, passage)
        whole = title + snap_article_text(snap, chunk)
        absent = [w for t, w in q.weights.items() if len(t) >= 2 and t not in whole]
        heaviest = max(q.weights.values(), default=1.0) or 1.0
        missing_word = max(absent, default=0.0) / heaviest
        known_weights = [w for t, w in q.weights.items() if t not in q.unseen]
        absent_known = [w for t, w in q.weights.items() if len(t) >= 2 and t not in q.unseen and t not in whole]
        missing_known = max(absent_known, default=0.0) / (max(known_weights, default=1.0) or 1.0)
        missing = [e for e in q.entities if not _named_in(e, passage)]
        years_clash = bool(q.years) and not any(y in passage or (c.issue_date or "").startswith(y) for y in q.years)
        years_clash = years_clash and bool(re.search(r"\d{4}年", passage))
        spans = list(sentences(chunk.text))
        years_asked = asked_years(q.text, q.years, c.issue_date)  # 去年 depends on the issue's date
        article = ""
        for n, (s, e) in enumerate(spans):
            sentence = chunk.text[s:e]
            if len(sentence.strip()) < 4:
                continue
            in_sentence = _share(q.weights, sentence)
            in_title = _share({t: w for t, w in q.weights.items() if t not in sentence}, title)
            chars = len(content & set(sentence)) / (len(content) or 1)
            anchor_m = verb.search(sentence) if verb else None
            base = {
                "overlap_sentence": in_sentence,
                "overlap_title": in_title,
                "overlap_article": article_share,
                "char_overlap": chars,
                "retrieval": hit.score / top,
                "dense": hit.dense_score or 0.0,
                "rank": 1.0 / (1 + rank),
                "neighbour": float(neighbour),
                "anchor_in_sentence": float(anchor_m is not None),
                "anchor_chars": len(anchor_chars & set(sentence)) / (len(anchor_chars) or 1) if anchor_chars else 0.0,
                "entities_missing": len(missing) / (len(q.entities) or 1),
                "missing_in_article": missing_word,
                "missing_known": missing_known,
                "unseen_words": unseen_share,
                "year_clash": float(years_clash),
                "lead": float(chunk.chunk_no == 0 and n == 0),
                "position": n / max(len(spans) - 1, 1),
            }
            if not article:
                article = snap_article_text(snap, chunk)
            ctx = Context(sentence, article, c.issue_date, chunk.chunk_no == 0 and n == 0, snap)
            found_all = _with_cloze(q, ctx, module.extract(q, ctx))
            bounds = word_bounds(sentence, snap) if q.kind in (Kind.WHO, Kind.NUMBER, Kind.WHERE) else None
            span_rows = []
            best_quality = 0.0
            for found, by_cloze in found_all:
                if q.kind in (Kind.NUMBER, Kind.WHAT, Kind.LIST, Kind.WHERE):
                    found = snap_to_words(found, ctx)
                if q.kind in (Kind.WHO, Kind.NUMBER, Kind.WHERE):  # a date's text is its resolved value
                    found = without_echo(found, q.kind, q.text, bounds)
                if not found.text.strip() or (found.text in q.text and not choice):
                    continue  # the question's own words (「2020年工作务虚会」 for 何时) answer nothing
                best_quality = max(best_quality, found.quality)
                near = bool(anchor_m) and (
                    abs(anchor_m.start() - found.end) <= 12 or abs(found.start - anchor_m.end()) <= 12
                )
                noun = q.slots.noun or ""
                window = sentence[max(0, found.start - len(noun) - 8) : found.end + len(noun) + 8]
                repeated = sum(ch in q.text for ch in found.text) / len(found.text)
                around = sentence[max(0, found.start - 10) : found.start] + "|" + sentence[found.end : found.end + 10]
                beside = sentence[max(0, found.start - 4) : found.start] + "|" + sentence[found.end : found.end + 4]
                outside = {t: w for t, w in q.weights.items() if t not in found.text}
                span = {
                    **base,
                    "has_span": 1.0,
                    "span_quality": found.quality,
                    "anchor_near_span": float(near),
                    "anchor_beside_span": float(any(
                        a in sentence[max(0, found.start - len(a) - 2) : found.start] or a in sentence[found.end : found.end + len(a) + 2]
                        for a in q.anchors
                    )),
                    "span_in_question": float(repeated >= 0.8),
                    # A list is long by nature: its length is a feature of its own.
                    "span_length": 0.0 if q.kind is Kind.LIST else math.log1p(len(found.text)) / 4,
                    "list_length": math.log1p(len(found.text)) / 4 if q.kind is Kind.LIST else 0.0,
                    "noun_near_span": float(bool(noun) and noun[-2:] in window),
                    "span_has_noun": float((len(noun) >= 2 or q.kind == Kind.WHERE) and bool(noun) and found.text.endswith(noun[-2:])),
                    "cloze": float(by_cloze),
                    "window_overlap": _share(outside, around),
                    "near_overlap": _share(outside, beside),
                    "adjacent": adjacent(sentence, found.start, found.end, q.text),
                    "noun_asked": float(bool(noun)),
                    "count_clash": float(asked_items is not None and found.text.count("、") + 1 != asked_items),
                    "year_beside_span": float(any(
                        y in sentence[max(0, found.start - 12) : found.start] for y in years_asked
                    )),
                    "role_agrees": role_agreement(sentence, found.start, role, found.end) if role else 1.0,
                }
                span_rows.append((hit, sentence, s, e, found, span))
            rows.append((hit, sentence, s, e, None, _vector({**base, "sentence_span_quality": best_quality}, None, q)))
            for h_, sent_, s_, e_, found, span in span_rows:
                span["sentence_span_quality"] = best_quality
                rows.append((h_, sent_, s_, e_, found, _vector(span, found, q)))
    if not rows:
        return []
    return score(rows, model)


def score(rows: list, model: Model) -> list[Candidate]:
    """Apply the fitted models: each span's P(right) is its sentence's P times its own."""
    x = np.array([r[5] for r in rows], dtype=np.float64)
    p_sent = model.p_sentence(x)
    p_span = model.p_span(x)
    by_sentence: dict[tuple[int, int], float] = {}
    for (h, _, s, _, f, _), p in zip(rows, p_sent, strict=True):
        if f is None:
            by_sentence[(h.chunk.id, s)] = float(p)
    out = []
    for i, (h, sent, s, e, f, v) in enumerate(rows):
        ps = by_sentence.get((h.chunk.id, s), float(p_sent[i]))
        if f is None:
            out.append(Candidate(h, sent, s, e, None, tuple(v), ps, ps, None))
        else:
            out.append(Candidate(h, sent, s, e, f, tuple(v), ps * float(p_span[i]), ps, float(p_span[i])))
    return out


_LEAD_PREPOSITIONS = re.compile(r"^(?:位于|来自|出生于|生于|于|在|由|自|从)(?=.{2})")


def without_echo(found: Found, kind: Kind, question: str, bounds: set[int] | None = None) -> Found:
    """A factoid span without the question's own words at its edges, nor a leading preposition.

    Only words that introduce the answer go at the head (「渠成是江苏南京」 → 江苏南京 for 「渠成是哪里人」:
    a place or name may share the question's words, 加拿大总督 for 加拿大总理由谁委任), and only a
    count loses a tail, when its unit stays (「4分钟内不得进行配对」 → 4分钟, but 80公分 keeps 公分).
    """
    text, start = found.text, found.start

    def cut(at: int) -> bool:  # cuts fall between words (4分钟|内不得…, not 4分|钟内…)
        return bounds is None or found.start + at in bounds

    head = next(
        (k for k in range(len(text) - 2, 1, -1) if text[:k] in question and text[k - 1] in "是为在于到" and cut(k)), 0
    )
    tail = 0
    if kind is Kind.NUMBER:
        tail = next(
            (k for k in range(len(text) - 2 - head, 1, -1)
             if text[-k:] in question and cut(len(text) - k) and number_re().fullmatch(text[head:-k])),
            0,
        )
    if head:
        text, start = text[head:], start + head
    if tail:
        text = text[:-tail]
    lead = _LEAD_PREPOSITIONS.match(text) if kind is Kind.WHERE else None
    if lead:
        text, start = text[lead.end() :], start + lead.end()
    if text == found.text or len(text) < 2 and not re.search(r"\d", text):
        return found
    return Found(text, start, start + len(text), found.quality)


def _with_cloze(q: Question, ctx: Context, typed: list[Found]) -> list[tuple[Found, bool]]:
    """The kind module's spans and the gap-filling ones, each flagged whether a gap confirms it.

    A gap that agrees with a typed span (one inside the other) flags it. For a count the gap is then
    dropped: inside 「4人」 it is the bare 4, around it the count with the sentence's next words
    (「4分钟内不得进行配对」); a shorter name or place inside a longer span still competes (李白 of 诗人李白).
    """
    gaps = [f for f in cloze(q, ctx) if _fits(q.kind, f.text)] if q.kind is not Kind.WHEN else []
    out: list[tuple[Found, bool]] = []
    dropped: set[int] = set()
    for f in typed:
        inside = {i for i, g in enumerate(gaps) if f.start <= g.start and g.end <= f.end}
        around = {i for i, g in enumerate(gaps) if g.start <= f.start and f.end <= g.end}
        if q.kind is Kind.NUMBER:
            dropped |= inside | around
        elif q.kind is Kind.WHO:
            dropped |= around
        out.append((f, bool(inside or around)))
    out += [(g, True) for i, g in enumerate(gaps) if i not in dropped]
    return out


def asked_role(question: str) -> str | None:
    """The title a who-question asks the holder of, with its qualifier: 「綦江区委书记是谁」 → 綦江区委书记."""
    m = re.search(rf"([{HAN}（）()]{{2,16}}?)(?:是谁|是哪位|是哪一位|叫什么名字|叫什么|姓什么)", question)
    if not m:
        return None
    phrase = re.sub(r"^(?:请问|那个|这个|现在的|现任|目前的|的)+", "", m.group(1))
    return phrase if len(phrase) >= 2 and re.search(rf"(?:{titles_re()})$", phrase) else None


_RELATIVE_YEARS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}


def asked_years(question: str, years: tuple[str, ...], issue_date: str | None) -> tuple[str, ...]:
    """What a year the question names looks like in print: 2023年, and for 去年 in a 2024 issue also
    2023年 (and 去年 itself, which the article may print too)."""
    out = [f"{y}年" for y in years]
    for word, shift in _RELATIVE_YEARS.items():
        if word in question:
            out.append(word)
            if issue_date and issue_date[:4].isdigit():
                out.append(f"{int(issue_date[:4]) + shift}年")
    return tuple(out)


_NOT_TITLE = set("由为是在和与及的了被将对向经请任")  # function words before a title: no other qualifier


def role_agreement(sentence: str, start: int, role: str, end: int | None = None) -> float:
    """How much of the asked title ends right before the span, as a share of the title; none when the
    printed title goes on with another qualifier (市委党史研究室主任 for 璧山区委党史研究室主任).

    Bulletins also print the title after the name (评审组由…教授王立新任组长) or as one of a chain of
    titles joined by 、 (县政协委员、…合作社理事长王秀芬): either is the asked title too."""
    before = re.sub(r"(?:为|是|：|:)$", "", sentence[max(0, start - len(role) - 2) : start])
    n = 0
    while n < min(len(before), len(role)) and before[-1 - n] == role[-1 - n]:
        n += 1
    if 0 < n < len(role) and n < len(before) and re.match(rf"[{HAN}]", before[-1 - n]) and before[-1 - n] not in _NOT_TITLE:
        return 0.0
    share = n / len(role)
    title = re.search(rf"(?:{titles_re()})$", role)
    if title and share < 1.0:
        qualifier = role[: title.start()].removesuffix("的")
        printed = sum(ch in sentence[:start] for ch in qualifier) / (len(qualifier) or 1)
        credit = (len(title.group(0)) + printed * len(qualifier)) / (len(title.group(0)) + len(qualifier))
        if end is not None and title_follows(sentence, end, title.group(0)):
            share = max(share, credit)  # 王立新任组长
        chain = re.search(rf"{re.escape(title.group(0))}、[^，。；：]{{0,30}}$", sentence[:start])
        if chain:
            share = max(share, credit)  # 县政协委员、…理事长王秀芬
    return share


_LOOSE_BEFORE = re.compile(r"[的为是了：:]+$")
_LOOSE_AFTER = re.compile(r"^(?:的|个|名|位|家|所|项)+")


def adjacent(sentence: str, start: int, end: int, question: str, most: int = 8) -> float:
    """The longest run of the question printed right before or after the span, over ``most``.

    Of several numbers or names in one sentence the asked one sits against the question's words
    (村（社区）服务站136个 for 村（社区）服务站多少个; 副主任罗建波 does not answer 主任是谁).
    """
    before = _LOOSE_BEFORE.sub("", sentence[max(0, start - 12) : start])
    after = _LOOSE_AFTER.sub("", sentence[end : end + 12])
    best = next((k for k in range(len(before), 0, -1) if before[-k:] in question), 0)
    best = max(best, next((k for k in range(len(after), 0, -1) if after[:k] in question), 0))
    return min(best, most) / most


def _fits(kind: Kind, text: str) -> bool:
    """A gap-filling span of the asked kind: a count has a number, a name is short."""
    if len(text) > 40:
        return False
    if kind is Kind.NUMBER:
        return bool(re.search(r"[\d零〇一二两三四五六七八九十百千万]", text))
    if kind is Kind.WHO:
        return 2 <= len(text) <= 20
    return True


def _vector(values: dict[str, float], found: Found | None, q: Question) -> list[float]:
    vec = [values.get(name, 0.0) for name in FEATURES]
    vec += [float(found is not None and q.kind.value == k.removeprefix("span_")) for k in KIND_FEATURES]
    return vec


def _named_in(entity: str, text: str) -> bool:
    """屏山县 is also printed 屏山 (「赴屏山调研」): a place counts when its short form is there."""
    if entity in text:
        return True
    return len(entity) >= 3 and entity[-1] in "区县市" and entity[:-1] in text


def snap_article_text(snap: object, chunk: object) -> str:
    """The article's text, cached per opened version (relative dates such as 今年 need it)."""
    cache = getattr(snap, "_qa_articles", None)
    if cache is None:
        cache = snap._qa_articles = {}  # type: ignore[attr-defined]
    key = (chunk.citation.issue_id, chunk.article_no)  # type: ignore[attr-defined]
    if key not in cache:
        row = snap.article(*key)  # type: ignore[attr-defined]
        cache[key] = row["text"] if row else chunk.text  # type: ignore[attr-defined]
    return cache[key]
