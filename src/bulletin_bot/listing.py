"""Questions across issues: time-scoped lists, people, and the same event in several places.

A single passage cannot answer 「2020年12月有哪些党史活动？」 or 「徐塞声参加了哪些活动？」: these
collect articles from the index's metadata (event dates, issue dates, 期号, mentions) and answer
with a list whose every item is cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .index.store import Snapshot
from .ingest.text import cn_int
from .model import Answer, Decision, Hit, Kind
from .search import Searcher, query_entities

MAX_ITEMS = 10
_HAN = "\u4e00-\u9fff"
# A list of articles is wanted: 「有哪些党史活动/文章」, 「讲了什么」; not 「作了哪些批示」 (a fact in one article).
_LIST_INTENT = re.compile(
    r"(?:哪些|哪几[篇项个]?|什么)(?:党史)?(?:活动|工作|文章|内容|动态|会议|事情?|新闻|报道|工作动态|党史工作|党史活动)"
    r"|讲了什么|讲了啥|说了什么|有什么内容|都有什么|列出|汇总|盘点|目录"
)
# What may follow a person's name in 「徐塞声参加了哪些活动？」-style questions.
_PERSON_ACTIVITIES = re.compile(
    r"(?:同志)?(?:都|一共|共|还|最近|近期)?(?:参加|出席|参与|主持|做|干|开展|去|到|有|出现在|调研|讲)?了?过?"
    r"(?:哪些|什么|几次)(?:活动|会议|工作|事情?|文章|场合|地方)?|(?:的)?(?:活动|相关文章|报道|相关报道)(?:有哪些)?"
)
@dataclass(frozen=True)
class Scope:
    """What part of the corpus a question is about, and how we read it (shown to the user)."""

    start: str | None = None  # ISO prefix, inclusive
    end: str | None = None
    issue_ids: tuple[str, ...] | None = None
    label: str = ""
    note: str | None = None  # how a relative expression was resolved


def parse_scope(question: str, snap: Snapshot) -> Scope | None:
    """Dates, months, 期号 and 最新/上一期/今年/去年 (relative to the newest issue) as a filter."""
    issues = [i for i in snap.issue_list() if i.date]  # newest first
    newest = issues[0].date if issues else None
    if re.search(r"最新一期|最近一期|本期|最新的简报|最新简报|最近的简报", question) and issues:
        i = issues[0]
        return Scope(issue_ids=(i.id,), label=f"最新一期（{i.number or ''}{i.date}）")
    if re.search(r"上一期|上期", question) and len(issues) > 1:
        i = issues[1]
        return Scope(issue_ids=(i.id,), label=f"上一期（{i.number or ''}{i.date}）")
    named = _named_issues(question, snap)
    m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:编发|出版|印发|出刊|编印|的那期|那期|的简报|一期|的一期|编)", question)
    if m:
        day = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        wanted = [i for i in named if i.date == day]
        return Scope(issue_ids=tuple(i.id for i in wanted), label=f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日的一期")
    m = re.search(r"(?:(\d{4})年)?第([0-9一二三四五六七八九十]+)期", question)
    if m:
        year, number = m.group(1), cn_int(m.group(2))
        wanted = [
            i
            for i in named
            if i.number
            and re.search(rf"第{number}期", i.number)
            and (year is None or i.number.startswith(f"{year}年") or (i.date or "").startswith(year))
        ]
        return Scope(issue_ids=tuple(i.id for i in wanted), label=m.group(0))
    base_year = int(newest[:4]) if newest else None
    rel = re.search(r"(今年|去年|前年)(?:(\d{1,2})月)?", question)
    if rel and base_year:
        year = base_year - {"今年": 0, "去年": 1, "前年": 2}[rel.group(1)]
        note = f"“{rel.group(1)}”按最新一期简报的日期（{newest}）计，即{year}年"
        if rel.group(2):
            month = int(rel.group(2))
            return Scope(f"{year}-{month:02d}", f"{year}-{month:02d}", label=f"{year}年{month}月", note=note)
        return Scope(f"{year}", f"{year}", label=f"{year}年", note=note)
    m = re.search(r"(\d{4})年(\d{1,2})月", question)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        return Scope(f"{year}-{month:02d}", f"{year}-{month:02d}", label=f"{year}年{month}月")
    m = re.search(r"(\d{4})年(?!第|度)", question)
    if m:
        return Scope(m.group(1), m.group(1), label=f"{m.group(1)}年")
    return None


def _named_issues(question: str, snap: Snapshot) -> list:
    """Issues whose title (《党史工作动态》) or publisher the question names; all when it names none."""
    issues = snap.issue_list()
    named = [
        i
        for i in issues
        if (i.title and i.title in question) or (i.publisher and i.publisher.replace("中共", "") in question)
    ]
    return named or issues


def _hit(snap: Snapshot, row: dict) -> Hit | None:
    chunk = snap.lead_chunk(row["issue_id"], row["article_no"])
    return Hit(chunk, 1.0) if chunk else None


def _short_places(entities: list[str], terms: dict[str, str]) -> list[str]:
    """万州区 is also printed as 万州: match articles by the short form of a place."""
    out = []
    for e in entities:
        if terms.get(e) == "place" and len(e) >= 3 and e[-1] in "区县市":
            out.append(e[:-1])
        else:
            out.append(e)
    return out


def _heading(title: str, items: list[str], total: int | None = None) -> str:
    total = total if total is not None else len(items)
    shown = f"，列出{len(items)}篇" if total > len(items) else ""
    return f"{title}（共{total}篇{shown}）" if items else title


def _render(title: str, items: list[str], note: str | None, total: int | None = None) -> str:
    head = _heading(title, items, total) + ("：" if items else "")
    body = "；".join(f"{n}. {item}" for n, item in enumerate(items, 1))
    text = head + body + (f"（{note}）" if note else "")
    return text if len(text) <= 200 else text[:199] + "…"


class Lister:
    """Answers list, person and time questions; returns None for questions a passage answers."""

    def answer(self, question: str, kind: str, person: str | None, searcher: Searcher) -> Answer | None:
        snap = searcher.snapshot
        if person:
            return self.person(question, person, snap, who=True)
        for name in (e for e in query_entities(question, snap.terms) if snap.terms.get(e) == "person"):
            rest = re.sub(r"[？?。！\s]", "", question.split(name, 1)[1])
            mentions = re.search(rf"(?:提到|提及|报道|涉及|关于)了?{name}", question)
            if _PERSON_ACTIVITIES.fullmatch(rest) or mentions:
                return self.person(question, name, snap, who=False)
        scope = parse_scope(question, snap)
        if scope is not None and _LIST_INTENT.search(question):
            return self.scoped(question, scope, snap, searcher)
        if kind == "list" and re.search(r"哪些(?:区|县|区县|单位|地方|部门)", question):
            return self.same_event_list(question, searcher)
        return None

    def same_event_list(self, question: str, searcher: Searcher) -> Answer | None:
        """「哪些区委常委会听取了党史工作汇报？」: every article reporting that event, by date."""
        snap = searcher.snapshot
        hits = searcher.search(question, 3)
        if not hits:
            return None
        group = [hits[0], *same_event(hits[0], snap, limit=MAX_ITEMS - 1)]
        if len(group) < 2:
            return None
        group.sort(key=lambda h: h.chunk.citation.issue_date or "")
        items = [f"{h.chunk.citation.article_title}（{h.chunk.citation.issue_date}）" for h in group]
        return Answer(
            question, True, _render("简报中报道的同类活动", items, None), tuple(group), kind=Kind.LIST,
            decision=Decision.LISTED, items=tuple(h.chunk.citation.article_title for h in group),
            lines=tuple(items), title=_heading("简报中报道的同类活动", items),
        )

    def scoped(self, question: str, scope: Scope, snap: Snapshot, searcher: Searcher) -> Answer:
        entities = [e for e in query_entities(question, snap.terms) if snap.terms.get(e) in ("place", "unit")]
        # 「去年万州区有哪些党史工作」: the place narrows the list; 「党史活动」 alone does not.
        mentioning = tuple(_short_places(entities, snap.terms))
        rows = snap.find_articles(
            start=scope.start, end=scope.end, issue_ids=scope.issue_ids, mentioning=mentioning, limit=500
        )
        if scope.issue_ids is not None:  # a whole issue: its table of contents, in order
            rows.sort(key=lambda r: (r["issue_id"], r["article_no"]))
        if not rows:
            return Answer(
                question,
                False,
                _render(f"简报中没有{scope.label}{'、'.join(entities)}的相关内容。", [], scope.note),
                kind=Kind.LIST,
                why=f"no article in {scope.label}",
            )
        picked = rows
        if len(rows) > MAX_ITEMS and scope.issue_ids is None:
            # Too many to list: first those whose own text dates them in the period (not only their
            # issue), then those the question's words point at; shown in date order.
            ranked = {(h.chunk.citation.issue_id, h.chunk.article_no) for h in searcher.search(question, 60)}
            def starts_inside(r: dict) -> bool:
                date = r["date"] or ""
                lo, hi = scope.start or "", scope.end or "\uffff"
                return lo <= date[: len(lo)] and date[: len(hi)] <= hi

            picked = sorted(
                rows,
                key=lambda r: (not r["dated"], not starts_inside(r), (r["issue_id"], r["article_no"]) not in ranked),
            )[:MAX_ITEMS]
            picked.sort(key=lambda r: r["date"] or "")
        # A whole issue is listed in full (its table of contents); cited are at most MAX_ITEMS.
        listed = picked if scope.issue_ids is not None else picked[:MAX_ITEMS]
        picked = picked[:MAX_ITEMS]
        items = [f"{r['title']}（{r['date']}）" if scope.issue_ids is None else r["title"] for r in listed]
        hits = tuple(h for r in picked if (h := _hit(snap, r)) is not None)
        title = f"{scope.label}{'、'.join(entities)}的简报内容"
        return Answer(
            question,
            True,
            _render(title, items, scope.note, len(rows)),
            hits,
            kind=Kind.LIST,
            decision=Decision.LISTED,
            items=tuple(r["title"] for r in listed),
            lines=tuple(items),
            title=_heading(title, items, len(rows)),
            notes=(scope.note,) if scope.note else (),
        )

    def person(self, question: str, name: str, snap: Snapshot, who: bool) -> Answer:
        rows = snap.find_articles(mentioning=(name,), limit=200)
        if not rows:
            return Answer(question, False, f"简报中没有找到{name}。", kind=Kind.PERSON, why=f"{name} is not mentioned")
        from .qa.kinds.who import extract_role

        roles = []
        for r in rows:
            role = None
            for sentence in re.split(r"[。！？]", r["text"]):
                if name in sentence:
                    found = extract_role(sentence, name)
                    if found:
                        role = found[0]
                        break
            roles.append(role)
        items = [
            f"{r['date']} {r['title']}" + (f"（{role}）" if role else "") for r, role in zip(rows, roles, strict=True)
        ][:MAX_ITEMS]
        total = len(rows)
        hits = tuple(h for r in rows[:MAX_ITEMS] if (h := _hit(snap, r)) is not None)
        first_role = next((role for role in roles if role), None)
        if who:
            head = f"{first_role}。" if first_role else f"{name}："
            title = f"{head}简报中提到{name}的文章"
        else:
            title = f"{name}参与的活动"
        return Answer(
            question,
            True,
            _render(title, items, None, total),
            hits,
            kind=Kind.PERSON,
            decision=Decision.LISTED,
            short=first_role if who else None,
            items=tuple(r["title"] for r in rows[:MAX_ITEMS]),
            lines=tuple(items),
            title=_heading(title, items, total),
        )


def _terms_in(text: str, terms: dict[str, str], kinds: tuple[str, ...]) -> list[str]:
    """Dictionary terms of the given kinds inside ``text``, by substring lookup (cheap for short text)."""
    found = {text[i:j] for i in range(len(text)) for j in range(i + 2, min(len(text), i + 20) + 1)}
    return sorted((t for t in found if terms.get(t) in kinds), key=len, reverse=True)


def event_signature(title: str, terms: dict[str, str]) -> str:
    """A title without its places and people: the same event in other districts has the same one."""
    for term in _terms_in(title, terms, ("place", "person")):
        title = title.replace(term, "")
    title = re.sub(rf"[{_HAN}]{{1,3}}[区县市](?=委|人大|政府)", "", title)
    return re.sub(r"\d+", "", title)


def _signatures(snap: Snapshot) -> dict[str, list[tuple[str, int]]]:
    """Every title's event signature, computed once per index version."""
    cached = snap.__dict__.get("_event_signatures")
    if cached is None:
        cached = {}
        for issue_id, article_no, title in snap.titles():
            cached.setdefault(event_signature(title, snap.terms), []).append((issue_id, article_no))
        snap.__dict__["_event_signatures"] = cached
    return cached


def same_event(hit: Hit, snap: Snapshot, limit: int = 3) -> list[Hit]:
    """Other articles reporting the same kind of event elsewhere (every district's 常委会听取党史汇报)."""
    c = hit.chunk.citation
    signature = event_signature(c.article_title, snap.terms)
    if len(signature) < 8:
        return []
    out = []
    for issue_id, article_no in _signatures(snap).get(signature, []):
        if (issue_id, article_no) == (c.issue_id, hit.chunk.article_no):
            continue
        chunk = snap.lead_chunk(issue_id, article_no)
        if chunk and chunk.citation.article_title != c.article_title:
            out.append(Hit(chunk, 0.0))
        if len(out) >= limit:
            break
    return out
