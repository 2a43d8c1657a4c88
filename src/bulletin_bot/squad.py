"""SQuAD-format reading-comprehension data (CMRC 2018, DRCD) as bulletin issues plus an eval question file.

Each passage becomes one article of a plain-text issue laid out the way ``ingest/parse.py`` reads the
bundled corpus: a masthead (刊名, 期号, publisher and a date), a contents list, one 【百科】 section,
and per article its Wikipedia title, the passage (one indented line per paragraph) and a （…供稿）
note. Questions become ``qa_dev.jsonl`` rows whose ``key`` is a corpus-unique stretch of the passage
around the answer, so hit@k is judged on the article that holds the answer.

The parser removes spaces between CJK text and Latin letters or digits (``squeeze``); a passage with
such spaces comes back without them. ``check_issues`` measures how many passages survive exactly.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .errors import BulletinError

SECTION = "百科"
MASTHEAD = "百科知识简报"
PUBLISHER = "百科阅读理解语料组"
SOURCE_NOTE = "（中文维基百科供稿）"
PER_ISSUE = 10
_SENTENCE_END = "。！？；!?;\n"
_WS = re.compile(r"\s+")

# Question kind by wh-word, first match wins: why/how first (为什么…哪里 is not a where question), when before
# number (哪一年), where before what (哪个国家).
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("other", re.compile(r"(?<![称成作认视改名算叫译])为什么|为何|怎样|怎么样|如何|有何作用|什么作用|什么意义|什么关系|什么特点")),
    ("when", re.compile(r"什么时候|何时|哪一?年|哪一?天|哪一?月|几月|几号|几日|何年|年份|日期|时间是|什么时间|多少年[前后]|哪个朝代|什么朝代|哪个时期|哪个年代")),
    ("who", re.compile(r"谁|哪位|何人|什么人|哪个人|哪些人|是哪一?个人")),
    ("number", re.compile(r"多少|第几|几(?!乎)|多[大长高重远宽深久]|数量|人口|面积|总数")),
    ("where", re.compile(r"哪里|哪儿|何处|何地|什么地方|哪个地方|在哪|哪[个一座]?(?:国家?|省|市|城市|州|县|地区|洲|区|岛|镇|村|河|山)|位于|来自哪|出生于哪|发源于")),
    ("what", re.compile(r"什么|哪[个些种项部类本首款一座]|何种|何为|是指|指的是|叫做|称为|名字|名称|哪")),
)  # fmt: skip


# Traditional forms of the characters the patterns use, so DRCD questions get kinds too.
_T2S = str.maketrans(
    "麼誰裡裏幾時個處國縣區島鎮間稱為樣關點項類種數積總長遠寬號門歲場屆條團級稱們這那該於來與從對發現過麽",
    "么谁里里几时个处国县区岛镇间称为样关点项类种数积总长远宽号门岁场届条团级称们这那该于来与从对发现过么",
)


def guess_kind(question: str) -> str:
    """when | who | number | where | what | other, from the question's wh-word."""
    question = question.translate(_T2S)
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return "other"


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    context: str
    qas: tuple[dict[str, Any], ...]


def load_squad(path: Path) -> list[Passage]:
    """Passages of a SQuAD-format file (``{"data": [{"title", "paragraphs": [{"context", "qas"}]}]}``)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
        articles = data["data"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BulletinError(f"{path}: not a SQuAD-format JSON file ({type(exc).__name__}: {exc})") from None
    passages = []
    for a_no, art in enumerate(articles):
        title = str(art.get("title") or "").strip()
        for p_no, para in enumerate(art.get("paragraphs") or []):
            context = str(para["context"])
            pid = str(para.get("id") or art.get("id") or f"{a_no}-{p_no}")
            if len(art["paragraphs"]) > 1 and pid == str(art.get("id")):
                pid = f"{pid}-{p_no}"
            passages.append(
                Passage(pid, title or _first_words(context), context, tuple(para.get("qas") or ()))
            )
    if not passages:
        raise BulletinError(f"{path}: no passages in the file")
    return passages


def is_squad_file(path: Path) -> bool:
    """True for a JSON file whose top level is ``{"data": [{"paragraphs": …}]}`` (not a JSONL question file)."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return (
        bool(re.match(r'\s*\{\s*"(?:version"\s*:\s*"[^"]*"\s*,\s*")?data"\s*:\s*\[', head))
        and "paragraphs" in head
    )


def subset(passages: list[Passage], limit: int | None, seed: int = 0) -> list[Passage]:
    """``limit`` passages drawn with a fixed seed, kept in file order (all of them when ``limit`` is None)."""
    if limit is None or limit >= len(passages):
        return passages
    keep = set(random.Random(seed).sample(range(len(passages)), limit))
    return [p for i, p in enumerate(passages) if i in keep]


def _first_words(text: str) -> str:
    return re.split(r"[，。；：,;:！？\s]", text.strip(), maxsplit=1)[0][:20] or "无题"


def _clean_title(title: str) -> str:
    """A title line the parser reads as a title: one line, no bullet or 【】 framing, no （…供稿） look-alike."""
    title = _WS.sub(" ", title).strip().lstrip("●○◆◇■□•▪►★☆").replace("【", "〔").replace("】", "〕")
    return title[:40] or "无题"


def render_issue(passages: list[Passage], number: int, day: date) -> str:
    """One issue in the bulletin text layout, one article per passage."""
    titles = [_clean_title(p.title) for p in passages]
    lines = [MASTHEAD, f"{day.year}年第{number}期", f"{PUBLISHER}编 {day.year}年{day.month}月{day.day}日", ""]
    # Contents entries end in a page number, as printed ones do: the parser strips a trailing number from an
    # entry, which would otherwise eat the 7 of 《飞黄腾达7》.
    lines += [f"【{SECTION}】", ""] + [f"●{t}……{k + 1}" for k, t in enumerate(titles)] + [""]
    lines += [f"【{SECTION}】", ""]
    for title, p in zip(titles, passages, strict=True):
        lines.append(title)
        for para in p.context.split("\n"):
            if para.strip():
                lines.append("  " + para.strip())
        lines += [SOURCE_NOTE, ""]
    return "\n".join(lines) + "\n"


def _key(context: str, start: int, text: str, others: Iterable[str]) -> str:
    """A whitespace-free stretch of the answer's sentence, around the answer, found in no other passage."""
    if not (0 <= start and context[start : start + len(text)] == text):
        found = context.find(text)
        start = max(found, 0)
    end = start + max(1, len(text))
    s0 = max((context.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    ends = [i for ch in _SENTENCE_END if (i := context.find(ch, end)) >= 0]
    s1 = min(ends) + 1 if ends else len(context)
    end = min(end, start + 30)  # a long answer: its opening is enough to find the article
    others = list(others)
    for pad in (6, 12, 20, 40):
        key = _WS.sub("", context[max(s0, start - pad) : min(s1, end + pad)])
        if not any(key in o for o in others):
            return key
    return key


def convert(
    passages: list[Passage],
    outdir: Path,
    *,
    per_issue: int = PER_ISSUE,
    first_day: date = date(2018, 3, 1),
    split: str = "",
) -> tuple[list[Path], list[dict[str, Any]]]:
    """Write ``issue-NNNN.txt`` files to ``outdir``; return them and the question rows (not written)."""
    outdir.mkdir(parents=True, exist_ok=True)
    flat = [_WS.sub("", p.context) for p in passages]
    # Keys are checked against the other passages through a 4-character index, not a scan of all of them.
    grams: dict[str, set[int]] = {}
    for i, t in enumerate(flat):
        for j in range(len(t) - 3):
            grams.setdefault(t[j : j + 4], set()).add(i)
    files: list[Path] = []
    rows: list[dict[str, Any]] = []
    for n, start in enumerate(range(0, len(passages), per_issue), 1):
        group = passages[start : start + per_issue]
        day = first_day + timedelta(days=7 * (n - 1))  # one issue a week: each issue its own date and id
        path = outdir / f"issue-{n:04d}.txt"
        path.write_text(render_issue(group, n, day), "utf-8")
        files.append(path)
        for k, p in enumerate(group):
            me = start + k
            for q in p.qas:
                answers = [str(a["text"]) for a in q.get("answers") or []]
                if not answers or not str(q.get("question") or "").strip():
                    continue  # unanswerable rows (SQuAD 2.0) are not CMRC's; the trial set has 2 empty questions
                first = q["answers"][0]

                cand = _WS.sub("", first["text"])[:4]
                near = set(grams.get(cand, set())) if len(cand) == 4 else set(range(len(flat)))
                near.discard(me)
                key = _key(
                    p.context, int(first.get("answer_start", -1)), first["text"], (flat[i] for i in near)
                )
                rows.append(
                    {
                        "id": str(q.get("id")),
                        "question": str(q["question"]).strip(),
                        "answers": answers,
                        "key": key,
                        "kind": guess_kind(str(q["question"])),
                        "passage": p.id,
                        "title": p.title,
                        "issue_file": path.name,
                        "issue_date": day.isoformat(),
                        **({"split": split} if split else {}),
                    }
                )
    return files, rows


def write_questions(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


@dataclass
class CheckReport:
    issues: int
    passages: int
    one_article_each: int  # passages that came back as exactly one article with the right title
    exact: int  # passage text identical after parsing
    same_without_spaces: int  # identical once whitespace is ignored (the parser squeezes CJK–Latin spaces)
    failures: list[str]


def check_issues(files: list[Path], passages: list[Passage], per_issue: int = PER_ISSUE) -> CheckReport:
    """Parse every issue back and compare each article with its passage."""
    from .ingest.parse import parse_file

    exact = same = one = 0
    failures: list[str] = []
    for n, path in enumerate(files):
        group = passages[n * per_issue : (n + 1) * per_issue]
        try:
            articles = parse_file(path).articles()
        except BulletinError as exc:
            failures.append(f"{path.name}: {exc}")
            continue
        if len(articles) != len(group):
            failures.append(f"{path.name}: {len(articles)} articles for {len(group)} passages")
        for (_, art), p in zip(articles, group, strict=False):
            want = "\n".join(x.strip() for x in p.context.split("\n") if x.strip())
            if _WS.sub("", art.title) == _WS.sub("", _clean_title(p.title)) and len(articles) == len(group):
                one += 1
            if art.text == want:
                exact += 1
            if _WS.sub("", art.text) == _WS.sub("", want):
                same += 1
            elif len(failures) < 20:
                failures.append(f"{path.name}: passage {p.id} changed")
    return CheckReport(len(files), len(passages), one, exact, same, failures)
