"""「哪里/在哪」: the place after 在/于/位于 and before the event verb (在重庆图书馆举行), or a known place."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from ...model import Kind
from ..lexicon import alternation, lexicon
from ..slots import Slots
from .base import (
    HAN,
    TYPED_CLAUSE,
    Context,
    Found,
    balanced,
    clauses,
    places_in,
    tagged,
    without_parenthetical,
    word_bounds,
)

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.WHERE


_WH = r"(?:哪里|何地|何处|什么地方|哪个地方)"
_PREPOSITION = "在于到去"


def parse(text: str, snap: Snapshot) -> Slots:
    lex = lexicon()
    # 「在哪个村」, 「哪家会议室」: the kind of place asked for; the answer ends in it (…仙潭村).
    ending = re.search(rf"哪(?:个|一个|家|座|所|间)({alternation(lex.place_endings)})", text)
    noun = ending.group(1) if ending else None
    wh = rf"(?:{_WH}|哪(?:个|一个|家|座|所|间)(?:{alternation(lex.place_endings)}))"
    m = re.search(rf"([{HAN}]{{2}})了?{wh}", text)
    anchor = m.group(1) if m else None
    if anchor and (anchor[0] == "在" or anchor[-1] in _PREPOSITION or re.search("[的是了]", anchor)):
        anchor = None  # 「常委会在哪里开的」: 会在 is no verb; the act follows the place
    if anchor is None:
        m = re.search(rf"[{_PREPOSITION}]{wh}([{HAN}](?=[的了呢啊吗？?。]|$)|[{HAN}]{{2}})", text)
        anchor = m.group(1) if m else None
    return Slots(anchor=anchor, noun=noun)


def asked(text: str) -> str | None:
    """What kind of place the question asks for: country, province, city, origin (X人) or work (《》)."""
    for kind, words in lexicon().asked_place.items():
        if re.search(alternation(words), text):
            return kind
    return None


def extract(q: Question, ctx: Context) -> list[Found]:
    lex = lexicon()
    sentence = ctx.sentence
    before = alternation(lex.place_before)
    events = alternation(lex.place_events)
    wanted = asked(q.text)
    out: list[Found] = []
    for m in re.finditer(rf"(?:{before})([^，。；在于]{{2,24}}?)(?:{events})", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.9))
    for m in re.finditer(r"(?:位于|坐落于|地处|设在)([^，。；]{2,24})", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.9))
    ending = rf"[{HAN}]{{2,12}}?(?:{alternation(lex.place_endings)})"  # a name that ends as places do
    for m in re.finditer(rf"(?:赴|到|前往|走进|来到)({ending})", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.7))
    # 「在屏都街道、黄田镇新设2个分馆」: after 在, such names, a list of them one answer.
    for m in re.finditer(rf"在({ending}(?:[、和及与]{ending})*)", sentence):
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.75))
    # 「生于乌拉圭蒙得维的亚」, 「原产于巴西」, 「栖息在南亚的…」: the object of a place verb, whole and cut
    # at its first 、/的 (the list or the noun it qualifies is often more than was asked).
    # The asked verb takes a place only when it is no event verb (召开 takes the meeting, not the venue).
    event_verbs = set(lex.place_events) | {"开", "搞"}
    verbs = list(lex.place_verbs) + ([] if event_verbs & set(q.anchors) else list(q.anchors))
    for m in re.finditer(rf"(?:{alternation(verbs)})(?:于|在|自|至|到)?", sentence):
        tail = re.match(r"[^，。；！？：,;]{1,40}", sentence[m.end() :])
        if not tail:
            continue
        text = tail.group(0)
        out.append(Found(text, m.end(), m.end() + len(text), 0.55))
        bounds = word_bounds(sentence, ctx.snap)
        cut = next(
            (c.start() for c in re.finditer(r"、|的|及|和|与|以及|之间|等", text)
             if m.end() + c.start() in bounds and m.end() + c.end() in bounds),
            len(text),
        )  # only where the joint is a word of its own: 蒙得维的亚 keeps its 的
        if 2 <= cut < len(text):
            out.append(Found(text[:cut], m.end(), m.end() + cut, 0.6))
    # 「李成栋是哪里人」: a place name printed before 人 (山西人), with and without the 人.
    origin = wanted == "origin" or re.search(r"(?:哪里|哪儿|什么地方|何处|何地)的?人", q.text)
    for m in re.finditer(rf"([{HAN}]{{2,8}}?(?:{alternation(lex.place_endings)}|))人(?=[，。；、）)]|$)", sentence):
        if origin and len(m.group(1)) >= 2:
            out.append(Found(m.group(1), m.start(1), m.end(1), 0.8))
            out.append(Found(m.group(0), m.start(1), m.end(), 0.8))
    # Known places (a country, province or city list, and the corpus's own places): a run of adjacent
    # ones is one place (美国德克萨斯州); the one of the asked type scores higher (哪个国家 → 美国).
    places = places_in(sentence)
    run: list[tuple[int, int, str]] = []
    for start, end, kind in places + [(10**9, 10**9, "")]:
        if run and start != run[-1][1]:
            if len(run) > 1:
                out.append(Found(sentence[run[0][0] : run[-1][1]], run[0][0], run[-1][1], 0.6))
            run = []
        if kind:
            run.append((start, end, kind))
            name = sentence[start:end]
            if name in q.text:
                continue
            quality = 0.85 if wanted == kind else 0.5 if wanted in (None, "origin") else 0.3
            out.append(Found(name, start, end, quality))
            if origin and sentence[end : end + 1] == "人":
                out.append(Found(name + "人", start, end + 1, 0.85))
    terms = ctx.snap.terms
    for i in range(len(sentence)):
        for j in range(i + 2, min(len(sentence), i + 8) + 1):
            term = sentence[i:j]
            if terms.get(term) == "place" and term not in q.text:
                out.append(Found(term, i, j, 0.4))
    pos = 0
    for word, flag in tagged(sentence, ctx.snap):
        if flag == "ns" and len(word) >= 2 and word not in q.text:
            out.append(Found(word, pos, pos + len(word), 0.35))
        pos += len(word)
    if q.slots.noun in _ADMINISTRATIVE:  # short names (仙潭村); venues (…3号楼第一会议室) come whole above
        asked_in = (*q.entities, *_places_named(q.text))
        out.extend(_ending_in(sentence, q.slots.noun, asked_in, tagged(sentence, ctx.snap)))
    if wanted == "work":
        # 「在哪部电影中首度担当女主角」 asks for a title, not a place.
        out.extend(Found(m.group(0), m.start(), m.end(), 0.8) for m in re.finditer(r"《[^《》]{1,60}》", sentence))
    out.extend(clauses(q, ctx, TYPED_CLAUSE))  # 「原生于巴西」, 「效力意大利中下游球会热那亚」
    return _tidy(out, sentence)


@cache
def _places_named(question: str) -> tuple[str, ...]:
    return tuple(question[a:b] for a, b, _ in places_in(question))


def _ending_in(sentence: str, noun: str, places: tuple[str, ...], tags: list[tuple[str, str]]) -> list[Found]:
    """「哪个村」: each place printed with that ending, from where the larger place before it ends
    (德清县莫干山镇仙潭村 → 仙潭村) or a list joint (鲁家村、余村); the one inside a larger place the
    question names (「在德清县…哪个村」) first."""
    out = []
    acts, bounds, pos = [], {0}, 0  # where verbs and pronouns are: 「他带领村“两委”」 names no village
    for word, flag in tags:
        if flag[:1] in ("v", "r", "p", "d", "t", "c", "u", "a"):
            acts.append((pos, pos + len(word)))
        pos += len(word)
        bounds.add(pos)
    for m in re.finditer(re.escape(noun), sentence):
        start = m.start()
        if start > 0 and sentence[start - 1] in "本全各该此每":
            continue  # 「带动本村」: this village, no name
        while start > max(0, m.start() - 6) and re.match(rf"[{HAN}]", sentence[start - 1]) and sentence[start - 1] not in _NOT_IN_NAME:
            start -= 1
        after = sentence[m.end() : m.end() + 1]
        # Not 农村 of 农业农村局; but 万州区 of 万州区委 is the place of its party committee.
        committee = sentence.startswith("委", m.end()) or (noun in _ADMINISTRATIVE[:6] and sentence.startswith(("政府", "人大", "政协"), m.end()))
        ends = committee or (m.end() in bounds and after not in _ORG_AFTER)
        worded = any(a < m.start() and start < b for a, b in acts)
        if start < m.start() and ends and not worded and not _SCOPE.match(sentence[start : m.end()]):
            chain = re.split(r"[、，；和及与]", sentence[max(0, start - 12) : start])[-1]
            inside = any(p in chain for p in places)
            out.append(Found(sentence[start : m.end()], start, m.end(), 0.9 if inside else 0.8, exact=True))
    return out


_ADMINISTRATIVE = ("省", "市", "区", "县", "镇", "乡", "村", "街道", "社区")
_ORG_AFTER = set("局委办部厅处科室所站院馆组")
_NOT_IN_NAME = set("、和及与的在了到赴于省市县区镇乡")
_SCOPE = re.compile(r"^(?:全|各|本|该|多个|部分)(?:省|市|区|县|镇|乡|村|街道|社区|国|地)")


def _tidy(found: list[Found], sentence: str) -> list[Found]:
    """Whole brackets only, and each span once more without the gloss it ends with (迪吉脑儿（今…）)."""
    out: dict[tuple[int, int], Found] = {}
    for f in found:
        f = balanced(f, sentence)
        if _SCOPE.match(f.text):
            f = replace(f, quality=f.quality * 0.3)  # 「在全县开展」 says how widely, not where
        if len(f.text) < 1:
            continue
        for g in (f, without_parenthetical(f)):
            if g is not None and (g.start, g.end) not in out or (g is not None and g.quality > out[(g.start, g.end)].quality):
                out[(g.start, g.end)] = g
    return list(out.values())
