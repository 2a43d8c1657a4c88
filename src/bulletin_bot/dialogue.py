"""Follow-up questions in a chat: 「那涪陵呢？」 reuses the last question, 「出处？」 shows its source.

Context is kept per chat and expires (``context_ttl_seconds``), so a question asked after a pause or
in another chat is never read as a follow-up.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from .model import Answer, ArticleText, Decision, Kind

_FOLLOW_UP = re.compile(r"^(?:那么?|那个|还有|换成|如果是)?\s*(?P<subject>[\u4e00-\u9fff]{1,12}?)\s*(?:呢|的呢|怎么样|如何)[？?。！!]*$")
_SOURCE = re.compile(r"^(?:出处|原文|来源|全文|原文呢|出自哪里|哪里说的|在哪篇文章|看原文|给我原文)[？?。！!]*$")


@dataclass
class Turn:
    question: str
    answer: Answer
    at: float


class Conversation:
    """Wraps an Assistant with per-chat memory of the last answered question."""

    def __init__(self, assistant: Any, ttl_seconds: float | None = None) -> None:
        self.assistant = assistant
        self.ttl = ttl_seconds if ttl_seconds is not None else assistant.settings.context_ttl_seconds
        self._turns: dict[Any, Turn] = {}
        self._lock = threading.Lock()

    def last(self, chat: Any) -> Turn | None:
        with self._lock:
            turn = self._turns.get(chat)
            if turn and time.monotonic() - turn.at > self.ttl:
                del self._turns[chat]
                return None
            return turn

    def forget(self, chat: Any) -> None:
        with self._lock:
            self._turns.pop(chat, None)

    def ask(self, chat: Any, text: str) -> Answer:
        text = text.strip()
        turn = self.last(chat)
        if turn is not None and _SOURCE.match(text):
            return self.source(turn)
        question = text
        if turn is not None:
            rewritten = self.rewrite(turn.question, text)
            if rewritten:
                question = rewritten
        answer = self.assistant.ask(question)
        if question != text:
            answer = replace(answer, rewritten=question)
        with self._lock:
            self._turns[chat] = Turn(question, answer, time.monotonic())
        return answer

    def rewrite(self, previous: str, text: str) -> str | None:
        """「那涪陵呢？」 after 「万州区委何时听取党史汇报」 → 「涪陵区委何时听取党史汇报」."""
        m = _FOLLOW_UP.match(text)
        if not m:
            return None
        subject = m.group("subject")
        terms: dict[str, str] = self.assistant.snapshot().terms
        new = _expand(subject, terms)
        if re.search(r"多少|何时|谁|什么|哪|几", subject) or (len(subject) > 4 and new not in terms):
            return None  # a question of its own that happens to end in 呢
        old = _subject_in(previous, terms, new)
        if not old:
            return None
        return previous.replace(old, new, 1)

    def source(self, turn: Turn) -> Answer:
        """The whole article the last answer came from."""
        if not turn.answer.hits:
            return Answer(turn.question, False, "上一个问题没有找到出处。", kind=Kind.SOURCE, decision=Decision.SOURCE)
        hit = turn.answer.hits[0]
        article = self.assistant.article(hit.chunk.citation.issue_id, hit.chunk.article_no)
        text = article["text"] if article else hit.chunk.text
        return Answer(
            turn.question,
            True,
            text if len(text) <= 200 else text[:199] + "…",
            (hit,),
            kind=Kind.SOURCE,
            decision=Decision.SOURCE,
            article=ArticleText(
                article["section"], article["title"], article.get("subtitle"), article.get("source"), article["text"]
            )
            if article
            else None,
        )


def _expand(subject: str, terms: dict[str, str]) -> str:
    """涪陵 → 涪陵区 when the corpus knows the place by its full name."""
    if terms.get(subject) in ("place", "person", "unit"):
        return subject
    for suffix in ("区", "县", "市"):
        if terms.get(subject + suffix) == "place":
            return subject + suffix
    return subject


def _subject_in(question: str, terms: dict[str, str], new: str) -> str | None:
    """The place (or person) the previous question was about, of the same kind as the new subject."""
    kind = terms.get(new)
    candidates = sorted(
        (t for t, k in terms.items() if t in question and (kind is None or k == kind) and k in ("place", "person")),
        key=len,
        reverse=True,
    )
    if candidates:
        return candidates[0]
    m = re.search(r"([\u4e00-\u9fff]{2,3}[区县市])(?=委|人大|政府|党史)", question)
    if m:
        return m.group(1)
    m = re.search(r"([\u4e00-\u9fff]{2,3})(?=区委|县委|市委)", question)
    return m.group(1) if m else None
