"""Extractive answers: what the question asks for, the sentence that proves it, the span itself.

No LLM is needed: bulletins state facts in fixed patterns (dates lead articles, names follow titles,
numbers carry classifiers), so a typed span found in the best-matching sentence is a precise answer.
When no sentence both matches the question and holds a span of the asked type, we refuse.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .config import Settings
from .dates import DATE_PATTERNS, resolve_date
from .errors import QuestionError
from .index.sparse import _NO_NAME_CHARS
from .ingest.chunk import sentences
from .listing import Lister, same_event
from .model import Answer, Hit
from .search import Searcher, query_entities

MAX_QUESTION = 1000
MAX_ANSWER = 200
CANDIDATES = 8  # passages whose sentences compete to be the evidence

# Refusal thresholds, tuned on dev + extra question sets (see docs/BENCHMARKS.md, "refusal").
MIN_COVERAGE = 0.5  # share of the question's content weight found in the evidence article
MIN_DENSE = 0.80  # cosine of question and best passage below which nothing is relevant

_HAN = "\u4e00-\u9fff"
_CN_NUM = "零〇一二两三四五六七八九十百千万亿"
CLASSIFIERS = (
    "万人次|人次|余人|多人|万人|万册|万字|万元|亿元|平方米|公里|小时|分钟|课时|个|名|人|项|场|册|本|篇|次|件|家|所"
    "|期|部|首|套|份|位|支|批|处|条|种|天|年|届|座|间|门|辆|台|元|米|页|卷|集|幅|张|周|趟|堂|节|课|组|队|户|村|镇"
    "|章|字|讲|轮|块|架|枚|株|棵|吨|亩|册|盘|集|分|岁|代|辑|站|栏|版|回|遍"
)
NUMBER = re.compile(
    rf"(?:近|约|超过|超|逾|共|达|计|累计)?(?:\d+(?:\.\d+)?|[{_CN_NUM}]+)(?:多|余)?(?:万|千|百|亿)?(?:多|余)?"
    rf"(?:{CLASSIFIERS}|%|％)"
)
# Counters that answer the same question: 「多少人」 is answered by 名 or 人次 too.
_COUNTER_GROUPS = [
    {"人", "名", "位", "人次", "余人", "多人", "万人", "万人次"},
    {"本", "册", "部", "万册", "套", "卷"},
    {"场", "次", "期", "轮", "届", "回", "遍"},
    {"元", "万元", "亿元"},
    {"年", "天", "小时", "分钟", "周", "岁"},
]
TITLES = (
    "党委副书记|党组书记|副书记|书记|副主任|主任|副部长|部长|副局长|局长|副会长|会长|副院长|院长|副主席|主席|常委|"
    "副区长|区长|副县长|县长|副市长|市长|副馆长|馆长|处长|教授|研究员|主编|所长|校长|委员|宣传部长|组织部长|秘书长"
)
# What a question's noun is called in the text: 高校 are 大学 and 学院.
_NOUN_ALIASES = {
    "高校": "大学|学院|高校",
    "单位": ".",
    "部门": ".",
    "机构": ".",
    "地方": ".",
    "活动": "活动|会|赛|宣讲|展",
    "奖项": "奖",
    "荣誉": "奖|荣誉|先进|称号|表彰|命名",
    "名字": ".",
    "名称": ".",
    "出版社": "出版|书社|书局",
    "表彰": "表彰|荣获|获评|先进|称号",
}
ORG_SUFFIX = (
    "出版社|书社|书局|大学|学院|学校|研究院|研究所|研究室|研究会|研究中心|纪念馆|博物馆|档案馆|图书馆|中心|委员会|办公室|"
    "报社|电视台|集团|公司|医院|协会|学会|基地"
)

KINDS = [
    ("when", re.compile(r"何时|哪天|哪一天|什么时候|什么时间|何日|几月几日|几月几号|几号|哪年|哪一年|哪个月|日期|时间")),
    ("who", re.compile(r"谁|哪位|哪一位|什么人|哪个人|叫什么名字|姓名|是哪个领导")),
    ("number", re.compile(r"多少|几|数量|人数|多大|多长|多高|多重|多久|多远|多深|多宽")),
    ("list", re.compile(r"哪些|哪几|有什么活动|都有什么|包括什么|包括哪")),
    ("where", re.compile(r"哪里|何地|在哪|什么地方|哪个地方|何处")),
    ("what", re.compile(r"什么|何种|哪个|哪一|哪家|哪所|哪部|哪本|哪座|哪项|啥")),
]


def check_question(text: str | None) -> str:
    """A usable question or a ``QuestionError`` saying what is wrong with it."""
    if text is None:
        raise QuestionError("the question is empty")
    text = re.sub(r"\s+", " ", str(text)).strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION:
        raise QuestionError(f"the question is too long ({len(text)} characters; at most {MAX_QUESTION})")
    if not re.search(rf"[{_HAN}0-9A-Za-z]", text):
        raise QuestionError("the question has no words (only symbols or emoji)")
    return text


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # when | who | number | list | where | what | other
    tokens: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=dict)
    classifier: str | None = None  # 几项 → 项
    noun: str | None = None  # 多少个党组织 → 党组织; 几个一等奖 → 一等奖; 定价是多少 → 定价
    anchor: str | None = None  # the verb next to the asked-for span: 主持, 陪同, 结项, 获奖
    role: str | None = None  # 「主任是谁」: the title printed before the wanted name
    person: str | None = None  # 「潘洵是谁」: the person whose role is asked
    unknown_entities: tuple[str, ...] = ()  # names in the question that no bulletin mentions
    entities: tuple[str, ...] = ()  # places and people the question names: the evidence must name them too
    qualifier: str | None = None  # 「西南大学党委书记」: whose title is asked (西南)


# Questions whose wh-word looks like another kind: 「获得几等奖」 asks for a name, not a count;
# 「活动叫什么名字」 for a name, not a person.
_WHAT_OVERRIDES = re.compile(
    r"几等奖|什么奖|哪项荣誉|什么荣誉|哪个奖|什么称号|哪些荣誉|什么表彰|哪项表彰|哪次|哪场|哪座|哪一座"
    r"|(?:活动|会议|工程|项目|课题|书|节目|栏目|品牌|主题|专栏|基地|展览|竞赛|比赛|馆|中心|站|所|室)(?:的)?"
    r"(?:叫什么|名称|名字|主题是)"
)


def question_kind(text: str) -> str:
    if _WHAT_OVERRIDES.search(text):
        return "what"
    for kind, pattern in KINDS:
        if pattern.search(text):
            return kind
    return "other"


# The verb a question uses and the words bulletins print for it.
ANCHOR_SYNONYMS = {
    "入党": "入党|加入中国共产党|加入党组织|加入共产党",
    "开": "召开|举行|开幕|开",
    "举行": "举行|召开|举办|开展",
    "召开": "召开|举行",
    "出生": "出生|生于|诞生",
    "成立": "成立|组建|挂牌",
    "开馆": "开馆|开放|揭牌",
    "结项": "结项|结题|验收",
    "启动": "启动|以来|开始|开展",
    "开始": "开始|启动|以来",
    "牺牲": "牺牲|遇害|就义|殉职",
    "出版": "出版|出版发行|付梓",
    "听取": "听取",
}


def anchor_pattern(anchor: str | None) -> re.Pattern[str] | None:
    if not anchor:
        return None
    return re.compile(ANCHOR_SYNONYMS.get(anchor, re.escape(anchor)))


_VERB = re.compile(
    r"参与|参加|获奖|获得|组织|举办|开展|出席|受众|收到|发放|征集|出版|收录|采访|编纂|评出|承办|分为|安排|增加|"
    r"由|被|在|是|有|的|了|呢|？|\?"
)


def _named_in(entity: str, text: str) -> bool:
    """屏山县 is also printed 屏山 (「赴屏山调研」): a place counts when its short form is there."""
    if entity in text:
        return True
    return len(entity) >= 3 and entity[-1] in "区县市" and entity[:-1] in text


def _question_places(text: str) -> list[list[str]]:
    """Candidate district/county/city names before 委…, each as its 2-, 3- and 4-character readings."""
    found = []
    for m in re.finditer(r"[区县市州](?=委|人大|政府|政协|党史|史志|档案|宣传部|组织部)", text):
        readings = []
        for length in (2, 3, 4):
            name = text[max(0, m.end() - length) : m.end()]
            if len(name) == length and re.fullmatch(rf"[{_HAN}]+", name) and not set(name[:-1]) & _NOT_IN_PLACE:
                readings.append(name)
        if readings:
            found.append(readings)
    return found


_NOT_IN_PLACE = _NO_NAME_CHARS | set("把将被给向从对持年月日期是")


def _noun_and_verb(text: str) -> tuple[str | None, str | None]:
    """「多少个党组织参与」→ (党组织, 参与); 「多少人获奖」→ (None, 获奖)."""
    m = _VERB.search(text)
    noun = text[: m.start()] if m else text
    verb = m.group(0) if m and len(m.group(0)) >= 2 else None
    return (noun if len(noun) >= 2 else None), verb


def _verb_after_wh(text: str) -> str | None:
    """The verb right after 谁/何时…: 谁主持 → 主持, 谁作的工作报告 → 作, 谁拿了一等奖 → 拿."""
    m = re.search(
        rf"(?:谁|何时|什么时候|哪天|哪一天|哪一年|哪年|哪个月|哪月|几月|几日|几号)+(?:来|又|将)?"
        rf"([{_HAN}](?=[了的过着])|[{_HAN}]{{2}})",
        text,
    )
    return m.group(1) if m else None


_GENERIC_ROLES = {"领导", "同志", "人员", "负责人", "人士", "代表", "人"}
ACTION_VERBS = re.compile(
    r"主持|出席|陪同|讲话|作报告|致辞|宣讲|讲授|揭牌|授旗|带队|调研|采访|捐赠|编纂|题写|讲述|演讲|发言|参加|率队|颁发"
)


def _action_verb(text: str) -> str | None:
    m = ACTION_VERBS.search(text)
    return m.group(0) if m else None


_NOUN_CUT = re.compile(r"出|签|是|有|的|了|举办|召开|获|在|由|被|与|和|给|讲|写|编|作|发|开|办|中|叫")


def _asked_noun(text: str) -> str | None:
    """「哪家出版社出的」→ 出版社; 「哪所高校签了」→ 高校: the noun the wh-word asks about."""
    if not text:
        return None
    m = _NOUN_CUT.search(text, 2 if len(text) > 2 else len(text))
    noun = text[: m.start()] if m else text
    return noun or None


_BEFORE_STRIP = re.compile(r"(?:是|有|为|共|一共|总共|达|达到|约|增加到|增加至|增至|到|至|分为|分|了)+$")


def _noun_before(text: str) -> str | None:
    """「年度工作经费增加到多少」→ 工作经费; 「定价是多少」→ 定价."""
    head = _BEFORE_STRIP.sub("", text)
    head = re.split(rf"[^{_HAN}]|的|把|将|了|在|给", head)[-1]
    return head[-4:] if len(head) >= 2 else None


# --- the answerer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    sentence: str
    start: int  # offset of the sentence in the chunk
    score: float
    span: str | None
    coverage: float


class Answerer:
    """Turns ranked passages into an ``Answer``; an optional LLM may rewrite it (see llm.py)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lister = Lister()
        self._llm = None
        if settings.llm_base_url and settings.llm_model:
            from .llm import LLMClient

            self._llm = LLMClient(settings)

    def analyse(self, text: str, searcher: Searcher) -> Question:
        snap = searcher.snapshot
        tokens = tuple(dict.fromkeys(snap.tokenizer.tokens(text)))
        n = max(len(snap.sparse), 1)
        weights = {}
        for t in tokens:
            docs = snap.sparse.postings.get(t)
            df = len(docs[0]) if docs else 0
            # Words the corpus never uses weigh most: a question about them is likely out of scope.
            weights[t] = math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else math.log(1 + n + 0.5) + 1.0
        kind = question_kind(text)
        classifier = noun = anchor = role = person = qualifier = None
        if kind == "number":
            m = re.search(rf"(?:多少|几|多大|多长|多高|多久|多远|多重)(?P<c>{CLASSIFIERS})?(?P<n>[{_HAN}]{{0,6}})", text)
            if m:
                classifier = m.group("c")
                noun, anchor = _noun_and_verb(m.group("n"))
                noun_first = classifier is None and not m.group("n")
                if noun_first:
                    noun = _noun_before(text[: m.start()])  # 「定价是多少」: the noun comes first
                if anchor is None and not noun_first:
                    verb = re.search(rf"([{_HAN}]{{2}})$", _BEFORE_STRIP.sub("", text[: m.start()]))
                    anchor = verb.group(1) if verb else None
        elif kind == "who":
            title_m = re.search(rf"({TITLES})(?:是谁|是哪位|叫什么|姓什么|是什么人)", text)
            role_m = (
                title_m
                or re.search(rf"哪(?:位|一位|名)([{_HAN}]{{2,3}}?)(?=的|作|进行|在|出席|参加|主持|讲|获|[，。？?]|$)", text)
                or re.search(rf"的([{_HAN}]{{2,3}})(?:是谁|是哪位)", text)
            )
            role = role_m.group(1) if role_m else None
            if role in _GENERIC_ROLES:
                role = None
            if title_m and role:
                # 「西南大学党委书记是谁」: whose 书记 — the words before the title must be in the evidence.
                head = re.split(rf"[^{_HAN}]|的|是|了|在|年|月|日", text[: title_m.start(1)])[-1]
                qualifier = head[:2] if len(head) >= 2 and not re.search(r"哪|谁|什么", head) else None
            anchor = _verb_after_wh(text) or _action_verb(text)
            subject = re.match(rf"^([{_HAN}]{{2,4}}?)(?:同志)?是(?:谁|哪位|什么人|什么职务|做什么的)", text)
            if subject and snap.terms.get(subject.group(1)) == "person":
                person = subject.group(1)
        elif kind == "when":
            anchor = _verb_after_wh(text)
            if anchor is None:
                verb = re.search(rf"([{_HAN}]{{2}})(?:的|了)?(?:时间|日期)?[？?]?$", re.sub(r"(?:是)?(?:何时|什么时候|哪天|哪一天)", "", text))
                anchor = verb.group(1) if verb else None
        elif kind in ("what", "list", "where"):
            verb = re.search(rf"([{_HAN}]{{2}})了?(?:什么|哪些|哪几|哪家|哪所|哪个|哪里|何地)", text)
            anchor = verb.group(1) if verb else None
            noun_m = re.search(rf"(?:什么|哪些|哪几|哪家|哪所|哪个|哪部|哪本|哪座|哪项)(?:个|项|种)?([{_HAN}]{{1,5}})", text)
            noun = _asked_noun(noun_m.group(1)) if noun_m else None
            if noun_m and (anchor is None or anchor[-1] in "和与的在"):
                # 「哪次斗争中牺牲」/「和哪所高校签了」: the verb follows the asked noun.
                after = text[noun_m.start(1) + len(noun or "") :]
                verb_m = re.match(rf"(?:中|里|上|了|的|是)?([{_HAN}]{{2}})", after)
                anchor = verb_m.group(1) if verb_m else anchor
        unknown = []

        for word, flag in snap.tokenizer.tag(text):
            is_name = flag in ("ns", "nt", "eng") or (
                flag.startswith("nr") and word[0] in SURNAMES and not snap.tokenizer.is_common_word(word)
            )
            if is_name and len(word) >= 2:
                if not query_entities(word, snap.terms) and not snap.mentions(word):
                    unknown.append(word)
        for readings in _question_places(text):
            if any(snap.terms.get(r) == "place" or snap.mentions(r) for r in readings):
                continue
            unknown.append(readings[min(1, len(readings) - 1)])  # 渝中区委书记: a district no bulletin mentions
        entities = tuple(
            e for e in query_entities(text, snap.terms) if snap.terms.get(e) in ("place", "person") and e != person
        )
        if anchor and len(anchor) == 2 and any(anchor[1] == e[0] and anchor + e[1:] in text for e in entities):
            anchor = anchor[0]  # 「到达川区」: 到 + 达川区, not 到达
        return Question(
            text, kind, tokens, weights, classifier, noun, anchor, role, person, tuple(unknown), entities, qualifier
        )

    # --- answering -----------------------------------------------------------------------------

    def answer(self, question: str, searcher: Searcher) -> Answer:
        text = check_question(question)
        q = self.analyse(text, searcher)
        listed = self._lister.answer(text, q.kind, q.person, searcher)
        if listed is not None:
            return listed
        hits = searcher.search(text, CANDIDATES)
        if not hits:
            return self._refuse(q, hits, "empty index")
        if q.unknown_entities:
            return self._refuse(q, hits, f"the bulletins never mention {'、'.join(q.unknown_entities)}")
        best = self._best(q, hits, searcher)
        if best is None or not self._confident(q, best, hits):
            return self._refuse(q, hits, "no sentence both matches the question and holds the answer")
        evidence = best.sentence.strip()
        span = best.span or evidence
        short = span if len(span) <= 80 else span[:79] + "…"
        answer_text = short if short == evidence else f"{short}。依据：{evidence}"
        # The same event reported from other places: answer the one asked, point to the others.
        also = same_event(best.hit, searcher.snapshot)
        if also:
            answer_text += "。另见：" + "；".join(
                f"{h.chunk.citation.article_title}（{h.chunk.citation.issue_date}）" for h in also
            )
        if len(answer_text) > MAX_ANSWER:
            answer_text = answer_text[: MAX_ANSWER - 1] + "…"
        # The evidence first, then other articles (a second passage of the same article adds no source).
        seen = {(best.hit.chunk.citation.issue_id, best.hit.chunk.article_no)}
        ordered = (best.hit,)
        for h in (*also, *hits):
            key = (h.chunk.citation.issue_id, h.chunk.article_no)
            if key not in seen:
                seen.add(key)
                ordered += (h,)
        result = Answer(
            question=text,
            answered=True,
            answer=answer_text,
            hits=ordered[:5],
            kind=q.kind,
            evidence=evidence,
            span=best.span,
            extra={"also": [h.chunk.citation.article_title for h in also]} if also else {},
        )
        if self._llm is not None:
            return self._llm.improve(result, ordered[:5])
        return result

    def _refuse(self, q: Question, hits: list[Hit], why: str) -> Answer:
        titles = list(dict.fromkeys(h.chunk.citation.article_title for h in hits))[:3]
        closest = "；".join(f"《{t}》" if not t.startswith("《") else t for t in titles)
        message = "简报中没有找到能回答这个问题的内容。"
        if closest:
            message += f"最接近的文章：{closest}"
        distinct = tuple({(h.chunk.citation.issue_id, h.chunk.article_no): h for h in reversed(hits)}.values())[::-1]
        return Answer(q.text, False, message[:MAX_ANSWER], distinct[:5], kind=q.kind, extra={"why": why})

    def _confident(self, q: Question, best: Candidate, hits: list[Hit]) -> bool:
        top_dense = max((h.dense_score or 0.0) for h in hits)
        if top_dense < MIN_DENSE or best.coverage < MIN_COVERAGE:
            return False
        c = best.hit.chunk.citation
        passage = c.article_title + best.hit.chunk.text + (c.publisher or "") + (c.issue_title or "")
        if any(not _named_in(e, passage) for e in q.entities):
            return False  # the question names a place or person the evidence does not
        if q.kind in ("what", "list") and q.noun and len(q.noun) >= 2:
            # 「作了哪些批示」: the passage must speak of 批示 (or a kind of it) at all.
            passage = best.hit.chunk.citation.article_title + best.hit.chunk.text
            if not re.search(_NOUN_ALIASES.get(q.noun, re.escape(q.noun[-2:])), passage):
                return False
        if q.qualifier and q.qualifier not in passage:
            return False
        if q.kind == "when" and q.anchor and len(q.anchor) >= 2:
            # 「何时担任…」: a date next to some other event is no answer.
            verb = anchor_pattern(q.anchor)
            if verb and not verb.search(passage):
                return False
        for year, phrase in re.findall(rf"(\d{{4}})年([{_HAN}]{{4,}})", q.text):
            # 「2019年全市党史工作会议」 is not answered by 「2021年全市党史工作会议」.
            clash = re.search(rf"(\d{{4}})年{re.escape(phrase[:4])}", passage)
            if clash and clash.group(1) != year and f"{year}年{phrase[:4]}" not in passage:
                return False
        return not (q.kind in ("when", "who", "number", "where") and best.span is None)

    def _best(self, q: Question, hits: list[Hit], searcher: Searcher) -> Candidate | None:
        total = sum(q.weights.values()) or 1.0
        postings = searcher.snapshot.sparse.postings
        known = {t: w for t, w in q.weights.items() if t in postings}
        # Words no bulletin uses count like an average word: a paraphrase costs a little, a topic the
        # corpus never covers (无人机表演) costs a lot.
        typical = sorted(known.values())[len(known) // 2] if known else 1.0
        cover_weights = {**known, **{t: typical for t in q.weights if t not in postings and len(t.strip("了的")) >= 2}}
        cover_total = sum(cover_weights.values()) or 1.0
        top_score = hits[0].score or 1.0
        anchor_re = anchor_pattern(q.anchor)
        best: Candidate | None = None
        for rank, hit in enumerate(hits):
            chunk = hit.chunk
            c = chunk.citation
            # 「市委党史研究室」 in a 南充 bulletin is 南充's: the masthead is context for every passage.
            title = (
                c.article_title + (c.subtitle or "") + c.section + (c.publisher or "") + (c.issue_title or "")
                + hit.context
            )
            # Paraphrase words the corpus never uses say nothing; unknown names are refused earlier.
            coverage = sum(w for t, w in cover_weights.items() if t in title + chunk.text) / cover_total
            passage = title + chunk.text
            missing = [e for e in q.entities if not _named_in(e, passage)]
            lead = chunk.chunk_no == 0
            for s, e in sentences(chunk.text):
                sentence = chunk.text[s:e]
                in_sentence = sum(w for t, w in q.weights.items() if t in sentence)
                in_title = sum(w for t, w in q.weights.items() if t not in sentence and t in title)
                span, quality = extract(q, sentence, chunk.citation.issue_date, chunk.text, searcher, lead and s == 0)
                score = (
                    (in_sentence + 0.6 * in_title) / total
                    + 0.35 * (hit.score / top_score)
                    + (0.25 + 0.35 * quality if span else 0.0)
                    + (0.2 if q.anchor and len(q.anchor) >= 2 and anchor_re and anchor_re.search(sentence) else 0.0)
                    - 0.02 * rank
                    - 0.6 * len(missing)
                )
                if best is None or score > best.score:
                    best = Candidate(hit, sentence, s, score, span, coverage)
        return best


# --- span extraction: each returns (span, quality 0..1) ----------------------------------------


def extract(
    q: Question,
    sentence: str,
    issue_date: str | None,
    article: str = "",
    searcher: Searcher | None = None,
    is_lead: bool = False,
) -> tuple[str | None, float]:
    if q.kind == "when":
        return extract_date(sentence, issue_date, q.anchor, article, is_lead)
    if q.kind == "who":
        return extract_person(sentence, q, searcher)
    if q.kind == "number":
        return extract_number(sentence, q)
    if q.kind == "list":
        return extract_list(sentence, q)
    if q.kind == "where":
        return extract_place(sentence, q)
    if q.kind == "what":
        return extract_name(sentence, q)
    return None, 0.0


def extract_place(sentence: str, q: Question) -> tuple[str | None, float]:
    """「在哪里举行」: the place after 在/于 and before the event verb (在重庆图书馆举行)."""
    m = re.search(r"(?:在|于)([^，。；在于]{2,24}?)(?:举行|召开|举办|开幕|开展|启动|揭牌|开馆|进行|集中)", sentence)
    if m:
        return m.group(1), 0.9
    m = re.search(r"(?:位于|坐落于|地处|设在)([^，。；]{2,24})", sentence)
    return (m.group(1), 0.9) if m else (None, 0.0)


def extract_date(
    sentence: str, issue_date: str | None, anchor: str | None, article: str = "", is_lead: bool = False
) -> tuple[str | None, float]:
    found: list[tuple[int, int, str, int]] = []  # start, end, value, precision (3 day, 2 month, 1 year)
    taken: list[tuple[int, int]] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value = resolve_date(m, issue_date, article)
            if value:
                precision = 3 if m.groupdict().get("d") else 2 if m.groupdict().get("m") else 1
                found.append((m.start(), m.end(), value, precision))
                taken.append((m.start(), m.end()))
    if not found:
        return None, 0.0
    found.sort()
    # 「将于2021年6月结项」: a date right before the asked verb is the one.
    verb = anchor_pattern(anchor)
    if verb:
        for start, end, value, precision in found:
            if verb.search(sentence[end : end + 10]):
                return value, 1.0
    # Bulletins lead with the event date: 「2020年11月30日，万州区委…」.
    start, end, value, precision = found[0]
    if start <= 2 and precision >= 2:
        return value, 0.9 if is_lead else 0.8
    best = max(found, key=lambda f: (f[3], -f[0]))
    return best[2], 0.3 * best[3]


# Common Chinese surnames: a tagged "name" that starts otherwise (宣传部, 红岩) is not a person.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安"
    "齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚"
    "皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦"
    "戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信"
    "展阴昝智幸奉植衡富尧闭由"
)
_PERSON_AFTER_TITLE = re.compile(rf"(?:{TITLES})([{_HAN}]{{2,3}})")
_NAME_STOP = re.compile(
    r"(?:主持|出席|率|陪同|参加|讲话|指出|强调|表示|要求|介绍|作|到|赴|在|带队|调研|一行|同志|等|和|与|及|为|以|获|向|对|给|讲|宣讲"
    r"|进行|接受|讲述|回忆|说|的|是|被|将|把|已|也|都|还|从|于|致辞|发言|颁发|捐赠|题写|揭牌|授旗)"
)


def _clip_name(sentence: str, start: int) -> str | None:
    """Two- or three-character name: cut before a following verb (莫恭明主持 / 王俊出席)."""
    for length in (3, 2):
        name = sentence[start : start + length]
        rest = sentence[start + length : start + length + 2]
        if len(name) == length and re.match(rf"[{_HAN}]{{{length}}}$", name) and (
            not rest or _NAME_STOP.match(rest) or not re.match(rf"[{_HAN}]", rest[0])
        ):
            if not _NAME_STOP.search(name):
                return name
    return None


def _name_before(sentence: str, end: int) -> str | None:
    """「有郭远红烈士家书」: the name printed just before a role word."""
    for length in (3, 2):
        start = end - length
        if start < 0:
            continue
        name = sentence[start:end]
        prev = sentence[start - 1] if start > 0 else ""
        if (
            re.fullmatch(rf"[{_HAN}]{{{length}}}", name)
            and name[0] in SURNAMES
            and (not prev or not re.match(rf"[{_HAN}]", prev) or prev in "有的和与及是为向对给将把由等了")
        ):
            return name
    return None


def person_spans(sentence: str, searcher: Searcher | None) -> list[tuple[int, int, str]]:
    """Names in a sentence: after a title (区委书记王俊), known from the corpus, or tagged by jieba."""
    spans: dict[int, tuple[int, int, str]] = {}
    for m in _PERSON_AFTER_TITLE.finditer(sentence):
        name = _clip_name(sentence, m.start(1))
        if name:
            spans[m.start(1)] = (m.start(1), m.start(1) + len(name), name)
    if searcher is not None:
        pos = 0
        terms = searcher.snapshot.terms
        for word, flag in searcher.snapshot.tokenizer.tag(sentence):
            after = sentence[pos + len(word) : pos + len(word) + 2]
            plausible = terms.get(word) == "person" or (
                2 <= len(word) <= 3 and (not after or _NAME_STOP.match(after) or not re.match(rf"[{_HAN}]", after[0]))
            )
            if flag == "nr" and plausible and word[0] in SURNAMES and pos not in spans:
                spans[pos] = (pos, pos + len(word), word)
            pos += len(word)
    return sorted(spans.values())


def extract_person(sentence: str, q: Question, searcher: Searcher | None = None) -> tuple[str | None, float]:
    if q.person:
        role = extract_role(sentence, q.person)
        return (role, 1.0) if role else (None, 0.0)
    found = person_spans(sentence, searcher)
    if q.role and not re.fullmatch(TITLES, q.role):
        # A role the question names (烈士, 宣讲员, 老党员): the name printed right after it.
        for m in re.finditer(re.escape(q.role), sentence):
            name = _clip_name(sentence, m.end())
            if name:
                found.append((m.end(), m.end() + len(name), name))
            before = _name_before(sentence, m.start())
            if before:
                found.append((m.start() - len(before), m.start(), before))
    names = [sp for sp in found if sp[2] not in q.text]
    if not names:
        return None, 0.0
    if q.role:
        # 「主任是谁」: only a name printed right next to that title answers it.
        for start, end, name in names:
            before = sentence[max(0, start - 10) : start]
            role_before = re.search(rf"(副|常务副)?{q.role}[、，]?$", before)
            if role_before and role_before.group(1) and not q.role.startswith("副"):
                continue  # 「党委副书记潘洵」 is not the 党委书记
            if role_before or sentence[end : end + len(q.role)] == q.role:
                return name, 1.0
        return None, 0.0

    def fit(sp: tuple[int, int, str]) -> float:
        start, end, _ = sp
        after = sentence[end : end + 10]
        before = sentence[max(0, start - 10) : start]
        value = sum(w for t, w in q.weights.items() if t in after) + 0.5 * sum(
            w for t, w in q.weights.items() if t in before
        )
        if q.anchor and sentence[end : end + 4].find(q.anchor) >= 0:
            value += 20  # 「何远主持会议」 answers 「谁主持」 whatever else is near
        return value

    best = max(names, key=fit)
    return best[2], min(1.0, 0.4 + 0.1 * fit(best))


def extract_role(sentence: str, person: str) -> str | None:
    """「潘洵是谁」: the title printed before the name (西南大学党委副书记潘洵)."""
    pos = sentence.find(person)
    if pos <= 0:
        return None
    m = re.search(rf"([{_HAN}“”]{{0,20}}(?:{TITLES})、?)$", sentence[:pos])
    if not m:
        return None
    role = re.split(r"[，。；、]", m.group(1).rstrip("、"))[-1]
    return f"{role}{person}" if role else None


def _counter_of(text: str) -> str:
    m = re.search(rf"({CLASSIFIERS}|%|％)$", text)
    return m.group(1) if m else ""


def _compatible(asked: str | None, found: str) -> bool:
    """Whether a number printed with counter ``found`` can answer 「几/多少 + asked」."""
    if not asked or asked == found or found.endswith(asked):
        return True
    if any(asked in group and found in group for group in _COUNTER_GROUPS):
        return True
    if asked == "个":  # the generic counter: any count, but not a year, a duration or money
        return not any(found in group for group in _COUNTER_GROUPS[3:])
    return False


def extract_number(sentence: str, q: Question) -> tuple[str | None, float]:
    spans: list[tuple[int, int, str]] = []
    for m in NUMBER.finditer(sentence):
        text = m.group(0)
        digits = re.sub(rf"[^0-9{_CN_NUM}]", "", text)
        if not re.search(r"\d", digits):
            # Chinese numerals are often words, not counts: 一项, 百年, 百名老党员, 千家万户.
            if digits[:1] in "百千万亿" or (digits == "一" and not q.classifier) or text.endswith("年"):
                continue
        if not _compatible(q.classifier, _counter_of(text)):
            continue
        if m.start() > 0 and sentence[m.start() - 1] == "第":
            continue  # 第4次 is an ordinal, not a count
        spans.append((m.start(), m.end(), text))
    if not spans:
        return None, 0.0

    def fit(sp: tuple[int, int, str]) -> float:
        start, end, text = sp
        value = 0.0
        if q.noun:
            head = q.noun[-2:]
            if q.noun in sentence[end : end + len(q.noun) + 6] or q.noun in sentence[max(0, start - len(q.noun) - 6) : start]:
                value += 3
            elif head in sentence[end : end + 10] or head in sentence[max(0, start - 10) : start]:
                value += 2
        if q.classifier and text.endswith(q.classifier):
            value += 1.5
        if q.anchor and q.anchor in sentence[max(0, start - 8) : end + 6]:
            value += 2
        window = sentence[max(0, start - 10) : end + 10]
        value += sum(0.3 for t in q.tokens if t in window)
        return value

    best = max(spans, key=fit)
    start, end, text = best
    window = sentence[max(0, start - len(q.noun or "") - 12) : end + len(q.noun or "") + 12]
    if q.noun and q.noun not in window and not (q.noun[-2:] in window and (not q.anchor or q.anchor in sentence)):
        return None, 0.0  # 「现有多少名工作人员」: a number about something else is no answer
    noun = q.noun or ""
    if noun and sentence[start - len(noun) : start] == noun:
        text = noun + text
    elif noun and sentence[end : end + len(noun)] == noun:
        text = text + noun
    return text, min(1.0, 0.3 + 0.15 * fit(best))


def extract_list(sentence: str, q: Question) -> tuple[str | None, float]:
    """Enumerations: 一是领导有力。二是工作有方… or X、Y、Z."""
    items = re.findall(r"[一二三四五六七八九十]是([^。；，]{2,20})", sentence)
    if len(items) >= 2:
        return "、".join(items), 1.0
    first = re.search(r"一是([^。；，]{2,20})", sentence)
    if first:
        return first.group(1), 0.7
    return extract_name(sentence, q)


def extract_name(sentence: str, q: Question) -> tuple[str | None, float]:
    """Book and document titles in 《》, organisations, or what follows the question's verb (荣获…)."""
    books = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"《[^《》]{2,60}》", sentence)]
    books = [b for b in books if b[2] not in q.text]
    if books and re.search(r"书|著作|出版|编纂|读本|画册|丛书|刊物|文件|作品|选编|史料|教材|题目|课题|党课|文章|报告", q.text):
        return _nearest(books, sentence, q.anchor)[2], 0.9  # type: ignore[index]
    if q.noun and re.search(ORG_SUFFIX + "|高校|单位|部门|机构", q.noun):
        wanted = {
            "高校": "大学|学院",
            "单位": ORG_SUFFIX,
            "部门": ORG_SUFFIX,
            "机构": ORG_SUFFIX,
            "出版社": "出版社|书社|书局|出版集团|出版公司",
        }.get(q.noun, q.noun)
        orgs = [
            (m.start(), m.end(), _trim_org(m.group(1)))
            for m in re.finditer(rf"([{_HAN}]{{2,30}}(?:{wanted})(?:[{_HAN}]{{0,10}}?(?:学院|分院|中心))?)", sentence)
        ]
        orgs = [(s, e, o) for s, e, o in orgs if len(o) >= 3 and o not in q.text]
        if orgs:
            return _nearest(orgs, sentence, q.anchor)[2], 0.9  # type: ignore[index]
    if re.search(r"奖|荣誉|称号|表彰", q.text):
        award = re.search(r"(?:荣获|获得|获评|被评为|评为|授予|获)([^，。；]{2,40})", sentence)
        if award:
            grade = re.search(r"[一二三四五六七八九十特]等奖|优秀奖|金奖|银奖|铜奖", award.group(1))
            if "几等" in q.text and grade:
                return grade.group(0), 1.0
            honour = re.search(r"(?:奖|单位|集体|个人|称号|荣誉|示范\w{0,4}|标兵|模范|先进|优秀\w{0,6}|基地)$", award.group(1))
            return award.group(1), 0.9 if honour else 0.2
    if re.search(r"叫什么|名称|名字|主题|口号|题目", q.text):
        quoted = [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"“([^“”]{2,30})”", sentence)]
        quoted = [qt for qt in quoted if qt[2] not in q.text]
        if quoted:
            return _nearest(quoted, sentence, q.anchor)[2], 0.9  # type: ignore[index]
    verb_re = anchor_pattern(q.anchor)
    if verb_re:
        # 「在哪次斗争中牺牲」: 在渡江战役中英勇牺牲
        for m in verb_re.finditer(sentence):
            where = re.search(r"在([^，。；在]{2,20}?)(?:中|期间|时|上|里)?[^，。；]{0,4}$", sentence[: m.start()])
            if where and q.kind in ("what", "where"):
                return where.group(1), 0.8
    verbs = [q.anchor] if q.anchor else []
    verbs += ["荣获", "获得", "获评", "被评为", "授予", "命名为", "评为", "表彰为", "以"]
    for verb in verbs:
        if not verb:
            continue
        pos = sentence.find(verb)
        if pos >= 0:
            tail = re.split(r"[，。；！？]", sentence[pos + len(verb) :])[0]
            if 2 <= len(tail) <= 60 and not tail.startswith(("的", "了")):  # 「存在的问题」 is a heading
                return tail, 0.6
    if books:
        return books[0][2], 0.4
    return None, 0.0


def _trim_org(text: str) -> str:
    """The organisation name at the end of a run of text: 日前由四川人民出版社 → 四川人民出版社."""
    return re.split(r"由|与|和|同|及|在|向|经|联合|会同|依托|邀请|的|了|对|为|是|将|把|被|从|到|签订|签署", text)[-1]


def _nearest(spans: list[tuple[int, int, str]], sentence: str, anchor: str | None) -> tuple[int, int, str] | None:
    if not spans:
        return None
    if anchor and anchor in sentence:
        pos = sentence.index(anchor)
        return min(spans, key=lambda sp: min(abs(sp[0] - pos), abs(sp[1] - pos)))
    return spans[0]
