"""BM25 over jieba tokens, with a user dictionary of unit, place and person names from the corpus."""

from __future__ import annotations

import json
import logging
import marshal
import math
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model import Bulletin

_HAN = "\u4e00-\u9fff"
STOP_WORDS = frozenset(
    """的 了 和 与 及 或 是 在 对 为 由 把 被 将 并 等 就 也 都 而 之 其 以 于 从 向 到 上 下 中 后 前
    这 那 此 该 各 本 我 我们 你 他 她 它 他们 有 有关 进行 一个 一 个 着 过 吗 呢 吧 啊 么 呀
    什么 哪些 哪个 哪位 哪里 哪儿 哪天 哪年 哪几 哪 谁 几 多少 何时 何地 什么时候 怎么 怎样 如何 为什么
    是否 是不是 请问 请 问 告诉 一下 知道 关于 多 少 时候 时间 日期 具体 情况 相关 呢 吗 啥 咋 么
    共 一共 总共 分别 主要 曾 曾经 已经 所 则 又 再 还 给 让 被 跟 同 做 做了 举行 开展""".split()
)
_PUNCT = re.compile(rf"^[^{_HAN}0-9A-Za-z]+$")
_LEAD_FUNCTION_CHARS = set("的了在和与及召开全各本该由对为是并于等向把将被从")
_NO_NAME_CHARS = set("的了在和与及召开全各本该由对为是并于等率到赴同志书记主任陪常委会区县市省")

# 万州区委 / 大渡口区委书记 / 涪陵区委党史研究室 → the place name before 委/人大/政府…
_PLACE = re.compile(rf"([{_HAN}]{{2,4}}?[区县市州])(?=委|人大|政府|政协|党史|史志|档案|宣传部|组织部)")
_UNIT = re.compile(
    rf"((?:[{_HAN}]{{2,4}}?[区县市])?(?:市委|区委|县委|市|区|县)?党史(?:和|与)?(?:地方志|文献)?研究(?:室|院|中心)"
    rf"|[{_HAN}]{{2,8}}?(?:研究室|研究会|研究院|委员会|工委|办公室|纪念馆|档案馆))"
)
_PERSON = re.compile(
    r"(?:书记|主任|部长|局长|会长|院长|主席|常委|教授|馆长|处长|县长|区长|市长|主编|研究员|所长|校长)"
    rf"([{_HAN}]{{2,3}}?)(?=主持|出席|率|陪同|参加|讲话|指出|强调|表示|要求|介绍|作|到|赴|在|带队|调研|一行|同志|等|，|、|。|；)"
)


def corpus_terms(bulletin: Bulletin) -> dict[str, str]:
    """Names worth keeping whole in BM25, by kind: unit, place, person (found after their titles)."""
    terms: dict[str, str] = {}
    if bulletin.issue.publisher:
        terms[bulletin.issue.publisher] = "unit"
    if bulletin.issue.title:
        terms[bulletin.issue.title] = "title"  # 《党史工作动态》 names a bulletin, not who did something
    texts: list[str] = []
    for _, article in bulletin.articles():
        if article.source:
            terms[article.source] = "unit"
        texts.append(article.title)
        texts.extend(article.paragraphs)
    for text in texts:
        for m in _UNIT.finditer(text):
            name = m.group(1)
            if len(name) >= 4 and name[0] not in _LEAD_FUNCTION_CHARS:
                terms.setdefault(name, "unit")
        for m in _PLACE.finditer(text):
            # The match may start with the word before the name (由綦江区委): keep the longest
            # tail that is a plausible name (綦江区).
            run = m.group(1)
            for start in range(0, len(run) - 2):
                name = run[start:]
                if not (set(name[:-1]) & _NO_NAME_CHARS):
                    terms[name] = "place"
                    break
        for m in _PERSON.finditer(text):
            name = m.group(1)
            if not (set(name) & _NO_NAME_CHARS):
                terms[name] = "person"
    return {t: k for t, k in terms.items() if 2 <= len(t) <= 20}


class Tokenizer:
    """jieba in search mode (whole words and their parts) with one index version's user dictionary.

    Each index version gets its own tokenizer, so a query is cut exactly as that version's passages
    were: a process that opens several indexes never mixes their dictionaries. jieba's own
    dictionary is loaded once per process and copied (a dict copy, ~30 ms) into each tokenizer.
    """

    _lock = threading.Lock()
    _base: object | None = None  # a pristine, initialised jieba.Tokenizer that is never changed
    _tables: Any = None  # part-of-speech tables (postag.Tables), loaded at the first tag()

    def __init__(self, words: Iterable[str] | dict[str, str] = ()) -> None:
        import jieba

        base = self._pristine()
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = base.tmp_dir  # type: ignore[attr-defined]
        self._jieba.FREQ = dict(base.FREQ)  # type: ignore[attr-defined]
        self._jieba.total = base.total  # type: ignore[attr-defined]
        self._jieba.initialized = True
        self._words: set[str] = set()
        self._pos: Any = None  # postag.Tagger, made at the first tag()
        self._own_lock = threading.Lock()
        self.add_words(words)

    @classmethod
    def _pristine(cls) -> object:
        with cls._lock:
            if cls._base is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                base = jieba.Tokenizer()
                # jieba caches its parsed dictionary in a temp dir; it must be writable (not the app dir).
                base.tmp_dir = tempfile.gettempdir()
                # jieba reads its cache with marshal.load(file), which reads piecemeal: 0.7 s against
                # 0.2 s for the same bytes read at once. Same file, same check (none, for jieba's own
                # dictionary); anything unreadable goes to jieba, which rebuilds and rewrites it.
                try:
                    freq, total = marshal.loads((Path(base.tmp_dir) / "jieba.cache").read_bytes())
                    if not isinstance(freq, dict) or not isinstance(total, int) or not freq:
                        raise ValueError("not a jieba cache")
                    base.FREQ, base.total, base.initialized = freq, total, True
                except (OSError, EOFError, ValueError, TypeError):
                    base.initialize()
                cls._base = base
            return cls._base

    @classmethod
    def _tag_tables(cls) -> Any:
        with cls._lock:
            if cls._tables is None:
                from .postag import load_tables

                cls._tables = load_tables(tempfile.gettempdir())
            return cls._tables

    @classmethod
    def shared(cls) -> Tokenizer:
        """A tokenizer with no user words (kept for callers that only need plain segmentation)."""
        return cls()

    @property
    def words(self) -> frozenset[str]:
        return frozenset(self._words)

    def add_words(self, words: Iterable[str] | dict[str, str]) -> None:
        kinds = words if isinstance(words, dict) else {}
        tags = {"person": "nr", "place": "ns", "unit": "nt"}
        with self._own_lock:
            for word in words:
                if word not in self._words:
                    self._jieba.add_word(word, freq=200_000, tag=tags.get(kinds.get(word, ""), None))
                    self._words.add(word)

    def cut(self, text: str) -> list[str]:
        """Plain segmentation (each character in exactly one word)."""
        return self._jieba.lcut(text)

    def is_common_word(self, word: str) -> bool:
        """In jieba's dictionary as an ordinary word (荣誉), unlike most people's names (邵霞飞)."""
        return self._jieba.FREQ.get(word, 0) >= 100

    def tag(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) pairs; person names are ``nr``, places ``ns``, organisations ``nt``."""
        if self._pos is None:
            from .postag import Tagger

            self._pos = Tagger(self._jieba, self._tag_tables())
        return self._pos.lcut(text)

    def tokens(self, text: str) -> list[str]:
        out = []
        for token in self._jieba.lcut_for_search(text):
            token = token.strip().lower()
            if token and token not in STOP_WORDS and not _PUNCT.match(token):
                out.append(token)
        return out


@dataclass
class BM25:
    """Okapi BM25 with postings as numpy arrays; rebuilt from stored tokens at each index commit."""

    k1: float = 1.2
    b: float = 0.75
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    avgdl: float = 1.0

    @classmethod
    def build(cls, docs: Iterable[tuple[int, list[str]]]) -> BM25:
        ids: list[int] = []
        lengths: list[int] = []
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for pos, (doc_id, tokens) in enumerate(docs):
            ids.append(doc_id)
            lengths.append(len(tokens))
            for token, tf in Counter(tokens).items():
                entry = postings.setdefault(token, ([], []))
                entry[0].append(pos)
                entry[1].append(tf)
        index = cls()
        index.ids = np.asarray(ids, dtype=np.int64)
        index.lengths = np.asarray(lengths, dtype=np.float32)
        index.avgdl = float(index.lengths.mean()) if lengths else 1.0
        index.postings = {
            t: (np.asarray(p, dtype=np.int32), np.asarray(f, dtype=np.float32)) for t, (p, f) in postings.items()
        }
        return index

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        n = len(self.ids)
        scores = np.zeros(n, dtype=np.float32)
        if n == 0:
            return scores
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avgdl)
        for token in set(query_tokens):
            entry = self.postings.get(token)
            if entry is None:
                continue
            docs, tf = entry
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            scores[docs] += idf * tf * (self.k1 + 1) / (tf + norm[docs])
        return scores

    def search(self, query_tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores = self.scores(query_tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        positive = int((scores > 0).sum())
        k = min(k, positive)
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def cooccur(self, tokens: list[str]) -> bool:
        """True when one passage holds every token (a name split by jieba is still found whole)."""
        docs: np.ndarray | None = None
        for token in set(tokens):
            entry = self.postings.get(token)
            if entry is None:
                return False
            docs = entry[0] if docs is None else np.intersect1d(docs, entry[0], assume_unique=True)
            if len(docs) == 0:
                return False
        return docs is not None

    # Saved as plain arrays and JSON (as bm25s does), never pickle: a damaged file is a clear
    # error, and loading an index can not run code.
    def save(self, path: Path) -> None:
        """Write ``path`` (JSON: parameters and vocabulary) and ``path.npz`` siblings (the arrays)."""
        vocab = list(self.postings)
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        for n, token in enumerate(vocab):
            indptr[n + 1] = indptr[n] + len(self.postings[token][0])
        docs = np.concatenate([self.postings[t][0] for t in vocab]) if vocab else np.zeros(0, np.int32)
        tf = np.concatenate([self.postings[t][1] for t in vocab]) if vocab else np.zeros(0, np.float32)
        arrays = {"ids": self.ids, "lengths": self.lengths, "indptr": indptr, "docs": docs, "tf": tf}
        for name, array in arrays.items():
            with open(path.with_name(f"{path.stem}.{name}.npy"), "wb") as fh:
                np.save(fh, array, allow_pickle=False)
        meta = {"k1": self.k1, "b": self.b, "avgdl": self.avgdl, "docs": len(self.ids), "vocab": vocab}
        path.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def files(cls, path: Path) -> list[Path]:
        return [path, *(path.with_name(f"{path.stem}.{n}.npy") for n in ("ids", "lengths", "indptr", "docs", "tf"))]

    @classmethod
    def load(cls, path: Path) -> BM25:
        """Read what ``save`` wrote; any inconsistency is a ``ValueError`` (the index is damaged)."""
        meta = json.loads(path.read_text("utf-8"))
        arrays = {
            name: np.load(path.with_name(f"{path.stem}.{name}.npy"), allow_pickle=False)
            for name in ("ids", "lengths", "indptr", "docs", "tf")
        }
        vocab = meta["vocab"]
        ids, lengths, indptr, docs, tf = (arrays[n] for n in ("ids", "lengths", "indptr", "docs", "tf"))
        n = int(meta["docs"])
        if not (
            len(ids) == len(lengths) == n
            and len(indptr) == len(vocab) + 1
            and len(docs) == len(tf) == (int(indptr[-1]) if len(indptr) else -1)
            and (len(docs) == 0 or (int(docs.min()) >= 0 and int(docs.max()) < n))
            and bool(np.all(np.diff(indptr) >= 0))
        ):
            raise ValueError(f"{path}: BM25 arrays do not fit together")
        index = cls(k1=float(meta["k1"]), b=float(meta["b"]), avgdl=float(meta["avgdl"]))
        index.ids = ids.astype(np.int64, copy=False)
        index.lengths = lengths.astype(np.float32, copy=False)
        docs = docs.astype(np.int32, copy=False)
        tf = tf.astype(np.float32, copy=False)
        index.postings = {t: (docs[indptr[i] : indptr[i + 1]], tf[indptr[i] : indptr[i + 1]]) for i, t in enumerate(vocab)}
        return index
