"""Frozen records handed between pipeline stages; this module imports nothing of ours."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
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


class Kind(StrEnum):
    """What a question asks for; each answerable kind has its module in ``qa/kinds``."""

    WHEN = "when"
    WHO = "who"
    NUMBER = "number"
    WHERE = "where"
    WHAT = "what"
    LIST = "list"
    OTHER = "other"
    PERSON = "person"  # 「潘洵是谁」 across issues (listing.py)
    SOURCE = "source"  # 「出处？」 follow-up: the whole article

    @classmethod
    def from_str(cls, value: str) -> Kind:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown kind {value!r}; valid: {', '.join(k.value for k in cls)}") from None


class Decision(StrEnum):
    """Why an answer looks the way it does; faces format it, they never guess it from text."""

    ANSWERED = "answered"  # a typed short answer with its proving sentence
    SENTENCE = "sentence"  # confident evidence, but no confident typed span: the sentence is the answer
    LISTED = "listed"  # a list collected across articles or issues
    SOURCE = "source"  # the article behind the previous answer
    REFUSED = "refused"  # P(right) below the threshold: the closest articles instead
    UNKNOWN_NAME = "unknown_name"  # the question names a person, place or unit no bulletin mentions
    NOT_CHINESE = "not_chinese"  # the bulletins are Chinese; the closest articles are shown
    EMPTY = "empty"  # nothing indexed


@dataclass(frozen=True)
class Span:
    """The short answer inside the evidence sentence; offsets index into ``Evidence.sentence``."""

    text: str
    start: int
    end: int
    kind: Kind


@dataclass(frozen=True)
class Evidence:
    """The sentence that proves an answer, and where it sits in its passage."""

    sentence: str
    hit: Hit
    start: int  # offset of the sentence in hit.chunk.text
    end: int


@dataclass(frozen=True)
class ArticleText:
    section: str
    title: str
    subtitle: str | None
    source: str | None
    text: str


@dataclass(frozen=True)
class Answer:
    """What every face renders. ``answer`` is the full plain reply; ``short`` the short answer alone."""

    question: str
    answered: bool
    answer: str
    hits: tuple[Hit, ...] = ()
    kind: Kind = Kind.OTHER
    decision: Decision = Decision.REFUSED
    short: str | None = None
    span: Span | None = None
    evidence: Evidence | None = None
    items: tuple[str, ...] = ()  # list answers: article titles
    lines: tuple[str, ...] = ()  # list answers: one rendered line per item
    title: str | None = None  # list answers: the heading above the items (「…的简报内容（共5篇）」)
    also: tuple[str, ...] = ()  # the same event reported elsewhere (article titles)
    notes: tuple[str, ...] = ()  # 说明: premise differs, name corrected, scope used, language
    confidence: float | None = None  # calibrated P(the answer is right)
    why: str | None = None  # the decision's reason in words (refusals, --explain)
    rewritten: str | None = None  # a follow-up read as this full question
    article: ArticleText | None = None  # Decision.SOURCE
    features: tuple[tuple[str, float], ...] = ()  # the chosen candidate's named features (--explain)
    llm: str | None = None  # "used" | "rejected" | "error: …" when an LLM was configured
