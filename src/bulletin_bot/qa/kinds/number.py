"""「多少/几」: a number with its classifier (12支, 426处, 两到三枚), and its noun where printed next to it."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from ...model import Kind
from ..lexicon import alternation, lexicon
from ..slots import Slots
from .base import HAN, Context, Found

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.NUMBER
CN_NUM = "零〇一二两三四五六七八九十百千万亿"
_WH = r"多少|几|多大|多长|多高|多久|多远|多重|多深|多宽"


@cache
def number_re() -> re.Pattern[str]:
    lex = lexicon()
    value = rf"(?:\d+(?:\.\d+)?|[{CN_NUM}]+)"
    return re.compile(
        rf"(?:{alternation(lex.number_prefixes)})?{value}(?:(?:到|至|-|～|~|—){value})?"
        rf"(?:多|余)?(?:万|千|百|亿)?(?:多|余)?(?:{alternation(lex.classifiers)}|%|％)"
    )


def parse(text: str, snap: Snapshot) -> Slots:
    m = re.search(rf"(?:{_WH})(?P<c>{alternation(lexicon().classifiers)})?(?P<n>[{HAN}]{{0,6}})", text)
    if not m:
        return Slots()
    classifier = m.group("c")
    after = m.group("n")
    # The noun is what follows the classifier up to a verb or particle (多少个党组织参与 → 党组织);
    # 「定价是多少」 puts it first.
    cut = re.search(r"参与|参加|获得|获|组织|举办|开展|出席|收到|发放|征集|出版|收录|采访|编纂|分为|安排|增加|由|被|在|是|有|的|了|？", after)
    noun = after[: cut.start()] if cut else after
    anchor = cut.group(0) if cut and len(cut.group(0)) >= 2 else None
    if not noun and classifier is None:
        head = re.sub(r"(?:是|有|为|共|一共|总共|达|达到|约|增加到|增加至|增至|到|至|分为|分|了)+$", "", text[: m.start()])
        head = re.split(rf"[^{HAN}]|的|把|将|了|在|给", head)[-1]
        noun = head[-4:]
    elif anchor is None:
        head = re.sub(r"(?:一共|总共|共|累计|都|已经|已|了|过|约|大概|一年)+$", "", text[: m.start()])
        verb = re.search(rf"([{HAN}]{{2}})$", head)
        anchor = verb.group(1) if verb else None
    if classifier is None and re.search(alternation(lexicon().money), text):
        classifier = "元"  # 「卖了多少钱」 is answered by 320万元
    return Slots(anchor=anchor, noun=noun if len(noun or "") >= 2 else None, classifier=classifier)


def _counter(text: str) -> str:
    m = re.search(rf"({alternation(lexicon().classifiers)}|%|％)$", text)
    return m.group(1) if m else ""


def compatible(asked: str | None, found: str) -> bool:
    """Whether a number printed with counter ``found`` can answer 「几/多少 + asked」."""
    if not asked or asked == found or found.endswith(asked):
        return True
    groups = lexicon().counter_groups
    if any(asked in g and found in g for g in groups):
        return True
    if asked == "个":  # the generic counter: any count, but not a year, a duration or money
        return not any(found in g for g in groups[3:])
    return False


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence, slots = ctx.sentence, q.slots
    out = []
    for m in number_re().finditer(sentence):
        text = m.group(0)
        digits = re.sub(rf"[^0-9{CN_NUM}]", "", text)
        if not re.search(r"\d", digits) and (digits[:1] in "百千万亿" or text.endswith("年")):
            continue  # Chinese numerals are often words, not counts: 百年, 千家万户
        if m.start() > 0 and sentence[m.start() - 1] == "第":
            continue  # 第4次 is an ordinal, not a count
        quality = 0.5 if compatible(slots.classifier, _counter(text)) else 0.1
        if digits == "一" and not slots.classifier:
            quality = 0.15  # 一项, 一名: usually an article, not a count
        start, end = m.start(), m.end()
        noun = slots.noun or ""
        if noun:
            if noun in sentence[end : end + len(noun) + 6] or noun in sentence[max(0, start - len(noun) - 6) : start]:
                quality += 0.4
            elif noun[-2:] in sentence[end : end + 10] or noun[-2:] in sentence[max(0, start - 10) : start]:
                quality += 0.25
            if sentence[end : end + len(noun)] == noun:
                end += len(noun)  # 「12支党史宣讲小分队」: the count with its noun reads as an answer
        if slots.classifier and text.endswith(slots.classifier):
            quality += 0.1
        out.append(Found(sentence[start:end], start, end, min(quality, 1.0)))
    return out
