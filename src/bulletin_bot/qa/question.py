"""The question as people type it, made readable (繁→简, 啥→什么, name typos) and analysed.

Analysis finds the kind (when/who/…), the idf weight of each word, the names it mentions and the
slots its kind module fills (the asked verb, noun, classifier, role). Names that no bulletin
mentions are the one fact that refuses outright, so they are corrected first where a corpus name
sounds the same (徐赛声 → 徐塞声: pinyin input methods make homophone typos).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from ..errors import QuestionError
from ..model import Kind
from .kinds import module_for
from .lexicon import alternation, lexicon
from .slots import Slots

if TYPE_CHECKING:
    from ..index.store import Snapshot

MAX_QUESTION = 1000
HAN = "\u4e00-\u9fff"
_NO_NAME_CHARS = set("的了在和与及召开全各本该由对为是并于等率到赴同志书记主任陪常委会区县市省")


def check_question(text: str | None) -> str:
    """A usable question or a ``QuestionError`` saying what is wrong with it."""
    if text is None:
        raise QuestionError("the question is empty")
    text = re.sub(r"\s+", " ", str(text)).strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION:
        raise QuestionError(f"the question is too long ({len(text)} characters; at most {MAX_QUESTION})")
    if not re.search(rf"[{HAN}0-9A-Za-z]", unicodedata.normalize("NFKC", text)):
        raise QuestionError("the question has no words (only symbols or emoji)")
    return text


@cache
def _t2s():  # type: ignore[no-untyped-def]
    try:
        import opencc
    except ImportError:  # the conversion is a convenience; questions in simplified still work
        return None
    return opencc.OpenCC("t2s")


def is_chinese(text: str) -> bool:
    """A question with Han characters, or one that is only names and numbers (「L5」)."""
    han = len(re.findall(rf"[{HAN}]", text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    return han > 0 or latin_words < 2


def normalise(text: str) -> str:
    """Full-width forms, traditional characters and colloquial words brought to what bulletins print."""
    text = unicodedata.normalize("NFKC", text)  # ＡＢＣ１２３ → ABC123, full-width punctuation → ASCII
    text = text.replace("?", "？").replace(",", "，").replace("!", "！")
    converter = _t2s()
    if converter is not None:
        text = converter.convert(text)
    lex = lexicon()
    for spoken, written in lex.replace.items():
        text = text.replace(spoken, written)
    # Particles carry tone, not content: 「听的党史汇报啊」 asks what 「听取党史汇报」 asks.
    text = re.sub(rf"(?:{alternation(lex.particles)})+(?=[？。！，\s]|$)", "", text)
    return text.strip() or text


def question_kind(text: str) -> Kind:
    lex = lexicon()
    named = rf"(?:{alternation(lex.named_nouns)})(?:的)?(?:叫什么|名称|名字|主题是)"
    if re.search(alternation(lex.what_overrides), text) or re.search(named, text):
        return Kind.WHAT
    # 「市委宣传部副部长叫什么」, 「市委台办主任？」: a title asked for its holder.
    asks_place = re.search(r"哪(?:个|一个)?(?:区|县|市|省|镇|乡|村|街道|地方)|哪里", text)  # 「哪个区的书记」
    if re.search(rf"(?:{alternation(lex.titles)})(?:叫什么|是|[？。]|$)", text) and not re.search(r"多少|几|何时|什么时候|哪天", text) and not asks_place:
        return Kind.WHO
    # 「分哪四个环节」, 「哪3家单位」: as many items as the question counts.
    if re.search(rf"哪(?:[2-9]|[两三四五六七八九十])(?:{alternation(lex.classifiers)})", text):
        return Kind.LIST
    # 「“五有”标准指的是什么」, 「“三个结合”是啥」: a numbered slogan's items.
    if re.search(r"“[^“”]{0,6}[两三四五六七八九十][^“”]{0,6}”[^，。？]{0,6}(?:是什么|指什么|指的是什么|具体是什么|分别是什么|包括什么)", text):
        return Kind.LIST
    # 「提的4条建议是什么」: a count of two or more asked for what they are wants the items.
    if re.search(rf"(?:[2-9]|[两三四五六七八九十])(?:{alternation(lex.classifiers)})[{HAN}]{{0,6}}(?:是什么|分别是|都是什么|具体是什么|指什么)", text):
        return Kind.LIST
    # The first kind in order whose wh-word is not just part of a longer wh-word of another kind:
    # 「哪几个环节」 asks for the items (哪几, a list), not for a count (its 几).
    spans = {name: [m.span() for m in re.finditer(alternation(lex.kinds[name]), text)] for name in lex.kind_order}
    for name in lex.kind_order:
        for s, e in spans[name]:
            covered = any(
                s2 <= s and e <= e2 and e2 - s2 > e - s
                for other, found in spans.items() if other != name for s2, e2 in found
            )
            if not covered:
                return Kind(name)
    return Kind.OTHER


@dataclass(frozen=True)
class Question:
    text: str  # normalised: what retrieval and extraction see
    original: str
    kind: Kind
    slots: Slots
    tokens: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=dict)  # idf of each token over the corpus
    entities: tuple[str, ...] = ()  # places and people the question names that the corpus knows
    unknown: tuple[str, ...] = ()  # names in the question that no bulletin mentions
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, corpus name) applied to ``text``
    years: tuple[str, ...] = ()  # years the question states (2019年…)
    chinese: bool = True
    unseen: frozenset[str] = frozenset()  # tokens no bulletin prints (门票, but also 搞): weights alone can't tell

    @property
    def anchors(self) -> tuple[str, ...]:
        """The asked verb and the near-synonyms bulletins print for it."""
        return lexicon().synonyms(self.slots.anchor) if self.slots.anchor else ()


# --- names: the corpus's own lexicon, corrected by sound ------------------------------------------


@cache
def _pinyin(ch: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch)[0]


class NameIndex:
    """Corpus names (people, places, units) keyed by themselves with one character blanked out, for
    typo correction: a question run that matches a name but for one character is a typo for it when
    the two characters sound alike. Pinyin is looked up only for such near misses, so a question
    whose names are printed verbatim never loads pypinyin's tables (≈ 0.2 s in a new process)."""

    def __init__(self, terms: dict[str, str]) -> None:
        self.terms = terms
        self.by_gap: dict[str, list[tuple[int, str, int]]] = {}  # 徐\0声 → [(order, 徐塞声, 1)]
        for order, (term, kind) in enumerate(terms.items()):
            if kind in ("person", "place", "unit") and 2 <= len(term) <= 6 and re.fullmatch(rf"[{HAN}]+", term):
                for i in range(len(term)):
                    self.by_gap.setdefault(term[:i] + "\0" + term[i + 1 :], []).append((order, term, i))

    @staticmethod
    def sound(text: str) -> str:
        try:
            return " ".join(_pinyin(c) for c in text)
        except ImportError:
            return text

    def correct(self, text: str, printed: callable) -> list[tuple[str, str]]:  # type: ignore[valid-type]
        """(typed, known) pairs: a run of the question that sounds like a corpus name, differs from it
        in one character, and is printed nowhere in the bulletins (the first such name in corpus order)."""
        found: list[tuple[str, str]] = []
        taken: list[tuple[int, int]] = []
        for length in (4, 3, 2):
            for start in range(len(text) - length + 1):
                if any(start < e and s < start + length for s, e in taken):
                    continue
                typed = text[start : start + length]
                if not re.fullmatch(rf"[{HAN}]+", typed) or typed in self.terms:
                    continue
                near = sorted({h for i in range(length) for h in self.by_gap.get(typed[:i] + "\0" + typed[i + 1 :], ())})
                for _, known, i in near:
                    if self.sound(typed[i]) == self.sound(known[i]) and not printed(typed):
                        found.append((typed, known))
                        taken.append((start, start + length))
                        break
        return found


def _printed(snap: Snapshot, word: str) -> bool:
    """Printed in an article, or in a masthead (枫林县委宣传部 names 枫林县)."""
    if snap.mentions(word):
        return True
    return any(word in (i.publisher or "") + (i.title or "") for i in snap.issues.values())


def _looks_like_name(word: str, flag: str, snap: Snapshot) -> bool:
    """jieba tags many words ns/nr (上台, 红岩): a name must also look like one."""
    lex = lexicon()
    if len(word) < 2 or not re.fullmatch(rf"[{HAN}]+", word):
        return False
    if flag == "ns":
        return word[-1] in "省市区县镇乡村州" and len(word) >= 3
    if flag == "nt":
        return len(word) >= 4 and any(word.endswith(s) for s in lex.org_suffixes)
    if flag.startswith("nr"):
        return (
            2 <= len(word) <= 3
            and word[0] in lex.surnames
            and word[0] not in "那这哪每各某该此"  # 那本书 is no person
            and not snap.tokenizer.is_common_word(word)
        )
    return False


def _near_printed(snap: Snapshot, word: str) -> str | None:
    """A printed name one character away from ``word`` (郑玉芳 → 郑玉芬), sounding alike if possible."""
    found: list[str] = []
    for i in range(len(word)):
        pattern = word[:i] + "_" + word[i + 1 :]
        rows = snap.db.execute(
            "SELECT text FROM articles WHERE text LIKE ? LIMIT 20", (f"%{pattern}%",)
        ).fetchall()
        regex = re.compile(re.escape(word[:i]) + rf"[{HAN}]" + re.escape(word[i + 1 :]))
        for (text,) in rows:
            found.extend(m.group(0) for m in regex.finditer(text) if m.group(0) != word)
    if not found:
        return None
    sound = NameIndex.sound(word)
    same = [f for f in found if NameIndex.sound(f) == sound]
    pool = same or found
    return max(set(pool), key=pool.count)


def _names(text: str, snap: Snapshot) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(known entities, unknown names, corrections): people/places the corpus knows; names that no
    bulletin prints, unless one printed name is a character away (then it is a typo for it)."""
    from ..search import query_entities

    terms = snap.terms
    known = [e for e in query_entities(text, terms) if terms.get(e) in ("place", "person")]
    unknown: list[str] = []
    fixes: list[tuple[str, str]] = []
    for word, flag in snap.tokenizer.tag(text):
        if _looks_like_name(word, flag, snap) and not query_entities(word, terms) and not _printed(snap, word):
            near = _near_printed(snap, word)
            if near:
                fixes.append((word, near))
            else:
                unknown.append(word)
    # A Latin word no bulletin prints in any case (Smith是谁, PPT课件): named, and not there.
    for word in dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z0-9]+", text)):
        if not any(_printed(snap, w) for w in {word, word.lower(), word.upper(), word.capitalize()}):
            unknown.append(word)
    # 渝中区委书记: a district no bulletin mentions, though jieba does not tag it.
    for m in re.finditer(r"[区县市州](?=委|人大|政府|政协|党史|史志|档案|宣传部|组织部)", text):
        readings = [
            text[m.end() - n : m.end()]
            for n in (2, 3, 4)
            if m.end() - n >= 0 and re.fullmatch(rf"[{HAN}]+", text[m.end() - n : m.end()])
            and not set(text[m.end() - n : m.end() - 1]) & (_NO_NAME_CHARS | set("把将被给向从对持年月日期是"))
        ]
        # The three-character reading (江北区) is the name; a shorter one counts only as a known place
        # (北区 is printed inside 渝北区 and proves nothing).
        full = readings[1:] or readings
        if readings and not any(terms.get(r) == "place" for r in readings) and not any(_printed(snap, r) for r in full):
            unknown.append(readings[min(1, len(readings) - 1)])
    # 桃花镇有几个…: a town no bulletin mentions, which jieba cuts 桃花/镇有. Kept to a two-character
    # name starting the question or after a verb of going, so that words (美丽乡村, 城乡) never count.
    for m in re.finditer(rf"(?:^|(?<=[^{HAN}])|(?<=[在到去赴和与对及是]))([{HAN}]{{2}})(镇|乡|街道)(?![村镇长民里亲下愁土音])", text):
        name = m.group(0)
        if set(m.group(1)) & (_NO_NAME_CHARS | set("城农家故外各全本该每哪")):
            continue
        if terms.get(name) == "place" or _printed(snap, name) or _printed(snap, m.group(1)):
            continue
        if not _near_printed(snap, name):
            unknown.append(name)
    return known, list(dict.fromkeys(unknown)), fixes


def analyse(raw: str, snap: Snapshot) -> Question:
    """Normalise and analyse a question against one index version."""
    original = check_question(raw)
    text = normalise(original)
    chinese = is_chinese(text)
    corrections: list[tuple[str, str]] = []
    if chinese:
        names = getattr(snap, "_qa_names", None)
        if names is None:
            names = NameIndex(snap.terms)
            snap._qa_names = names  # built once per opened version
        corrections = names.correct(text, snap.mentions)
        for typed, known in corrections:
            text = text.replace(typed, known)
    known, unknown, fixes = _names(text, snap) if chinese else ([], [], [])
    for typed, printed in fixes:
        text = text.replace(typed, printed)
        corrections.append((typed, printed))
    tokens = tuple(dict.fromkeys(snap.tokenizer.tokens(text)))
    n = max(len(snap.sparse), 1)
    weights = {}
    unseen = set()
    for t in tokens:
        docs = snap.sparse.postings.get(t)
        df = len(docs[0]) if docs else 0
        if not df:
            unseen.add(t)
        # Words the corpus never uses weigh most: a question about them is likely out of scope.
        weights[t] = math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else math.log(1 + n + 0.5) + 1.0
    kind = question_kind(text) if chinese else Kind.OTHER
    slots = module_for(kind).parse(text, snap)
    if slots.person:
        known = [e for e in known if e != slots.person]
    anchor = slots.anchor
    if anchor and len(anchor) == 2 and any(anchor[1] == e[0] and anchor + e[1:] in text for e in known):
        # 「到达川区」: 到 + 达川区, not 到达
        slots = Slots(**{**slots.__dict__, "anchor": anchor[0]})
    years = tuple(re.findall(r"(\d{4})年", text))
    return Question(
        text, original, kind, slots, tokens, weights, tuple(known), tuple(unknown), tuple(corrections), years, chinese,
        frozenset(unseen),
    )
