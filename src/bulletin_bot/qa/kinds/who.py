"""「谁/哪位」: a person's name (after a title, known to the corpus, or tagged), or a person's role."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...model import Kind
from ..lexicon import alternation, lexicon
from ..slots import Slots
from .base import HAN, Context, Found, tagged, titles_re

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.WHO


def parse(text: str, snap: Snapshot) -> Slots:
    lex = lexicon()
    titles = titles_re()
    title_m = re.search(rf"({titles})(?:是谁|是哪位|叫什么|姓什么|是什么人)", text)
    role_m = (
        title_m
        or re.search(rf"哪(?:位|一位|名)([{HAN}]{{2,3}}?)(?=的|作|进行|在|出席|参加|主持|讲|获|[，。？?]|$)", text)
        or re.search(rf"的([{HAN}]{{2,3}})(?:是谁|是哪位)", text)
    )
    role = role_m.group(1) if role_m else None
    if role in lex.generic_roles:
        role = None
    qualifier = None
    if title_m and role:
        # 「西南大学党委书记是谁」: whose 书记 — the words before the title qualify it.
        head = re.split(rf"[^{HAN}]|的|是|了|在|年|月|日", text[: title_m.start(1)])[-1]
        qualifier = head[:2] if len(head) >= 2 and not re.search(r"哪|谁|什么", head) else None
    m = re.search(rf"(?:谁|哪位|哪一位)+(?:来|又|将)?([{HAN}](?=[了的过着])|[{HAN}]{{2}})", text)
    anchor = m.group(1) if m else None
    if anchor is None:
        act = re.search(alternation(lex.action_verbs), text)
        anchor = act.group(0) if act else None
    person = None
    subject = re.match(rf"^([{HAN}]{{2,4}}?)(?:同志)?是(?:谁|哪位|什么人|什么职务|做什么的)", text)
    if subject and snap.terms.get(subject.group(1)) == "person":
        person = subject.group(1)
    return Slots(anchor=anchor, role=role, person=person, qualifier=qualifier)


def _stop() -> re.Pattern[str]:
    return re.compile(alternation(lexicon().after_name))


def clip_name(sentence: str, start: int) -> str | None:
    """Two- or three-character name: cut before a following verb (莫恭明主持 / 王俊出席)."""
    stop = _stop()
    for length in (3, 2):
        name = sentence[start : start + length]
        rest = sentence[start + length : start + length + 2]
        if len(name) == length and re.fullmatch(rf"[{HAN}]{{{length}}}", name) and (
            not rest or stop.match(rest) or not re.match(rf"[{HAN}]", rest[0])
        ):
            if not stop.search(name):
                return name
    return None


def person_spans(sentence: str, snap: Snapshot) -> list[tuple[int, int, str]]:
    """Names in a sentence: after a title (区委书记王俊), known from the corpus, or tagged by jieba."""
    spans: dict[int, tuple[int, int, str]] = {}
    for m in re.finditer(rf"(?:{titles_re()})([{HAN}]{{2,3}})", sentence):
        name = clip_name(sentence, m.start(1))
        if name:
            spans[m.start(1)] = (m.start(1), m.start(1) + len(name), name)
    pos = 0
    stop = _stop()
    surnames = lexicon().surnames
    for word, flag in tagged(sentence, snap):
        after = sentence[pos + len(word) : pos + len(word) + 2]
        plausible = snap.terms.get(word) == "person" or (
            2 <= len(word) <= 3 and (not after or stop.match(after) or not re.match(rf"[{HAN}]", after[0]))
        )
        if flag == "nr" and plausible and word[0] in surnames and pos not in spans:
            spans[pos] = (pos, pos + len(word), word)
        pos += len(word)
    return sorted(spans.values())


def extract_role(sentence: str, person: str) -> tuple[str, int, int] | None:
    """「潘洵是谁」: the title printed before the name (西南大学党委副书记潘洵)."""
    pos = sentence.find(person)
    if pos <= 0:
        return None
    m = re.search(rf"([{HAN}“”]{{0,20}}(?:{titles_re()})、?)$", sentence[:pos])
    if not m:
        return None
    role = re.split(r"[，。；、]", m.group(1).rstrip("、"))[-1]
    if not role:
        return None
    return f"{role}{person}", pos - len(role), pos + len(person)


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence, slots = ctx.sentence, q.slots
    if slots.person:
        role = extract_role(sentence, slots.person)
        return [Found(role[0], role[1], role[2], 1.0)] if role else []
    found = person_spans(sentence, ctx.snap)
    if slots.role and not re.fullmatch(titles_re(), slots.role):
        # A role the question names (烈士, 宣讲员): the name printed right after it.
        for m in re.finditer(re.escape(slots.role), sentence):
            name = clip_name(sentence, m.end())
            if name:
                found.append((m.end(), m.end() + len(name), name))
    out = []
    for start, end, name in dict.fromkeys(found):
        if name in q.text:
            continue  # the question's own names are not its answer
        before = sentence[max(0, start - 10) : start]
        quality = 0.5
        if slots.role:
            role_before = re.search(rf"(副|常务副)?{re.escape(slots.role)}[、，]?$", before)
            if role_before and role_before.group(1) and not slots.role.startswith("副"):
                quality = 0.1  # 「党委副书记潘洵」 is not the 党委书记
            elif role_before or sentence[end : end + len(slots.role)] == slots.role:
                quality = 1.0
            else:
                quality = 0.2
        elif slots.anchor and slots.anchor in sentence[end : end + 6]:
            quality = 0.95  # 「何远主持会议」 answers 「谁主持」
        elif re.search(rf"(?:{titles_re()})$", before):
            quality = 0.7
        out.append(Found(name, start, end, quality))
    return out
