"""「谁/哪位」: a person's name (after a title, known to the corpus, or tagged), or a person's role."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...ingest.text import QUOTES, unclosed
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
    join_runs,
    tagged,
    title_follows,
    titles_re,
    word_bounds,
)

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
    if role in lex.generic_roles or (role and role[1:] in lex.generic_roles):
        role = None  # 「哪位县领导」 asks for a person, not for the holder of a title
    qualifier = None
    if title_m and role:
        # 「西南大学党委书记是谁」: whose 书记 — the words before the title qualify it.
        head = re.split(rf"[^{HAN}]|的|是|了|在|年|月|日", text[: title_m.start(1)])[-1]
        qualifier = head[:2] if len(head) >= 2 and not re.search(r"哪|谁|什么", head) else None
    # 「哪位领导带队」: the noun after 哪位 (领导, 书记) is who is asked for; the verb after it is the act.
    nouns = alternation([*lex.generic_roles, *lex.titles])
    m = re.search(rf"(?:谁|哪位|哪一位)+(?:[县市区省镇乡村]?(?:{nouns}))?(?:来|又|将|是)?([{HAN}](?=[了的过着])|[{HAN}]{{2}})", text)
    anchor = m.group(1) if m else None
    split = re.search(rf"(?:谁|哪位|哪一位){re.escape(anchor or '')}的([{HAN}])(?:[？。?]|$)", text) if anchor and len(anchor) == 1 else None
    if split:
        anchor += split.group(1)  # 「谁出的钱」 asks who 出钱: 出 alone would match 出席
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


def clip_name(sentence: str, start: int, snap: Snapshot | None = None) -> str | None:
    """Two- or three-character name: cut before a following verb (莫恭明主持 / 王俊出席), or before
    any common word (林海涛带领): names are rarely dictionary words, the verbs after them are."""
    stop = _stop()
    for length in (3, 2):
        name = sentence[start : start + length]
        rest = sentence[start + length : start + length + 2]
        ends = not rest or stop.match(rest) or not re.match(rf"[{HAN}]", rest[0]) or rest in lexicon().after_honorifics
        ends = ends or (snap is not None and len(rest) == 2 and snap.tokenizer.is_common_word(rest))
        if len(name) == length and re.fullmatch(rf"[{HAN}]{{{length}}}", name) and ends and not stop.search(name):
            return name
    return None


def person_spans(sentence: str, snap: Snapshot) -> list[tuple[int, int, str]]:
    """Names in a sentence: after a title (区委书记王俊), known from the corpus, or tagged by jieba."""
    spans: dict[int, tuple[int, int, str]] = {}
    for m in re.finditer(rf"(?:{titles_re()})(?:为|是)?([{HAN}]{{2,3}})", sentence):  # 现任校长为阮爱馨
        name = clip_name(sentence, m.start(1), snap)
        if name and not _quoted(sentence, m.start(1)):
            spans[m.start(1)] = (m.start(1), m.start(1) + len(name), name)
    pos = 0
    stop = _stop()
    surnames = lexicon().surnames
    for word, flag in tagged(sentence, snap):
        after = sentence[pos + len(word) : pos + len(word) + 2]
        plausible = snap.terms.get(word) == "person" or (
            2 <= len(word) <= 3 and (not after or stop.match(after) or not re.match(rf"[{HAN}]", after[0]))
        )
        if flag == "nr" and plausible and word[0] in surnames and pos not in spans and not _quoted(sentence, pos):
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
    # 「区退役军人事务局党组书记、局长宋明辉」: titles joined by 、 are all his.
    while True:
        more = re.search(rf"([{HAN}“”]{{2,20}}(?:{titles_re()}))、$", sentence[: pos - len(role)])
        if not more:
            break
        role = more.group(1) + "、" + role
    return f"{role}{person}", pos - len(role), pos + len(person)


ASKS_TITLE = re.compile(r"职务|职位|官职|头衔|身份|担任什么|任什么|什么官|干什么的|做什么的")


def extract(q: Question, ctx: Context) -> list[Found]:
    sentence, slots = ctx.sentence, q.slots
    if slots.person:
        role = extract_role(sentence, slots.person)
        if role and ASKS_TITLE.search(q.text):  # 「宋明辉是什么职务」 is answered by the titles alone
            text = role[0].removesuffix(slots.person)
            return [Found(text, role[1], role[1] + len(text), 1.0)]
        return [Found(role[0], role[1], role[2], 1.0)] if role else []
    found = person_spans(sentence, ctx.snap)
    if slots.role and not re.fullmatch(titles_re(), slots.role):
        # A role the question names (烈士, 宣讲员): the name printed right after it.
        for m in re.finditer(re.escape(slots.role), sentence):
            at = m.end() + (1 if sentence[m.end() : m.end() + 1] in ("为", "是") else 0)  # 现任校长为阮爱馨
            name = clip_name(sentence, at, ctx.snap)
            if name and not _quoted(sentence, at):
                found.append((at, at + len(name), name))
    out = []
    weak = set()  # jieba's guess alone, with no surname (育英小学 is tagged a name): a weaker candidate
    foreign = foreign_names(sentence, ctx.snap)
    for span in foreign:
        if span not in found:
            found.append(span)
            if not re.search(r"[·•・‧A-Za-z]", span[2]) and span[2][0] not in lexicon().surnames:
                weak.add(span)
    for start, end, name in dict.fromkeys(found):
        if name in q.text:
            continue  # the question's own names are not its answer
        before = sentence[max(0, start - 10) : start]
        quality = 0.5
        if slots.role:
            role_before = re.search(rf"(副|常务副)?{re.escape(slots.role)}[、，]?$", before)
            if role_before and role_before.group(1) and not slots.role.startswith("副"):
                quality = 0.1  # 「党委副书记潘洵」 is not the 党委书记
            elif role_before or title_follows(sentence, end, slots.role):
                quality = 1.0
            else:
                quality = 0.2
        elif slots.anchor and slots.anchor in sentence[end : end + 6]:
            quality = 0.95  # 「何远主持会议」 answers 「谁主持」
        elif re.search(rf"(?:{titles_re()})$", before):
            quality = 0.7
        if (start, end, name) in weak:
            quality *= 0.5
        out.append(Found(name, start, end, quality))
        honour = re.match(alternation(lexicon().after_honorifics), sentence[end:])
        if honour:  # 「阮爱馨女士」: the answer may carry the honorific
            out.append(Found(name + honour.group(0), start, end + len(honour.group(0)), quality * 0.9))
    out.extend(_name_lists(out, sentence))
    out.extend(agents(q, ctx))
    if ASKS_TITLE.search(q.text):
        out.extend(offices(sentence))
    dotted = [sp for sp in foreign if re.search(r"[·•・‧]", sp[2])]
    out = [_whole_name(f, dotted) for f in out] if dotted else out
    out.extend(clauses(q, ctx, TYPED_CLAUSE))  # 「研究人员认为狐蝠科是它们主要授粉者」
    return [balanced(f, sentence) for f in out]


def _whole_name(found: Found, dotted: list[tuple[int, int, str]]) -> Found:
    """A transliterated name is whole across its dots: 「汤玛斯」 of 汤玛斯·霍尔兹 is half of it."""
    for s, e, name in dotted:
        if s <= found.start and found.end <= e and (s, e) != (found.start, found.end):
            return Found(name, s, e, found.quality)
    return found


def foreign_names(sentence: str, snap: Snapshot) -> list[tuple[int, int, str]]:
    """Transliterated names (保罗·塞里诺, 伊丽莎白·克伦贝格尔-乔西), Latin names (Kampon Tansacha) and
    names jieba tags that start with no common surname (拔都, 莱佛士)."""
    lex = lexicon()
    joints = alternation(lex.name_joints)
    stop = _stop()
    bounds = word_bounds(sentence, snap)
    out: list[tuple[int, int, str]] = []
    for m in re.finditer(rf"[{HAN}]+(?:(?:{joints})[{HAN}]+)+", sentence):
        if not re.search(r"[·•・‧]", m.group(0)):
            continue  # a hyphen alone joins ranges and roads (居銮-峇株巴辖路), not names
        parts = [(p.start() + m.start(), p.end() + m.start()) for p in re.finditer(rf"[{HAN}]+", m.group(0))]
        name_start: int | None = None
        for k, (ps, pe) in enumerate(parts):
            last = k == len(parts) - 1 or pe - ps > 6  # a long part ends one name (…的父亲皮埃尔)
            if name_start is None:
                name_start = _name_head(sentence, ps, pe, bounds)
            if last:
                cut = stop.search(sentence, ps, pe)
                end = cut.start() if cut else pe
                end = min(end, next((i for i in range(ps, pe) if sentence[i] in _NAME_ENDS), pe), ps + 6)
                # 「霍尔兹正式建立」: the name ends where a common word starts.
                end = next((b for b in sorted(bounds) if ps + 2 <= b < end and snap.tokenizer.is_common_word(sentence[b : b + 2])), end)
                if k > 0 and end > ps and name_start < ps:
                    out.append((name_start, end, sentence[name_start:end]))
                name_start = _name_head(sentence, ps, pe, bounds) if k < len(parts) - 1 else None
    for m in re.finditer(r"(?<![A-Za-z])[A-Z][a-zA-Z.'-]+(?: (?:[A-Z][a-zA-Z.'-]*|and|of|de|da|van|von|der|du|la|le))+", sentence):
        out.append((m.start(), m.end(), m.group(0).rstrip(" ")))
    pos = 0
    for word, flag in tagged(sentence, snap):
        if (
            flag in ("nr", "nrt", "nrfg")
            and 2 <= len(word) <= 4
            and word[0] not in lex.surnames
            and (snap.terms.get(word) == "person" or not snap.tokenizer.is_common_word(word))  # 光荣 is no name
            and not re.match(rf"(?:{alternation(lex.org_suffixes)}|小学|中学)", sentence[pos + len(word) :])  # 育英小学
        ):
            out.append((pos, pos + len(word), word))
        pos += len(word)
    return [span for span in out if not _quoted(sentence, span[0])]


def _quoted(sentence: str, at: int) -> bool:
    """Inside a quoted slogan or a title (“委员进乡村·健康送到家”, “金山银山”): words, not a person."""
    return unclosed(sentence[:at], QUOTES)


# Characters that end a transliterated name's last part or start none (…·特鲁多去世, 由伊恩·法兰明).
_NAME_ENDS = set("所于饰是的率去死逝在和与及等为被将把说曾也都已就任向从对以由")


def _name_head(sentence: str, start: int, end: int, bounds: set[int]) -> int:
    """Where a transliterated given name starts inside the Han run before its 「·」: at most four
    characters back, at a word boundary (现任总理贾斯汀·特鲁多 → 贾斯汀)."""
    at = end - min(2, end - start)
    for length in range(min(4, end - start), 1, -1):
        if end - length in bounds or length == end - start:
            at = end - length
            break
    while at < end - 1 and sentence[at] in _NAME_ENDS:
        at += 1
    return at


def _name_lists(found: list[Found], sentence: str) -> list[Found]:
    """Names printed as a list (潘志文、张玛莉、林嘉华; 周恩来与金日成) answer 「谁主演/双方代表是谁」 together."""
    ordered = sorted({(f.start, f.end): f for f in found}.values(), key=lambda f: f.start)
    return join_runs(ordered, sentence, r"[、和与及]|以及|和|，", quality=0.6)


def agents(q: Question, ctx: Context) -> list[Found]:
    """Who did the asked act: 「由X（所）创作」, 「被X所杀」, or the words just before the asked verb."""
    lex = lexicon()
    sentence = ctx.sentence
    verbs = list(lex.agent_verbs) + list(q.anchors)
    out = []
    # The verb is a verb, not the head of a noun (由中共党史出版社出版: 出版 of 出版社 ends no agent).
    for m in re.finditer(rf"(?:由|被|经由|经)([^，。；！？由被]{{2,30}}?)(?:所|来|负责|共同|亲自|于[^，。；]{{2,12}})?({alternation(verbs)})(?![社者物局馆院部商界])", sentence):
        # 「谁编的」 is not answered by 「由X出版」: another act's agent counts for less.
        asked = not q.anchors or any(a in m.group(2) or m.group(2) in a for a in q.anchors)
        out.append(Found(m.group(1), m.start(1), m.end(1), 0.7 if asked else 0.4))
    if q.anchors:
        for m in re.finditer(alternation(q.anchors), sentence):
            head = re.split(r"[，。；！？：]", sentence[: m.start()])[-1]
            head = re.sub(r"^(?:在|于|自|从)?(?:\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?|[^，]{0,6}(?:时|后|前|期间))，?", "", head)
            if 2 <= len(head) <= 24 and head not in q.text:
                out.append(Found(head, m.start() - len(head), m.start(), 0.45))
    return out


def offices(sentence: str) -> list[Found]:
    """「担任什么职务」: the office after 任/担任/当选 up to the next comma, and cut after its title."""
    lex = lexicon()
    out = []
    ends = alternation(lex.office_endings)
    for m in re.finditer(rf"(?:{alternation(lex.office_verbs)})([^，。；！？（(]{{2,30}})", sentence):
        text = m.group(1)
        out.append(Found(text, m.start(1), m.end(1), 0.6))
        last = None
        for e in re.finditer(ends, text):
            last = e
        if last and last.end() < len(text):
            out.append(Found(text[: last.end()], m.start(1), m.start(1) + last.end(), 0.7))
    return out
