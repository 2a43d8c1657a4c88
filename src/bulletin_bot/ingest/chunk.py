"""Sentence-aligned chunks that never cross an article and carry their citation."""

from __future__ import annotations

import re

from ..model import Article, Bulletin, Chunk, Citation

TARGET_CHARS = 200  # tuned on the dev questions: 150–250 all reach hit@1 1.0; 200 keeps context for spans
MAX_CHARS = 320
# A sentence ends at 。！？；… (with any closing quote) or at a paragraph break.
_SENTENCE = re.compile(r"[^。！？；…!?;\n]*(?:[。！？；!?;]+|…+|\n|$)[”’」』）)]*")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``; ends exclude a trailing newline."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] == "\n":
            end -= 1
        while start < end and text[start] == "\n":
            start += 1
        if end > start:
            spans.append((start, end))
    return spans


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at commas so no chunk exceeds MAX_CHARS."""
    pieces: list[tuple[int, int]] = []
    cur = start
    while end - cur > MAX_CHARS:
        window = text[cur : cur + MAX_CHARS]
        cut = max(window.rfind("，"), window.rfind("、"), window.rfind(","))
        stop = cur + (cut + 1 if cut > MAX_CHARS // 3 else MAX_CHARS)
        pieces.append((cur, stop))
        cur = stop
    pieces.append((cur, end))
    return pieces


def chunk_text(text: str, target: int = TARGET_CHARS) -> list[tuple[int, int]]:
    """Greedy packing of whole sentences up to ``target`` characters; offsets into ``text``."""
    spans: list[tuple[int, int]] = []
    for s, e in sentences(text):
        spans.extend(_split_long(text, s, e) if e - s > MAX_CHARS else [(s, e)])
    chunks: list[tuple[int, int]] = []
    cur_start = cur_end = None
    for s, e in spans:
        if cur_start is None:
            cur_start, cur_end = s, e
        elif e - cur_start <= target or cur_end - cur_start < target // 3:
            cur_end = e
        else:
            chunks.append((cur_start, cur_end))
            cur_start, cur_end = s, e
    if cur_start is not None:
        # A short tail reads better joined to its predecessor than as a chunk of its own.
        if chunks and cur_end - cur_start < target // 4 and cur_end - chunks[-1][0] <= MAX_CHARS:
            chunks[-1] = (chunks[-1][0], cur_end)
        else:
            chunks.append((cur_start, cur_end))
    return chunks


def citation_for(bulletin: Bulletin, section: str, article: Article) -> Citation:
    issue = bulletin.issue
    return Citation(
        issue_id=issue.id,
        issue_title=issue.title,
        issue_number=issue.number,
        issue_date=issue.date,
        publisher=issue.publisher,
        section=section,
        article_title=article.title,
        source=article.source,
        page=article.page,
        subtitle=article.subtitle,
    )


def chunk_bulletin(bulletin: Bulletin, target: int = TARGET_CHARS) -> list[Chunk]:
    out: list[Chunk] = []
    for article_no, (section, article) in enumerate(bulletin.articles()):
        citation = citation_for(bulletin, section, article)
        text = article.text
        for chunk_no, (s, e) in enumerate(chunk_text(text, target)):
            out.append(Chunk(citation, article_no, chunk_no, s, e, text[s:e]))
    return out
