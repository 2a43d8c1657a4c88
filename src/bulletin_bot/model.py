"""Frozen records handed between pipeline stages; this module imports nothing of ours."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One bulletin issue (一期简报) as read from its masthead."""

    id: str
    title: str | None
    number: str | None
    publisher: str | None
    date: str | None  # YYYY-MM-DD
    source_file: str


@dataclass(frozen=True)
class Article:
    title: str
    subtitle: str | None
    source: str | None  # contributing unit, without brackets and 供稿
    brief: bool  # 信息短波-style item whose title was derived from its text
    page: int | None
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Section:
    name: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Bulletin:
    """A parsed issue: masthead metadata plus its sections of articles."""

    issue: Issue
    sections: tuple[Section, ...]
    distribution: tuple[str, ...] = ()  # 报：/送：/抄送： lines
    toc: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (section, titles) as printed in the contents

    def articles(self) -> list[tuple[str, Article]]:
        return [(s.name, a) for s in self.sections for a in s.articles]

    def to_json(self) -> dict[str, Any]:
        return {
            "issue": asdict(self.issue),
            "sections": [
                {
                    "name": s.name,
                    "articles": [
                        {**asdict(a), "paragraphs": list(a.paragraphs)} for a in s.articles
                    ],
                }
                for s in self.sections
            ],
            "distribution": list(self.distribution),
        }


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from: enough to print 《刊名》期号（日期）·【栏目】·标题（供稿单位）."""

    issue_id: str
    issue_title: str | None
    issue_number: str | None
    issue_date: str | None
    publisher: str | None
    section: str
    article_title: str
    source: str | None
    page: int | None
    subtitle: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned slice of one article; offsets index into the article's text."""

    citation: Citation
    article_no: int  # ordinal of the article within its issue
    chunk_no: int  # ordinal of the chunk within its article
    start: int
    end: int
    text: str
    id: int = -1  # assigned by the index

    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: the section and title give context to bare passages."""
        c = self.citation
        return f"【{c.section}】{c.article_title}{c.subtitle or ''}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None
    dense_score: float | None = None  # cosine similarity of query and passage
    sparse_score: float | None = None  # BM25
    context: str = ""  # names the question quotes that the passage's article prints elsewhere


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    answer: str
    hits: tuple[Hit, ...] = ()
    kind: str = "other"
    evidence: str | None = None  # the sentence that proves the answer
    span: str | None = None  # the short answer inside evidence
    items: tuple[str, ...] = ()  # list answers
    extra: dict[str, Any] = field(default_factory=dict)
