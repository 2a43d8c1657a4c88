"""What every kind module shares: the span record, the sentence context, word-boundary repair."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from ...model import Kind
from ..lexicon import alternation, gazetteer, lexicon

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question, Slots

HAN = "\u4e00-\u9fff"


@dataclass(frozen=True)
class Found:
    """A typed span a kind module found in a sentence; ``quality`` says how typical its shape is."""

    text: str
    start: int
    end: int
    quality: float  # 0..1, the module's own reading of how well the shape fits the question
    exact: bool = False  # its edges are known (a place cut after the larger place): not widened to words


@dataclass(frozen=True)
class Context:
    sentence: str
    article: str  # the whole article text (dates like 今年 need it)
    issue_date: str | None
    is_lead: bool  # the article's first sentence: bulletins lead with the event date
    snap: Snapshot


class KindModule(Protocol):
    KIND: Kind

    def parse(self, text: str, snap: Snapshot) -> Slots: ...

    def extract(self, q: Question, ctx: Context) -> list[Found]: ...


def anchor_regex(q: Question) -> re.Pattern[str] | None:
    return re.compile(alternation(q.anchors)) if q.anchors else None


def tagged(sentence: str, snap: Snapshot) -> list[tuple[str, str]]:
    """jieba's part-of-speech tags for a sentence, cached per opened index version: the same
    sentences compete for many questions, and tagging is the slowest step of extraction."""
    cache_ = getattr(snap, "_qa_tags", None)
    if cache_ is None:
        cache_ = snap._qa_tags = {}
    tags = cache_.get(sentence)
    if tags is None:
        if len(cache_) > 20000:
            cache_.clear()
        tags = cache_[sentence] = snap.tokenizer.tag(sentence)
    return tags


def word_bounds(sentence: str, snap: Snapshot) -> set[int]:
    """Offsets where a jieba word starts or ends: a span must not cut inside a word (小分|队)."""
    cache = getattr(snap, "_qa_bounds", None)
    if cache is None:
        cache = snap._qa_bounds = {}
    bounds = cache.get(sentence)
    if bounds is None:
        bounds, pos = {0}, 0
        for word in snap.tokenizer.cut(sentence):
            pos += len(word)
            bounds.add(pos)
        if len(cache) > 4096:
            cache.clear()
        cache[sentence] = bounds
    return bounds


def snap_to_words(found: Found, ctx: Context) -> Found:
    """Widen a span to whole words and whole numbers: 「12支党史宣讲小分」 → 「12支党史宣讲小分队」."""
    if found.exact:
        return found
    s, e = found.start, found.end
    sent = ctx.sentence
    bounds = word_bounds(sent, ctx.snap)
    while s > 0 and (s not in bounds or (sent[s - 1].isdigit() and sent[s].isdigit())) and found.start - s < 6:
        s -= 1
    while e < len(sent) and (e not in bounds or (sent[e - 1].isdigit() and sent[e].isdigit())) and e - found.end < 6:
        e += 1
    if (s, e) == (found.start, found.end):
        return found
    text = sent[s:e].strip("，。；、：")
    return Found(text, s, s + len(text), found.quality)


def locate(sentence: str, text: str, quality: float, near: int = 0) -> Found | None:
    """The occurrence of ``text`` in the sentence closest to ``near``."""
    positions = [m.start() for m in re.finditer(re.escape(text), sentence)]
    if not positions:
        return None
    start = min(positions, key=lambda p: abs(p - near))
    return Found(text, start, start + len(text), quality)


def nearest(spans: list[Found], sentence: str, q: Question) -> list[Found]:
    """Spans ordered by distance to the asked verb (or left to right when the verb is absent)."""
    verb = anchor_regex(q)
    m = verb.search(sentence) if verb else None
    if not m:
        return spans
    pos = m.start()
    return sorted(spans, key=lambda sp: min(abs(sp.start - pos), abs(sp.end - pos)))


_OPEN, _CLOSE = "（(《“「『[", "）)》”」』]"


def balanced(found: Found, sentence: str) -> Found:
    """A span with no half of a bracket pair: 「莫克姆（Morecambe」 → 「莫克姆」, 「（今辽宁省」 → 「今辽宁省」."""
    text, start = found.text, found.start
    for _ in range(4):
        depth, cut = 0, None
        for i, ch in enumerate(text):
            if ch in _OPEN:
                if depth == 0:
                    cut = i
                depth += 1
            elif ch in _CLOSE:
                if depth == 0:  # a closer whose opener lies before the span: keep what follows it
                    text, start = text[i + 1 :], start + i + 1
                    break
                depth -= 1
        else:
            if depth and cut is not None:
                text = text[:cut]
            break
    stripped = text.strip("，。；、：:,. ")
    start += text.find(stripped) if stripped else 0
    if (stripped, start) == (found.text, found.start):
        return found
    return Found(stripped, start, start + len(stripped), found.quality)


def without_parenthetical(found: Found) -> Found | None:
    """The span without the gloss in brackets it ends with: 「迪吉脑儿（今辽宁省昌图县）」 → 「迪吉脑儿」."""
    m = re.search(r"[（(][^（()）]*[)）]$", found.text)
    if not m or m.start() < 2:
        return None
    return Found(found.text[: m.start()], found.start, found.start + m.start(), found.quality * 0.9)


def places_in(sentence: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of gazetteer places (country, province, city, county, region), longest first."""
    gaz = gazetteer()
    out, i = [], 0
    while i < len(sentence) - 1:
        for length in range(min(9, len(sentence) - i), 1, -1):
            kind = gaz.get(sentence[i : i + length])
            if kind:
                out.append((i, i + length, kind))
                i += length
                break
        else:
            i += 1
    return out


_QUESTION_STOP = set("的了在是有和与及吗呢什么谁哪里几多少何时候间怎么样为个啊吧？?，。！如何种些")
MAX_CLAUSE = 60
_CONNECTIVE = re.compile(r"^(?:但是|然而|不过|此外|另外|同时|并且|而且|但|而|并|且|又|亦|也|则)")
TYPED_CLAUSE = 0.1  # a clause competing with typed spans: the typed span should win when it is there


def clauses(q: Question, ctx: Context, quality: float = 0.2) -> list[Found]:
    """The clauses of a sentence that shares the question's words, alone and two by two.

    Open questions (为什么, 有什么作用, 怎样) are answered by a clause, not by a name: 「由于…」,
    「用来抑制…」. Only sentences holding a third of the question's characters get them.
    """
    sentence = ctx.sentence
    content = {c for c in q.text if "\u4e00" <= c <= "\u9fff" and c not in _QUESTION_STOP}
    if not content or len(content & set(sentence)) < len(content) / 3:
        return []
    pairs = {q.text[i : i + 2] for i in range(len(q.text) - 1) if set(q.text[i : i + 2]) <= content}
    cuts = [0] + [m.end() for m in re.finditer(r"[，；：,;]", sentence)] + [len(sentence)]
    pieces = [(a, b) for a, b in pairwise(cuts) if b > a]
    out = []
    for i, (a, _) in enumerate(pieces):
        for j in (i, i + 1):
            if j >= len(pieces):
                continue
            b = pieces[j][1]
            text = sentence[a:b].strip("，；：,;。！？ ")
            lead = _CONNECTIVE.match(text)
            if lead and len(text) - lead.end() >= 2:
                text = text[lead.end() :]  # 「但由于…」 answers 「为什么」 from 由于 on
            if 2 <= len(text) <= MAX_CLAUSE and len(text) < len(sentence.strip("。！？ ")):
                if quality <= TYPED_CLAUSE and not any(p in text for p in pairs):
                    continue  # beside typed spans, only a clause that repeats the question's words (生长于海拔…)
                start = a + sentence[a:b].find(text)
                out.append(Found(text, start, start + len(text), quality))
    return out


def titles_re() -> str:
    return alternation(lexicon().titles)


def title_follows(sentence: str, end: int, title: str) -> bool:
    """「王立新任组长」: the title printed right after the name ending at ``end``, alone or after 任/担任/为."""
    return re.match(rf"(?:担任|出任|兼任|任|为)?{re.escape(title)}", sentence[end:]) is not None


@cache
def _wh_regex() -> re.Pattern[str]:
    lex = lexicon()
    words = [w for name in lex.kind_order for w in lex.kinds[name]]
    return re.compile(alternation(words))


def cloze(q: Question, ctx: Context) -> list[Found]:
    """The question read as a sentence with a gap: 「以什么为主线」 matches 「以迎接建党100周年为主线」.

    Bulletin sentences and the questions asked about them share the words around the answer, so the
    text between the question's left and right neighbours of its wh-word is a candidate of any kind.
    """
    m = _wh_regex().search(q.text)
    if not m:
        return []
    left = re.search(rf"[{HAN}“”]*$", q.text[: m.start()]).group(0)  # type: ignore[union-attr]
    right = re.match(rf"[{HAN}“”]*", q.text[m.end() :]).group(0)  # type: ignore[union-attr]
    right = re.sub(r"^(?:个|位|家|所|项|种|部|本|座)", "", right)
    out: list[Found] = []
    for nl, nr in ((3, 3), (2, 2), (2, 1), (1, 2), (3, 0), (0, 3), (1, 1)):
        lt, rt = left[-nl:] if nl else "", right[:nr] if nr else ""
        if len(lt) < nl or len(rt) < nr or len(lt) + len(rt) < 2:
            continue
        gap = r"([^，。；！？]{1,30}?)" if rt else r"([^，。；！？、]{2,12})"
        for mm in re.finditer(re.escape(lt) + gap + re.escape(rt), ctx.sentence):
            text = mm.group(1).strip("“”的了")
            if text and text not in q.text:
                start = mm.start(1) + mm.group(1).find(text)
                out.append(Found(text, start, start + len(text), 0.3 + 0.1 * (nl + nr)))
        if out:
            break
    return out


def join_runs(ordered: list[Found], sentence: str, joiner: str, quality: float | None = None) -> list[Found]:
    """Spans printed one after another with only ``joiner`` between them (8个村、2个社区; 潘志文、张玛莉),
    as one span each run. ``ordered`` is sorted by start; ``quality`` None takes the lower of the ends'."""
    out, i = [], 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and re.fullmatch(joiner, sentence[ordered[j].end : ordered[j + 1].start]):
            j += 1
        if j > i:
            a, z = ordered[i], ordered[j]
            out.append(Found(sentence[a.start : z.end], a.start, z.end, min(a.quality, z.quality) if quality is None else quality))
        i = j + 1
    return out
