"""「哪里/在哪」: the place after 在/于/位于 and before the event verb (在重庆图书馆举行), or a known place."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...model import Kind
from ..lexicon import alternation, lexicon
from ..slots import Slots
from .base import HAN, Context, Found

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.WHERE


def parse(text: str, snap: Snapshot) -> Slots:
    m = re.search(rf"([{HAN}]{{2}})了?(?:哪里|何地|何处|什么地方|哪个地方)", text)
    anchor = m.group(1) if m else None
    if anchor and anchor.startswith("在"):
        anchor = None
    if anchor is None:
        m = re.search(rf"(?:在|去|到)(?:哪里|何地|何处|什么地方|哪个地方)([{HAN}]{{2}})", text)
        anchor = m.group(1) if m else None
    return Slots(anchor=anchor)


def extract(q: Question, ctx: Context) -> list[Found]:
    lex = lexicon()
    sentence = ctx.sentence
    before = alternation(lex.place_before)
    events = alternation(lex.place_events)
    out: list[Found] = []
    for m in re.finditer(rf"(?:{before})([^，。；在于]{{2,24}}?)(?:{events})", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.9))
    for m in re.finditer(r"(?:位于|坐落于|地处|设在)([^，。；]{2,24})", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.9))
    for m in re.finditer(rf"(?:赴|到|前往|走进|来到)([{HAN}]{{2,12}}?(?:{alternation(lex.place_endings)}))", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.7))
    # 「李成栋是哪里人」: a place name printed before 人; a corpus place anywhere in the sentence.
    for m in re.finditer(rf"([{HAN}]{{2,8}}?(?:{alternation(lex.place_endings)}|))人(?=[，。；、）)]|$)", sentence):
        if re.search(r"哪里人|什么地方人", q.text) and len(m.group(1)) >= 2:
            out.append(Found(m.group(1), m.start(1), m.end(1), 0.8))
    terms = ctx.snap.terms
    for i in range(len(sentence)):
        for j in range(i + 2, min(len(sentence), i + 8) + 1):
            term = sentence[i:j]
            if terms.get(term) == "place" and term not in q.text:
                out.append(Found(term, i, j, 0.4))
    return out
