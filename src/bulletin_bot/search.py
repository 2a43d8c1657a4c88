"""Hybrid retrieval: FAISS (meaning) and BM25 (exact names, numbers) fused by reciprocal rank."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


from .index.embed import Embedder
from .index.store import Snapshot
from .ingest.text import nospace
from .model import Chunk, Hit

RRF_K = 60  # the usual constant for reciprocal rank fusion
POOL = 60  # candidates taken from each retriever before fusion
PER_ARTICLE = 2  # at most this many passages of one article in a result list


@dataclass(frozen=True)
class Weights:
    dense: float = 0.5
    sparse: float = 0.5
    mode: str = "score"  # "score": convex mix of normalised scores (measured best); "rrf": rank fusion


_QUOTED = re.compile(r"[《“\"「『]([^》”\"」』]{2,40})[》”\"」』]")
_YEAR_MONTH = re.compile(r"(\d{4})年(?:(\d{1,2})月)?")


def query_entities(query: str, terms: dict[str, str]) -> list[str]:
    """Places, people and units from the corpus dictionary that the query names (longest first)."""
    # Substrings of the (short) query looked up in the dictionary: independent of the corpus size.
    subs = {query[i:j] for i in range(len(query)) for j in range(i + 2, min(len(query), i + 20) + 1)}
    found = sorted((t for t in subs if t in terms), key=len, reverse=True)
    kept: list[str] = []
    for term in found:
        if not any(term in longer for longer in kept):
            kept.append(term)
    return kept


@dataclass(frozen=True)
class Constraints:
    """What a query pins down exactly: quoted names, a year/month, named places and people."""

    phrases: tuple[str, ...]
    dates: tuple[tuple[str, str | None], ...]
    entities: tuple[str, ...]

    @classmethod
    def of(cls, query: str, terms: dict[str, str]) -> Constraints:
        phrases = tuple(nospace(p) for p in _QUOTED.findall(query))
        dates = tuple((y, m) for y, m in _YEAR_MONTH.findall(query))
        entities = tuple(e for e in query_entities(query, terms) if terms.get(e) in ("place", "person", "unit"))
        return cls(phrases, tuple((y, m or None) for y, m in dates), entities)

    def bonus(self, chunk: Chunk) -> float:
        c = chunk.citation
        text = nospace(c.article_title + chunk.text)
        value = 0.0
        for phrase in self.phrases:
            if phrase in text:
                value += 0.3
        for year, month in self.dates:
            issue = c.issue_date or ""
            in_text = f"{year}年{int(month)}月" in text if month else f"{year}年" in text
            in_issue = issue.startswith(f"{year}-{int(month):02d}" if month else year)
            if in_text or in_issue:
                value += 0.15
        for entity in self.entities:
            if entity in text:
                value += 0.1
        return value


class Searcher:
    def __init__(self, snapshot: Snapshot, embedder: Embedder, weights: Weights = Weights()) -> None:
        self.snapshot = snapshot
        self.embedder = embedder
        self.weights = weights

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        per_article: int = PER_ARTICLE,
        keep: Callable[[Chunk], bool] | None = None,
        pool: int = POOL,
    ) -> list[Hit]:
        """Top ``k`` passages for ``query``; ``keep`` filters candidates (e.g. by issue date)."""
        snap = self.snapshot
        if len(snap.sparse) == 0:
            return []
        tokens = snap.tokenizer.tokens(query)
        # A filter narrows the candidates, so look deeper to still find k of them.
        depth = pool if keep is None else max(pool, 400)
        vector = self.embedder.embed_queries([query])[0]
        dense = snap.dense.search(vector, depth)
        sparse = snap.sparse.search(tokens, depth)
        fused: dict[int, float] = {}
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense)}
        sparse_rank = {cid: r for r, (cid, _) in enumerate(sparse)}
        dense_score = dict(dense)
        sparse_score = dict(sparse)
        w = self.weights
        if w.mode == "rrf":
            for cid, r in dense_rank.items():
                fused[cid] = fused.get(cid, 0.0) + w.dense / (RRF_K + r + 1)
            for cid, r in sparse_rank.items():
                fused[cid] = fused.get(cid, 0.0) + w.sparse / (RRF_K + r + 1)
        else:
            d_lo = min(dense_score.values(), default=0.0)
            d_hi = max(dense_score.values(), default=1.0)
            s_hi = max(sparse_score.values(), default=1.0) or 1.0
            for cid in set(dense_score) | set(sparse_score):
                d = (dense_score.get(cid, d_lo) - d_lo) / ((d_hi - d_lo) or 1.0)
                sp = sparse_score.get(cid, 0.0) / s_hi
                fused[cid] = w.dense * d + w.sparse * sp
        chunks = snap.chunks(fused)
        constraints = Constraints.of(query, snap.terms)
        in_article: dict[tuple[str, int], list[str]] = {}
        for phrase in constraints.phrases:
            # A quoted activity named once in an article's opening still pins its later passages.
            for key in snap.articles_printing(phrase):
                in_article.setdefault(key, []).append(phrase)
        if constraints.phrases or constraints.dates or constraints.entities:
            # Exact names and dates in a question outrank passages that are merely similar
            # (《南川英烈谱》 must not yield 《南充英烈谱》).
            for cid, chunk in chunks.items():
                fused[cid] += constraints.bonus(chunk)
                if (chunk.citation.issue_id, chunk.article_no) in in_article:
                    fused[cid] += 0.15
        order = sorted(fused, key=lambda c: -fused[c])
        hits: list[Hit] = []
        per: dict[tuple[str, int], int] = {}
        for cid in order:
            chunk = chunks.get(cid)
            if chunk is None or (keep is not None and not keep(chunk)):
                continue
            key = (chunk.citation.issue_id, chunk.article_no)
            if per.get(key, 0) >= per_article:
                continue
            per[key] = per.get(key, 0) + 1
            hits.append(
                Hit(
                    chunk,
                    fused[cid],
                    dense_rank.get(cid),
                    sparse_rank.get(cid),
                    dense_score.get(cid),
                    sparse_score.get(cid),
                    "".join(in_article.get(key, ())),
                )
            )
            if len(hits) >= k:
                break
        return hits
