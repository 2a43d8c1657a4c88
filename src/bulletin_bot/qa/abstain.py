"""The decision: answer with a span, answer with the sentence, or refuse — from one calibrated score.

Refusing outright is kept for facts (the question names someone no bulletin mentions); everything
else is P(right) against one threshold chosen on a validation split (bench/fit_ranker.py).
A premise that contradicts the evidence (another year, a place the article does not name) is said
in the answer rather than silently answered or refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Decision, Kind
from .question import Question
from .rank import Candidate, Model, _named_in

TYPED = (Kind.WHEN, Kind.WHO, Kind.NUMBER, Kind.WHERE, Kind.WHAT, Kind.LIST)


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    chosen: Candidate | None
    confidence: float
    notes: tuple[str, ...]
    why: str


def decide(q: Question, cands: list[Candidate], model: Model) -> Verdict:
    threshold, span_threshold = model.threshold, model.span_threshold
    plain = [c for c in cands if c.found is None]
    best_plain = max(plain, key=lambda c: c.p_sentence, default=None)
    p = model.p_answer(cands, q.kind) if best_plain else 0.0
    if best_plain is None or p < threshold:
        return Verdict(Decision.REFUSED, None, p, (), f"P(right) {p:.2f} is below the threshold {threshold:.2f}")

    # Spans of the sentences near the best compete on P(sentence)·P(span | sentence).
    spans = [c for c in cands if c.found is not None and c.p_sentence >= 0.5 * best_plain.p_sentence]
    best_span = max(spans, key=lambda c: c.score, default=None)
    if q.kind in TYPED and best_span is not None and (best_span.p_span or 0.0) >= span_threshold:
        chosen, decision = best_span, Decision.ANSWERED
    else:
        # Confident about the sentence, not about a span in it: the sentence is the answer.
        chosen, decision = best_plain, Decision.SENTENCE
    f = dict(chosen.named())
    if f["overlap_article"] == 0.0 and f["char_overlap"] == 0.0:
        # A fact, like a name no bulletin prints: the evidence shares not one word or character with
        # the question (「火星基地何时建成」 → a date of another article), whatever its shape scores.
        return Verdict(Decision.REFUSED, None, p, (), "the evidence shares no word with the question")
    notes = premise_notes(q, chosen)
    return Verdict(decision, chosen, p, notes, f"P(right) {p:.2f} ≥ {threshold:.2f}")


def premise_notes(q: Question, chosen: Candidate) -> tuple[str, ...]:
    """What the question assumes that the evidence contradicts, said plainly."""
    notes: list[str] = []
    c = chosen.hit.chunk.citation
    passage = c.article_title + (c.subtitle or "") + chosen.hit.chunk.text + (c.publisher or "")
    if q.years and chosen.found is not None and q.kind == Kind.WHEN:
        years = re.findall(r"(\d{4})年", chosen.found.text)
        if years and not set(years) & set(q.years):
            notes.append(f"简报记载的是{chosen.found.text}（不是{'、'.join(q.years)}年）")
    elif q.years and not any(y in passage or (c.issue_date or "").startswith(y) for y in q.years):
        printed = sorted(set(re.findall(r"(\d{4})年", passage)))
        if printed:
            notes.append(f"简报中这件事记载的是{'、'.join(printed)}年，不是{'、'.join(q.years)}年")
    missing = [e for e in q.entities if not _named_in(e, passage)]
    if missing:
        notes.append(f"注意：这篇文章没有提到{'、'.join(missing)}")
    return tuple(notes)
