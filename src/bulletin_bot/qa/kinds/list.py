"""「哪些」 inside one article: an enumeration (一是…二是…, X、Y、Z) or what the what-module finds."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

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


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence = ctx.sentence
    out: list[Found] = []
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
    for m in re.finditer(r"(?:[^，。；、：:]{2,16}、){1,}[^，。；、：:]{2,16}?(?:等|$|(?=[，。；]))", sentence):
        found = _trim_run(m.group(0).rstrip("等"), m.start())
        if found:
            out.append(found)
    out.extend(what.extract(q, ctx))
    return out


def _trim_run(run: str, start: int) -> Found | None:
    """Cut the words before the first item and after the last (活动分为读党史、…、答党史四个环节):
    items of one list are about as long as each other."""
    items = run.split("、")
    if len(items) < 2:
        return None
    inner = items[1:-1] or [min(items, key=len)]
    width = max(len(i) for i in inner) + 1
    first, last = items[0], items[-1]
    cut = max(0, len(first) - width)
    items[0] = first[cut:]
    items[-1] = last[:width]
    text = "、".join(items)
    return Found(text, start + cut, start + cut + len(text), 0.8)
