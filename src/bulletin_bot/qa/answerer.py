"""Turns a question and ranked passages into an ``Answer``: analyse, gather candidates, score, decide."""

from __future__ import annotations

import re
from dataclasses import replace

from ..config import Settings
from ..listing import Lister, same_event
from ..model import Answer, Decision, Evidence, Hit, Kind, Span
from ..search import Searcher
from . import abstain, rank
from .question import Question, analyse, check_question

MAX_ANSWER = 200
SHORT_MAX = 80


def _join(*parts: str) -> str:
    """Sentences joined without doubled marks: 「…。」+「依据」 never gives 「。。」."""
    out, last = "", ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        # A closing bracket ends a sentence only when the whole part is a bracketed note (（按“涪陵”理解）):
        # 「简报记载的是2020年11月30日（不是2019年）」 still needs its 。 before 依据.
        whole_note = bool(re.fullmatch(r"[（(].*[）)]", last))
        if out and not (re.search(r"[。！？；…」]$", out) or whole_note):
            out += "。"
        out += part
        last = part
    return re.sub(r"([。，；！？])\1+", r"\1", out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Answerer:
    """Extractive answers with a calibrated refusal; an optional LLM may rewrite them (see llm.py)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = rank.load()
        self._lister = Lister()
        self._llm = None
        if settings.llm_base_url and settings.llm_model:
            from ..llm import LLMClient

            self._llm = LLMClient(settings)

    def answer(self, question: str, searcher: Searcher) -> Answer:
        q = analyse(question, searcher.snapshot)
        notes = tuple(f"（按“{known}”理解）" for _, known in q.corrections)
        if not q.chinese:
            hits = searcher.search(q.text, 3)
            return self._refuse(
                q, hits, Decision.NOT_CHINESE, "the question is not in Chinese",
                "简报是中文的，请用中文提问（The bulletins are in Chinese; please ask in Chinese）。",
            )
        listed = self._lister.answer(q.text, q.kind, q.slots.person, searcher)
        if listed is not None:
            return replace(listed, notes=notes + listed.notes) if notes else listed
        hits = searcher.search(q.text, rank.PASSAGES)
        if not hits:
            return self._refuse(q, hits, Decision.EMPTY, "nothing is indexed")
        if q.unknown:
            names = "、".join(q.unknown)
            return self._refuse(
                q, hits, Decision.UNKNOWN_NAME, f"the bulletins never mention {names}",
                f"简报中没有提到{names}。",
            )
        cands = rank.candidates(q, hits, searcher, self.model)
        verdict = abstain.decide(q, cands, self.model)
        if verdict.chosen is None:
            answer = self._refuse(q, hits, Decision.REFUSED, verdict.why, confidence=verdict.confidence)
            return replace(answer, notes=notes)
        return self._answer(q, hits, verdict, notes, searcher)

    def _answer(
        self, q: Question, hits: list[Hit], verdict: abstain.Verdict, notes: tuple[str, ...], searcher: Searcher
    ) -> Answer:
        chosen = verdict.chosen
        assert chosen is not None
        sentence = chosen.sentence.strip()
        offset = chosen.sentence.find(sentence)
        span = None
        if chosen.found is not None:
            found = chosen.found
            short = found.text
            span = Span(found.text, found.start - offset, found.end - offset, q.kind)
        else:
            short = sentence
        short = _clip(short, SHORT_MAX)
        evidence = Evidence(sentence, chosen.hit, chosen.start + offset, chosen.start + offset + len(sentence))
        # The same event reported from other places: answer the one asked, point to the others.
        also = same_event(chosen.hit, searcher.snapshot)
        notes = notes + verdict.notes
        text = _join(short, *notes, f"依据：「{sentence}」" if sentence != short else "")
        # The evidence first, then other articles (a second passage of the same article adds no source).
        seen = {(chosen.hit.chunk.citation.issue_id, chosen.hit.chunk.article_no)}
        ordered: tuple[Hit, ...] = (chosen.hit,)
        for h in (*also, *hits):
            key = (h.chunk.citation.issue_id, h.chunk.article_no)
            if key not in seen:
                seen.add(key)
                ordered += (h,)
        result = Answer(
            question=q.original,
            answered=True,
            answer=_clip(text, MAX_ANSWER),
            hits=ordered[:5],
            kind=q.kind,
            decision=verdict.decision,
            short=short,
            span=span,
            evidence=evidence,
            also=tuple(h.chunk.citation.article_title for h in also),
            notes=notes,
            confidence=round(verdict.confidence, 4),
            why=verdict.why,
            rewritten=q.text if q.corrections else None,
            features=chosen.named(),
        )
        if self._llm is not None:
            return self._llm.improve(result, ordered[:5])
        return result

    def _refuse(
        self,
        q: Question,
        hits: list[Hit],
        decision: Decision,
        why: str,
        message: str = "简报中没有找到能回答这个问题的内容。",
        confidence: float | None = None,
    ) -> Answer:
        titles = list(dict.fromkeys(h.chunk.citation.article_title for h in hits))[:3]
        closest = "；".join(f"《{t}》" if not t.startswith("《") else t for t in titles)
        if closest:
            message = _join(message, f"最接近的文章：{closest}")
        distinct = tuple({(h.chunk.citation.issue_id, h.chunk.article_no): h for h in reversed(hits)}.values())[::-1]
        return Answer(
            q.original, False, _clip(message, MAX_ANSWER), distinct[:5], kind=q.kind, decision=decision,
            why=why, confidence=confidence,
        )


__all__ = ["Answerer", "Kind", "check_question"]
