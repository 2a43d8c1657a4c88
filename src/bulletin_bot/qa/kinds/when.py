"""「何时/哪天/什么时候」: a date, completed from the issue date (12月18日 in a January issue → last year)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...dates import DATE_PATTERNS, resolve_date
from ...model import Kind
from ..slots import Slots
from .base import HAN, Context, Found, anchor_regex

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
    m = re.search(rf"([{HAN}]{{2}})(?:的|了)?(?:时间|日期)?[？?]?$", rest)
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
        # The resolved value (with its year) is the answer; offsets mark what the sentence prints.
        out.append(Found(value, start, end, quality))
    return out
