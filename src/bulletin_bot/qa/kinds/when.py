"""「何时/哪天/什么时候」: a date, completed from the issue date (12月18日 in a January issue → last year)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...dates import DATE_PATTERNS, resolve_date
from ...model import Kind
from ..slots import Slots
from .base import HAN, TYPED_CLAUSE, Context, Found, anchor_regex, clauses, tagged

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.WHEN
_WH = r"何时|什么时候|什么时间|哪天|哪一天|哪一年|哪年|哪个月|哪月|几月几日|几月几号|几月|几日|几号"


def parse(text: str, snap: Snapshot) -> Slots:
    # The verb right after the wh-word (何时召开), else the last verb of the question (…是哪天举行的).
    m = re.search(rf"(?:{_WH})+(?:来|又|将|在)?([{HAN}](?=[了的过着])|[{HAN}]{{2}})", text)
    if m:
        return Slots(anchor=m.group(1))
    rest = re.sub(rf"(?:是)?(?:{_WH})", "", text)
    # 「持续到什么时候」: the verb is 持续; 到 only says that its end is asked (ASKS_END).
    m = re.search(rf"([{HAN}]{{2}})(?:到|至)?(?:的|了)?(?:时间|日期)?(?:为止)?[？?]?$", rest)
    return Slots(anchor=m.group(1) if m else None)


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence = ctx.sentence
    found: list[tuple[int, int, str, int]] = []  # start, end, value, precision (3 day, 2 month, 1 year)
    taken: list[tuple[int, int]] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value = resolve_date(m, ctx.issue_date, ctx.article)
            if value:
                g = m.groupdict()
                precision = 3 if g.get("d") else 2 if g.get("m") else 1
                found.append((m.start(), m.end(), value, precision))
                taken.append((m.start(), m.end()))
    verb = anchor_regex(q)
    asked = asked_precision(q.text)
    asks_end = bool(ASKS_END.search(q.text)) and not re.search(r"从|起止|哪几天|期间|多长时间|多久", q.text)
    out = []
    for start, end, value, precision in sorted(found):
        if verb and verb.search(sentence[end : end + 12]):
            quality = 1.0  # 「将于2021年6月结项」: the date right before the asked verb
        elif verb and re.search(rf"(?:{verb.pattern})(?:到|至|于|在)?$", sentence[max(0, start - 8) : start]):
            quality = 1.0  # 「活动将持续至6月13日」: the date right after it
        elif start <= 2 and precision >= 2:
            quality = 0.9 if ctx.is_lead else 0.8  # bulletins lead with the event date
        else:
            quality = 0.25 * precision
        if precision == 1 and _names_a_thing(sentence, end, ctx):
            quality = min(quality, 0.2)  # 「举办2024年退役军人专场招聘会」: the year names the event, it does not date it
        if ends_period(sentence, start) and asks_end:
            quality = max(quality, 0.95)  # 「持续到什么时候」: the end of 5月13日至6月13日
        elif asks_end and _UNTIL.match(sentence, end):
            quality *= 0.5  # …and not its start
        elif ends_period(sentence, start) and ASKS_START.search(q.text):
            quality *= 0.5  # 「什么时候开始」: the start of the period, not its end
        if asked and precision < min(asked, 3):
            quality *= 0.3  # 「哪天开的」 is not answered by 2024年 (of 「2024年全体会议」)
        elif asked == 4 and not re.search(r"\d{1,2}\s?[:：点时]|上午|下午|中午|晚上|凌晨|早上", sentence[end : end + 12]):
            quality *= 0.3  # 「几点开门」, 「上午还是下午」 are not answered by a day
        # The resolved value (with its year) is the answer; offsets mark what the sentence prints.
        out.append(Found(value, start, end, quality))
        period = _UNTIL.match(sentence, end)
        if period:  # 「9月26日至10月31日」: asked 从哪天到哪天, the whole period is the answer
            whole = min(quality + 0.05, 1.0) if _ASKS_PERIOD.search(q.text) else quality * 0.8
            out.append(Found(value + sentence[end : period.end()].strip(), start, period.end(), whole))
        before = re.match(r"(?:之前|以前|前)", sentence[end : end + 2])
        if before and re.search(r"最晚|最迟|截止|期限|之前|以前|前", q.text):
            out.append(Found(value + before.group(0), start, end + before.end(), min(quality + 0.05, 1.0)))
    out.extend(printed(sentence))
    if re.search(r"多长时间|多久|多少年|几年|多少天|几天|多少个月|几个月|多长", q.text):
        from . import number  # 「有效期是多长时间」 is answered by a duration (二十年)

        out.extend(number.extract(q, ctx))
    out.extend(clauses(q, ctx, TYPED_CLAUSE))  # 「2017年3月5日大鲁阁草衙道店结束经营后」
    return out


_RANGE = r"(?:至|到|-|－|–|—|～|~)"  # the marks that join the two ends of a printed period
_UNTIL = re.compile(rf"\s?{_RANGE}\s?(?:\d{{4}}年)?(?:\d{{1,2}}月)?\d{{1,2}}[日号]")


# The end of a period is asked: 「开放到哪天为止」, 「持续到什么时候」, 「哪天结束」, 「截至什么时候」.
ASKS_END = re.compile(r"(?:到|至)(?:什么时候|哪天|哪一天|何时|几月几[日号]|几号|哪个月)|为止|截止|截至|结束|闭幕|最晚|最迟")


ASKS_START = re.compile(r"开始|启动|开幕|开班|开展|从什么时候|从哪天|起始")


def ends_period(sentence: str, start: int) -> bool:
    """The date at ``start`` closes a period printed as 「5月13日至6月13日」."""
    return bool(re.search(rf"[日号月年]\s?{_RANGE}\s?$", sentence[max(0, start - 4) : start]))


_ASKS_PERIOD = re.compile(r"到哪|到几|至哪|至几|起止|持续|期间|哪几天|多长时间|多久|从什么时候")


def _names_a_thing(sentence: str, end: int, ctx: Context) -> bool:
    """A year printed before a noun (2024年全体会议, 2020年工作务虚会) is part of a name, while one
    before a verb (1998年成立) dates it."""
    pos = 0
    for word, flag in tagged(sentence, ctx.snap):
        if pos == end:
            return flag.startswith("n") or flag in ("vn", "l")
        if pos > end:
            return False
        pos += len(word)
    return False


def asked_precision(question: str) -> int | None:
    """What the question asks to the day (3), month (2) or year (1); 4 for a time of day (几点)."""
    if re.search(r"几点|几时几分|什么时间点|上午还是下午", question):
        return 4
    if re.search(r"哪天|哪一天|几月几[日号]|几号|几日|日期|哪个日子", question):
        return 3
    if re.search(r"哪个月|哪月|几月", question):
        return 2
    if re.search(r"哪年|哪一年", question):
        return 1
    return None


_CN = "〇零一二三四五六七八九十百廿卅"
_DAY = rf"(?:\d{{4}}年)?\d{{1,2}}月(?:\d{{1,2}}日)?|\d{{4}}年|[{_CN}]{{2,4}}年(?:[{_CN}]{{1,3}}月(?:[{_CN}]{{1,3}}日)?)?"
_SPANS = [
    # 一九六一年九月十日: a date in Chinese numerals
    (re.compile(r"[〇零一二三四五六七八九]{4}年(?:[一二三四五六七八九十]{1,3}月(?:[一二三四五六七八九十]{1,3}[日号])?)?"), 0.8),
    # 2009年9月27日-10月9日, 1984年10月7日至1985年9月29日: a period printed as one
    (re.compile(rf"(?:{_DAY})\s?(?:-|－|–|—|～|~|至|到)\s?(?:{_DAY}|\d{{1,2}}日)"), 0.85),
    # 1990年代以后, 二十世纪初期, 公元前三千年
    (re.compile(rf"(?:公元前?)?(?:\d{{4}}|[{_CN}]{{2,4}})年代(?:初期|中期|末期|后期|以后|以前|初|中|末)?"), 0.6),
    (re.compile(rf"(?:公元前?)?(?:\d{{1,2}}|[{_CN}]{{1,3}})世纪(?:\d{{2}}年代)?(?:初期|中期|末期|后期|前期|中叶|上半叶|下半叶|初|中|末)?"), 0.6),
    (re.compile(rf"公元前?(?:\d{{1,4}}|[{_CN}]{{1,5}})年"), 0.6),
    # 生殖季在2至4月, 花期1-3月, 盛花期为夏季
    (re.compile(r"\d{1,2}\s?(?:-|－|～|~|至|到)\s?\d{1,2}月(?:[上中下]旬)?"), 0.6),
    (re.compile(r"(?:早|晚|初|仲|暮|深)?[春夏秋冬](?:季|天|初|末)"), 0.45),
    # 2010年法国网球公开赛后: a year and the event it dates
    (re.compile(rf"\d{{4}}年[{HAN}A-Za-z]{{2,12}}?(?:以后|之后|以前|之前|期间|前后|后|前|时|中)"), 0.35),
]
# An era year glossed with the common era: 天正16年（1588年）, 明世宗嘉靖四十四年（1565年）.
_ERA = re.compile(rf"(?:[{_CN}]{{1,4}}|\d{{1,3}}|元)年\s?[（(](?:公元)?前?\d{{1,4}}年[）)]")
_ERA_STOP = set("，。；、：于在至到从自是为及和与（(的")


def printed(sentence: str) -> list[Found]:
    """Time expressions the date patterns do not read, as printed: periods, eras, decades, seasons."""
    out: list[Found] = []
    for pattern, quality in _SPANS:
        out.extend(Found(m.group(0), m.start(), m.end(), quality) for m in pattern.finditer(sentence))
    for m in _ERA.finditer(sentence):
        start = m.start()
        while start > 0 and m.start() - start < 8 and re.match(rf"[{HAN}]", sentence[start - 1]) and sentence[start - 1] not in _ERA_STOP:
            start -= 1
        if start < m.start():
            out.append(Found(sentence[start : m.end()], start, m.end(), 0.85))
    return out
