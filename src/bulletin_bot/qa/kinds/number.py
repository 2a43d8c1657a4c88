"""「多少/几」: a number with its classifier (12支, 426处, 两到三枚), and its noun where printed next to it."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from ...model import Kind
from ..lexicon import alternation, lexicon
from ..slots import Slots
from .base import HAN, TYPED_CLAUSE, Context, Found, clauses, join_runs, tagged

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.NUMBER
CN_NUM = "零〇一二两三四五六七八九十百千万亿"
_WH = r"多少|几|多大|多长|多高|多久|多远|多重|多深|多宽"


VALUE = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|[{CN_NUM}]+"  # 6,476 · 1750.33 · 两


@cache
def number_re() -> re.Pattern[str]:
    """A count or measure: 12支, 约15至20厘米, 100米至2,800米, 5~32公里, 十多个, 30亿越南盾, 1.601 km²."""
    lex = lexicon()
    unit = rf"(?:{alternation(lex.classifiers)}|%|％)"
    latin = rf"\s?(?:{alternation(lex.latin_units)})(?![A-Za-z])"
    scale = r"(?:多|余)?(?:万|千|百|亿)*(?:多|余)?"
    marks = alternation(lex.range_marks)
    return re.compile(
        rf"(?:{alternation(lex.number_prefixes)})?(?:{VALUE}){scale}(?:{unit})?(?:(?:{marks})(?:{VALUE}))?{scale}"
        rf"(?:{unit}|{latin})"
    )


@cache
def bare_re() -> re.Pattern[str]:
    """A number printed with no unit (首集收视率为7.07, 出资5000万): a weaker candidate."""
    marks = alternation(lexicon().range_marks)
    return re.compile(rf"(?<![\d.,A-Za-z])(?:{VALUE})(?:万|千|百|亿)*(?:(?:{marks})(?:{VALUE})(?:万|千|百|亿)*)?(?:余|多)?(?![\d.,])")


_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z]{0,7}-?\d+[A-Za-z0-9]*(?![A-Za-z0-9])")  # L5, A380, POWER6


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
    if not noun:
        # 「服务站建了多少个」, 「定价是多少」: the noun comes before the verb and the wh-word.
        head = re.sub(r"(?:是|有|为|共|一共|总共|达|达到|约|增加到|增加至|增至|到|至|分为|分|了)+$", "", text[: m.start()])
        if classifier is not None:
            head = re.sub(r"(?:建|办|发|收|花|用|卖|捐|种|招|派|开|设|评|选|搞|弄)$", "", head)
        head = re.split(rf"[^{HAN}]|的|把|将|了|在|给", head)[-1]
        # 「提案一共立案多少件」: after the adverb comes the act (立案), before it the noun (提案).
        adverb = re.search(rf"(?:一共|总共|累计|先后|共|都|已经|已)(?=[{HAN}]{{2,3}}$)", head)
        if adverb and adverb.start() >= 2:
            anchor, head = head[adverb.end() :], head[: adverb.start()]
        head = re.sub(r"^(?:今年|去年|明年|当年|全年|目前|现在|至今)", "", head)
        noun = head[-4:] if classifier is None or len(head) >= 2 else noun
    elif anchor is None:
        head = re.sub(r"(?:一共|总共|共|累计|都|已经|已|了|过|约|大概|一年)+$", "", text[: m.start()])
        verb = re.search(rf"([{HAN}]{{2}})$", head)
        anchor = verb.group(1) if verb else None
    if classifier is None and re.search(r"(?:率|比例|比重|占比|百分比)(?:是|为|达到|有)?(?:多少|几)", text):
        classifier = "%"  # 「办复率是多少」 is answered by 88.2%, not by the counts beside it
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
        return not any(found in g for g in groups if "元" in g or "年" in g)  # money and time groups
    return False


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence, slots = ctx.sentence, q.slots
    ordinal = "第几" in q.text or "第多少" in q.text
    duration = re.search(r"多长时间|多久|多少年|几年|多长", q.text) is not None
    out = []
    taken: list[tuple[int, int]] = []
    for m in number_re().finditer(sentence):
        text = m.group(0)
        digits = re.sub(rf"[^0-9{CN_NUM}]", "", text)
        if not digits:
            continue
        if not re.search(r"\d", digits) and (digits[:1] in "百千万亿" or (text.endswith("年") and not duration)):
            continue  # Chinese numerals are often words, not counts: 百年, 千家万户
        if re.match(r"(?:1[6-9]|20)\d\d年", text) and not duration:
            continue  # 2019年度, 2020年: a year dates something, it counts nothing
        start, end = m.start(), m.end()
        if start > 0 and sentence[start - 1] == "第":
            if not ordinal:
                continue  # 第4次 is an ordinal, not a count
            start -= 1  # 「第几名」 is answered by 第3名
        taken.append((start, end))
        quality = 0.5 if compatible(slots.classifier, _counter(text)) else 0.1
        if ordinal:
            quality = 0.8 if sentence[start] == "第" else 0.1
        if digits == "一" and not slots.classifier:
            quality = 0.15  # 一项, 一名: usually an article, not a count
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
        # 「每平方公里69670人」: a rate is printed with its 每-unit before the number.
        per = re.search(rf"每(?:{alternation(lexicon().classifiers)})$", sentence[max(0, start - 6) : start])
        if per:
            s0 = start - len(per.group(0))
            out.append(Found(sentence[s0:end], s0, end, min(quality, 1.0)))
    out.extend(_runs(out, sentence))
    for m in bare_re().finditer(sentence):
        if any(s <= m.start() < e for s, e in taken) or re.match(r"[年月日号]", sentence[m.end() : m.end() + 1]):
            continue
        text = m.group(0)
        if not re.search(r"\d", text) and len(text) < 2:
            continue  # a lone 一 or 三 is a word more often than a number
        noun = slots.noun or ""
        if noun and sentence[m.end() : m.end() + len(noun)] == noun:
            # 「5万余党员」 for 多少党员: a count printed with its noun and no counter
            out.append(Found(text, m.start(), m.end(), 0.6))
            out.append(Found(text + noun, m.start(), m.end() + len(noun), 0.55))
            continue
        out.append(Found(text, m.start(), m.end(), 0.2))
        unit = _next_word(sentence, m.end(), ctx)
        if unit:  # 30亿越南盾, 101发: a unit the lexicon does not list, read as jieba's next word
            out.append(Found(text + unit, m.start(), m.end() + len(unit), 0.3))
    if re.search(r"多少|几|号|代码|编号|型号|代号", q.text):
        out.extend(Found(m.group(0), m.start(), m.end(), 0.3) for m in _CODE.finditer(sentence))
    if re.search(r"比例|比率|比分|比数|比是", q.text):
        out.extend(Found(m.group(0), m.start(), m.end(), 0.6) for m in re.finditer(r"\d+(?:\.\d+)?\s?[:：比]\s?\d+(?:\.\d+)?", sentence))
    if duration:
        from .when import printed  # 「花期约是多久」: 1-3月

        out.extend(printed(sentence))
    out.extend(clauses(q, ctx, TYPED_CLAUSE))  # 「生长于海拔100米至2,800米的地区」 as annotators mark it
    return out


def _runs(found: list[Found], sentence: str) -> list[Found]:
    """Counts printed one after another (8个村、2个社区; 运动员9人，教练4人) answer 「几个村和社区」 together."""
    return join_runs(sorted(found, key=lambda f: f.start), sentence, r"[、和与及]|以及")


def _next_word(sentence: str, at: int, ctx: Context) -> str | None:
    """The jieba word right after offset ``at`` when it is a short noun or measure word."""
    pos = 0
    for word, flag in tagged(sentence, ctx.snap):
        if pos == at:
            if 1 <= len(word) <= 3 and re.fullmatch(rf"[{HAN}]+", word) and flag[:1] in ("q", "n", "m"):
                return word
            return None
        if pos > at:
            return None
        pos += len(word)
    return None
