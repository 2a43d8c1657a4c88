"""「什么/哪个/叫什么」: a title in 《》, an organisation, an award, a quoted name, or what follows the verb."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...model import Kind
from ..lexicon import alternation, lexicon
from ..slots import Slots
from .base import HAN, Context, Found, anchor_regex, balanced, clauses, nearest

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.WHAT
_WH = r"什么|哪些|哪几|哪家|哪所|哪个|哪部|哪本|哪座|哪项|哪次|哪场|哪一"
_BOOKISH = r"书|著作|出版|编纂|读本|画册|丛书|刊物|文件|作品|选编|史料|教材|题目|课题|党课|文章|报告|剧|片|歌"


def parse(text: str, snap: Snapshot) -> Slots:
    m = re.search(rf"([{HAN}]{{2}})了?(?:{_WH})", text)
    anchor = m.group(1) if m else None
    if m and anchor[0] in "起都也还又再就才" and text[m.end(1) : m.end(1) + 1] == "了":
        anchor = anchor[1:]  # 「大家一起学了什么」: the verb is 学, not 起学
    noun_m = re.search(rf"(?:{_WH})(?:个|项|种|位|家|所)?([{HAN}]{{1,5}})", text)
    noun = None
    if noun_m:
        cut = re.search(r"出|签|是|有|的|了|举办|召开|获|在|由|被|与|和|给|讲|写|编|作|发|开|办|中|叫", noun_m.group(1)[1:])
        noun = noun_m.group(1)[: cut.start() + 1] if cut else noun_m.group(1)
        if anchor is None or anchor[-1] in "和与的在" or re.search(rf"(?:{alternation(lexicon().org_suffixes)})$", anchor):
            # 「哪次斗争中牺牲」, 「和哪所高校签了」, 「县融媒体中心哪部短视频被评为」 (中心 ends the
            # subject): the verb follows the asked noun.
            after = text[noun_m.start(1) + len(noun) :]
            verb_m = re.match(rf"(?:中|里|上|了|的|是)?([{HAN}]{{2}})", after)
            anchor = verb_m.group(1) if verb_m else anchor
    return Slots(anchor=anchor, noun=noun)


def _trim_org(text: str) -> str:
    """The organisation at the end of a run of text: 日前由四川人民出版社 → 四川人民出版社."""
    return re.split(r"由|与|和|同|及|在|向|经|联合|会同|依托|邀请|的|了|对|为|是|将|把|被|从|到|签订|签署|，", text)[-1]


def extract(q: Question, ctx: Context) -> list[Found]:
    lex = lexicon()
    sentence, noun = ctx.sentence, q.slots.noun or ""
    out: list[Found] = []
    books = [Found(m.group(0), m.start(), m.end(), 0.5) for m in re.finditer(r"《[^《》]{2,60}》", sentence)]
    books = [b for b in books if b.text not in q.text]
    org_asked = bool(noun) and (re.search(alternation(lex.org_suffixes), noun) is not None or noun in lex.generic_nouns)
    bookish = re.search(_BOOKISH, q.text) and not org_asked
    out.extend(Found(b.text, b.start, b.end, 0.9 if bookish else 0.45) for b in nearest(books, sentence, q))
    if noun and (re.search(alternation(lex.org_suffixes), noun) or noun in lex.generic_nouns or noun == "高校"):
        ending = alternation(lex.org_suffixes) if noun in lex.generic_nouns or noun == "高校" else re.escape(noun[-2:])
        for m in re.finditer(rf"([{HAN}]{{2,30}}(?:{ending}))", sentence):
            org = _trim_org(m.group(1))
            if len(org) >= 3 and org not in q.text:
                start = m.end() - len(org)
                out.append(Found(org, start, m.end(), 0.85))
    if re.search(r"奖|荣誉|称号|表彰", q.text):
        for m in re.finditer(r"(?:荣获|获得|获评|被评为|评为|授予|获)([^，。；]{2,40})", sentence):
            award = m.group(1)
            grade = re.search(r"[一二三四五六七八九十特]等奖|优秀奖|金奖|银奖|铜奖", award)
            if "几等" in q.text and grade:
                out.append(Found(grade.group(0), m.start(1) + grade.start(), m.start(1) + grade.end(), 1.0))
            honour = re.search(r"(?:奖|单位|集体|个人|称号|荣誉|示范\w{0,4}|标兵|模范|先进|优秀\w{0,6}|基地)$", award)
            out.append(Found(award, m.start(1), m.end(1), 0.9 if honour else 0.3))
    for m in re.finditer(r"“([^“”]{2,30})”", sentence):
        if m.group(1) not in q.text:
            named = re.search(r"叫什么|名称|名字|主题|口号|题目|品牌", q.text)
            # A quote inside a title (《关于深化“有事好商量”…意见》) is part of the title's name.
            in_title = any(b.start < m.start() and m.end() < b.end for b in books)
            quality = 0.85 if named else 0.35
            out.append(Found(m.group(1), m.start(1), m.end(1), quality * 0.5 if in_title else quality))
    verb = anchor_regex(q)
    if verb:
        for m in verb.finditer(sentence):
            # 「在哪次斗争中牺牲」: 在渡江战役中英勇牺牲
            where = re.search(r"在([^，。；在]{2,20}?)(?:中|期间|时|上|里)?[^，。；]{0,4}$", sentence[: m.start()])
            if where:
                out.append(Found(where.group(1), where.start(1), where.end(1), 0.6))
            tail = re.split(r"[，。；！？]", sentence[m.end() :])[0]
            if 2 <= len(tail) <= 40 and not tail.startswith(("的", "了")):
                out.append(Found(tail, m.end(), m.end() + len(tail), 0.5))
    for m in re.finditer(r"(?:荣获|获得|获评|被评为|授予|命名为|评为|表彰为|主题为|主题是|名为|是)([^，。；！？]{2,30})", sentence):
        if not any(f.start <= m.start(1) < f.end for f in out):
            out.append(Found(m.group(1), m.start(1), m.end(1), 0.35))
    # 「原名是什么」, 「俗名龙尖」, 「简称南宁二中」: another name of the thing.
    asked_alias = re.search(alternation(lex.alias_words), q.text)
    for m in re.finditer(rf"(?:{alternation(lex.alias_words)})(?:为|是|作|：|:)?([^，。；、（(]{{1,30}})", sentence):
        same = asked_alias is not None and asked_alias.group(0) in m.group(0)
        out.append(Found(m.group(1).strip("「」“”"), m.start(1), m.end(1), 0.9 if same else 0.4))
        if same:
            out.append(Found(m.group(0), m.start(), m.end(1), 0.6))  # 「俗名龙尖」 as the text prints it
    # 「X，简称Y」 asked 「Y是什么的简称」: the name before the alias word.
    if asked_alias:
        for m in re.finditer(rf"([^，。；]{{2,30}})，(?:{alternation(lex.alias_words)})", sentence):
            out.append(Found(m.group(1), m.start(1), m.end(1), 0.7))
    out.extend(_named_things(q, sentence))
    out.extend(clauses(q, ctx))
    return [balanced(f, sentence) for f in out]


def _named_things(q: Question, sentence: str) -> list[Found]:
    """「合作社叫什么名字」: a quoted or titled name with the asked noun after it
    (“勇兵”生态养殖专业合作社, 《城关红色记忆》读本)."""
    m = re.search(rf"([{HAN}]{{2,6}})(?:的)?(?:叫什么|名称|名字|全称|是什么名)", q.text)
    if not m:
        return []
    noun = re.split(r"的|了|个|那|这", m.group(1))[-1]
    if len(noun) < 1:
        return []
    tail = re.escape(noun[-2:] if len(noun) >= 2 and noun[-2:] in sentence else noun[-1])
    return [
        Found(n.group(0), n.start(), n.end(), 0.9)
        for n in re.finditer(rf"[“《][^“”《》]{{1,40}}[”》][{HAN}]{{0,10}}?{tail}", sentence)
    ]
