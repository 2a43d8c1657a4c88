"""「哪些」 inside one article: an enumeration (一是…二是…, X、Y、Z) or what the what-module finds."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...ingest.text import cn_int
from ...model import Kind
from ..slots import Slots
from . import what
from .base import Context, Found

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.LIST


def parse(text: str, snap: Snapshot) -> Slots:
    return what.parse(text, snap)


_COUNTER = r"(?:个|大|家|项|种|类|位|名|人|所|条|方面|支|批|处|件|场|点|句|字|单元|环节)"
_COUNT = rf"(?:\d+|[一二两三四五六七八九十]{{1,2}}){_COUNTER}"
# Words that introduce the items of a list printed after them (分为A、B、C; 查看了A、B).
_INTRO = re.compile(r"分为|分成|包括|包含|涵盖|具备|具有|设有|查看了|走访了|评出|评选出|授予|有|为|是|即|[：:]")


def asked_count(question: str) -> int | None:
    """「哪四个环节」, 「三个结合是什么」: how many items the question expects."""
    m = re.search(rf"哪(\d+|[一二两三四五六七八九十]{{1,2}}){_COUNTER}", question) or re.search(
        rf"(\d+|[一二两三四五六七八九十]{{1,2}}){_COUNTER}[^，。？]{{0,8}}(?:是什么|有哪些|分别是|具体是|包括什么|指什么)", question
    )
    return cn_int(m.group(1)) if m else None


def _agree(found: Found, items: int, asked: int | None) -> Found:
    """A list with as many items as the question asks for is the list it means."""
    if asked is None:
        return found
    quality = min(found.quality + 0.2, 1.0) if items == asked else found.quality * 0.6
    return Found(found.text, found.start, found.end, quality)


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence = ctx.sentence
    asked = asked_count(q.text)
    out: list[Found] = []
    # “建设起步”“改革春潮”“跨越发展”: quoted items printed one after another.
    for m in re.finditer(r"(?:“[^“”]{1,24}”[、，和及与]?){2,}", sentence):
        run = m.group(0).rstrip("、，和及与")
        out.append(_agree(Found(run, m.start(), m.start() + len(run), 0.85), run.count("“"), asked))
    # 《A》和《B》: titles printed one after another are the documents asked for together.
    for m in re.finditer(r"(?:《[^《》]{1,60}》(?:、|和|及|与|以及)?){2,}", sentence):
        run = re.sub(r"(?:、|和|及|与|以及)$", "", m.group(0))
        out.append(_agree(Found(run, m.start(), m.start() + len(run), 0.85), run.count("《"), asked))
    # 「重点做到“三个着力”：着力推进…，着力筑牢…，着力提升…」: the items follow the count and a colon.
    for m in re.finditer(rf"{_COUNT}[^，。；：:]{{0,10}}[：:]([^。]{{4,240}})", sentence):
        body = m.group(1).rstrip("。；，")
        items = len(re.split(r"[，；、]", body))
        if items >= 2:
            out.append(_agree(Found(body, m.start(1), m.start(1) + len(body), 0.8), items, asked))
    items = list(re.finditer(r"[一二三四五六七八九十]是([^。；，]{2,20})", sentence))
    if len(items) >= 2:
        out.append(Found("、".join(m.group(1) for m in items), items[0].start(), items[-1].end(), 1.0))
    elif sentence.find("一是") >= 0:
        # 「三个特点：一是领导有力。二是工作有方。三是…」: the items run on over the next sentences.
        at = ctx.article.find(sentence[sentence.find("一是") :][:8])
        run = re.findall(r"[一二三四五六七八九十]是([^。；，]{2,20})", ctx.article[at : at + 600]) if at >= 0 else []
        if len(run) >= 2:
            s0 = sentence.find("一是")
            out.append(Found("、".join(run), s0, len(sentence), 0.9))
    # X、Y、Z: a run of 、-separated items is the list itself.
    for m in re.finditer(r"(?:[^，。；、：:]{2,24}、){1,}[^，。；、：:]{2,24}?(?:等|$|(?=[，。；]))", sentence):
        for at, run in _split_at_outlier(m.group(0).rstrip("等"), m.start()):
            found = _trim_run(run, at, q.text)
            noun = q.slots.noun or ""
            if found and len(noun) >= 2 and noun[-2:] in sentence[found.end : found.end + len(noun) + 3]:
                found = Found(found.text, found.start, found.end, min(found.quality + 0.1, 1.0))  # 「…天麻等中药材」: the asked kind of item
            if found:
                out.append(_agree(found, found.text.count("、") + 1, asked))
    # What the what-module finds (one unit, one title) is a single item: below a whole list.
    out.extend(Found(f.text, f.start, f.end, f.quality * 0.7) for f in what.extract(q, ctx))
    return out


def _split_at_outlier(run: str, start: int) -> list[tuple[int, str]]:
    """Two lists joined by one long item (石门乡、柳坪乡、双河镇3个乡镇420余户农户种植黄精、白及、重楼):
    the long item ends the first list and starts the second, each trimmed as a run of its own."""
    items = run.split("、")
    if len(items) >= 4:
        typical = sorted(len(i) for i in items)[len(items) // 2]
        for k in range(1, len(items) - 1):
            if len(items[k]) >= max(8, 3 * typical):
                second = sum(len(i) + 1 for i in items[:k])
                return [(start, "、".join(items[: k + 1])), (start + second, "、".join(items[k:]))]
    return [(start, run)]


def _trim_run(run: str, start: int, question: str = "") -> Found | None:
    """Cut the words before the first item and after the last (活动分为读党史、…、答党史四个环节).

    Before the first item: up to the word that introduces the list (分为, 包括, 查看了), else to about
    the other items' length. After the last: before a count of the items (四个环节, 4家单位) or 等,
    else to about the other items' length: items of one list are about as long as each other.
    """
    items = run.split("、")
    if len(items) < 2:
        return None
    inner = items[1:-1] or [min(items, key=len)]
    width = max(len(i) for i in inner) + 1
    first, last = items[0], items[-1]
    intro = [m.end() for m in _INTRO.finditer(first) if len(first) - m.end() >= 2]
    # The question's own words introduce the items (要做好哪三项工作 → 要求做好|征集、研究、编纂).
    intro += [i + 2 for i in range(len(first) - 3) if first[i : i + 2] in question]
    # 「即有机构、有编制、有人员」: an introducer the other items start with too is part of the first.
    intro = sorted(k for k in intro if not all(i.startswith(first[k - 1 : k]) for i in items[1:]))
    if intro and len(first) - intro[-1] <= width + 4:
        cut = intro[-1]
    else:  # the run starts its clause: a first item up to twice the others' length is whole (区退役军人事务局、区教育局)
        cut = 0 if len(first) <= 2 * width else len(first) - width
    while cut < len(first) - 2 and first[cut] in "以在对把将从向与和及就":
        cut += 1  # a preposition before the first item is not part of it (以专题党课、微宣讲)
    items[0] = first[cut:]
    count = re.search(rf"(?:等)?{_COUNT}", last[1:])
    items[-1] = (last[: count.start() + 1] if count else last[:width]).removesuffix("等")
    text = "、".join(items)
    return Found(text, start + cut, start + cut + len(text), 0.8)
