"""jieba's part-of-speech tagger, with its tables loaded from one marshal file instead of rebuilt.

``import jieba.posseg`` costs ≈ 0.3 s (its HMM tables are Python literals) and every
``POSTokenizer`` re-reads jieba's 349k-line dictionary for the word tags (≈ 0.3 s more), so the
first question of a new process paid ≈ 0.6 s for tags. The tables never change for one jieba
install: they are written once to a cache file beside jieba's own (``jieba.cache``) and read back
with ``marshal.loads``. The word tags are kept there as a sorted array of 64-bit word hashes and a
byte of tag per word, looked up by bisection and remembered per word: ≈ 10 ms to load, where a
349k-entry dict took ≈ 0.15 s. The cutting code below is jieba 0.42.1's ``POSTokenizer`` (MIT
licence), unchanged in behaviour; ``tests/test_postag.py`` checks it against jieba.posseg.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import logging
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_FORMAT = 2
_re_han_detail = re.compile("([\u4e00-\u9fd5]+)")
_re_skip_detail = re.compile(r"([\.0-9]+|[a-zA-Z0-9]+)")
_re_han_internal = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._]+)")
_re_skip_internal = re.compile(r"(\r\n|\s)")
_re_eng = re.compile("[a-zA-Z0-9]+")
_re_num = re.compile(r"[\.0-9]+")
_MIN_FLOAT = -3.14e100
_MIN_INF = float("-inf")


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


class WordTags:
    """jieba's word → tag table without a Python string per word: sorted 64-bit hashes, one tag
    byte per hash, and a memo of the words looked up so far. Words whose hashes clash (none in
    jieba 0.42.1's 349k) are kept exactly; a word outside the table meets a stored hash with a
    chance of 2e-14."""

    def __init__(self, hashes: bytes, tag_ids: bytes, names: tuple[str, ...], exact: dict[str, str]) -> None:
        if len(hashes) != 8 * len(tag_ids) or (tag_ids and max(tag_ids) >= len(names)):
            raise ValueError("word tag arrays do not fit together")
        self._raw = hashes
        self._hashes = memoryview(hashes).cast("Q")
        self._ids = tag_ids
        self._names = names
        self.exact = exact
        self._memo: dict[str, str | None] = dict(exact)

    @classmethod
    def build(cls, table: dict[str, str]) -> WordTags:
        names = tuple(sorted(set(table.values())))
        index = {n: i for i, n in enumerate(names)}
        pairs = sorted((_word_hash(w), index[t], w) for w, t in table.items())
        hashes = [h for h, _, _ in pairs]
        clash = {h for h, nxt in itertools.pairwise(hashes) if h == nxt}
        exact = {w: names[i] for h, i, w in pairs if h in clash}
        kept = [(h, i) for h, i, _ in pairs if h not in clash]
        raw = b"".join(h.to_bytes(8, sys.byteorder) for h, _ in kept)  # read back as native "Q"
        return cls(raw, bytes(i for _, i in kept), names, exact)

    def parts(self) -> tuple[bytes, bytes, tuple[str, ...], dict[str, str]]:
        return self._raw, self._ids, self._names, self.exact

    def get(self, word: str, default: str) -> str:
        try:
            tag = self._memo[word]
        except KeyError:
            h = _word_hash(word)
            i = bisect.bisect_left(self._hashes, h)
            tag = self._names[self._ids[i]] if i < len(self._ids) and self._hashes[i] == h else None
            if len(self._memo) > 200_000:
                self._memo = dict(self.exact)
            self._memo[word] = tag
        return default if tag is None else tag

    def __len__(self) -> int:
        return len(self._ids) + len(self.exact)


@dataclass(frozen=True)
class Tables:
    """What jieba.posseg loads: word → tag from jieba's dictionary, and the HMM for unknown words."""

    word_tag: WordTags
    char_state: dict[str, tuple[tuple[str, str], ...]]
    start: dict[tuple[str, str], float]
    trans: dict[tuple[str, str], dict[tuple[str, str], float]]
    emit: dict[tuple[str, str], dict[str, float]]


def _sources() -> list[Path]:
    import jieba

    root = Path(jieba.__file__).parent
    return [root / "dict.txt", *sorted((root / "posseg").glob("*.py"))]


def cache_path(tmp_dir: str | None = None) -> Path:
    """The cache file for this jieba install: its name changes when jieba's files change."""
    import jieba

    key = hashlib.sha1(f"{_FORMAT} {getattr(jieba, '__version__', '?')}".encode())
    for src in _sources():
        try:
            st = src.stat()
            key.update(f"{src.name} {st.st_size} {st.st_mtime_ns}".encode())
        except OSError:
            key.update(f"{src.name} missing".encode())
    return Path(tmp_dir or tempfile.gettempdir()) / f"bulletin-bot-posseg-{key.hexdigest()[:16]}.marshal"


def _build() -> Tables:
    from jieba import posseg

    return Tables(
        WordTags.build(posseg.dt.word_tag_tab),
        posseg.char_state_tab_P,
        posseg.start_P,
        posseg.trans_P,
        posseg.emit_P,
    )


def _tables(obj: Any) -> Tables | None:
    """The tables in what the cache file held, or None if it is not a whole cache of this format."""
    if not (isinstance(obj, tuple) and len(obj) == 9 and obj[0] == _FORMAT):
        return None
    hashes, ids, names, exact, *hmm = obj[1:]
    if not (isinstance(hashes, bytes) and isinstance(ids, bytes) and ids and isinstance(names, tuple)):
        return None
    if not (isinstance(exact, dict) and all(isinstance(part, dict) and part for part in hmm)):
        return None
    return Tables(WordTags(hashes, ids, names, exact), *hmm)


def load_tables(tmp_dir: str | None = None) -> Tables:
    """The tagger's tables from the cache file; built from jieba.posseg (and saved) when the file
    is missing or damaged, so a bad cache costs one slow start and never an error."""
    path = cache_path(tmp_dir)
    try:
        tables = _tables(marshal.loads(path.read_bytes()))
        if tables is not None:
            return tables
        log.warning("%s: not a tag table cache, rebuilding it", path)
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("%s: unreadable tag table cache (%s), rebuilding it", path, exc)
    tables = _build()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                hmm = (tables.char_state, tables.start, tables.trans, tables.emit)
                marshal.dump((_FORMAT, *tables.word_tag.parts(), *hmm), fh)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:  # a read-only temp dir: tag anyway, slowly next time too
        log.warning("cannot write %s: %s", path, exc)
    return tables


def _viterbi(obs: str, t: Tables) -> list[tuple[str, str]]:
    states, start_p, trans_p, emit_p = t.char_state, t.start, t.trans, t.emit
    V: list[dict[Any, float]] = [{}]
    mem_path: list[dict[Any, Any]] = [{}]
    all_states = trans_p.keys()
    for y in states.get(obs[0], all_states):
        V[0][y] = start_p[y] + emit_p[y].get(obs[0], _MIN_FLOAT)
        mem_path[0][y] = ""
    for i in range(1, len(obs)):
        V.append({})
        mem_path.append({})
        prev_states = [x for x in mem_path[i - 1] if len(trans_p[x]) > 0]
        prev_states_expect_next = {y for x in prev_states for y in trans_p[x]}
        obs_states = set(states.get(obs[i], all_states)) & prev_states_expect_next
        if not obs_states:
            obs_states = prev_states_expect_next if prev_states_expect_next else set(all_states)
        for y in obs_states:
            prob, state = max(
                (V[i - 1][y0] + trans_p[y0].get(y, _MIN_INF) + emit_p[y].get(obs[i], _MIN_FLOAT), y0)
                for y0 in prev_states
            )
            V[i][y] = prob
            mem_path[i][y] = state
    _, state = max((V[-1][y], y) for y in mem_path[-1])
    route: list[Any] = [None] * len(obs)
    for i in range(len(obs) - 1, -1, -1):
        route[i] = state
        state = mem_path[i][state]
    return route


class Tagger:
    """``jieba.posseg.POSTokenizer(tokenizer).lcut`` as (word, flag) pairs, HMM on."""

    def __init__(self, tokenizer: Any, tables: Tables) -> None:
        self.tokenizer = tokenizer
        self.tables = tables
        self.word_tag = tables.word_tag  # shared and never changed: user tags live in self.user_tag
        self.user_tag: dict[str, str] = {}

    def _tag(self, word: str) -> str:
        tag = self.user_tag.get(word)
        return tag if tag is not None else self.word_tag.get(word, "x")

    def lcut(self, sentence: str) -> list[tuple[str, str]]:
        if self.tokenizer.user_word_tag_tab:  # jieba.add_word(..., tag=) since the last cut
            self.user_tag.update(self.tokenizer.user_word_tag_tab)
            self.tokenizer.user_word_tag_tab = {}
        return list(self._cut_internal(sentence))

    def _hmm(self, sentence: str) -> Iterator[tuple[str, str]]:
        pos_list = _viterbi(sentence, self.tables)
        begin, nexti = 0, 0
        for i, char in enumerate(sentence):
            pos = pos_list[i][0]
            if pos == "B":
                begin = i
            elif pos == "E":
                yield sentence[begin : i + 1], pos_list[i][1]
                nexti = i + 1
            elif pos == "S":
                yield char, pos_list[i][1]
                nexti = i + 1
        if nexti < len(sentence):
            yield sentence[nexti:], pos_list[nexti][1]

    def _detail(self, sentence: str) -> Iterator[tuple[str, str]]:
        for blk in _re_han_detail.split(sentence):
            if _re_han_detail.match(blk):
                yield from self._hmm(blk)
            else:
                for x in _re_skip_detail.split(blk):
                    if x:
                        if _re_num.match(x):
                            yield x, "m"
                        elif _re_eng.match(x):
                            yield x, "eng"
                        else:
                            yield x, "x"

    def _flush(self, buf: str) -> Iterator[tuple[str, str]]:
        if len(buf) == 1:
            yield buf, self._tag(buf)
        elif not self.tokenizer.FREQ.get(buf):
            yield from self._detail(buf)
        else:
            for elem in buf:
                yield elem, self._tag(elem)

    def _dag(self, sentence: str) -> Iterator[tuple[str, str]]:
        dag = self.tokenizer.get_DAG(sentence)
        route: dict[int, tuple[float, int]] = {}
        self.tokenizer.calc(sentence, dag, route)
        x, buf, n = 0, "", len(sentence)
        while x < n:
            y = route[x][1] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._flush(buf)
                    buf = ""
                yield word, self._tag(word)
            x = y
        if buf:
            yield from self._flush(buf)

    def _cut_internal(self, sentence: str) -> Iterator[tuple[str, str]]:
        for blk in _re_han_internal.split(sentence):
            if _re_han_internal.match(blk):
                yield from self._dag(blk)
            else:
                for x in _re_skip_internal.split(blk):
                    if _re_skip_internal.match(x):
                        yield x, "x"
                    else:
                        for xx in x:
                            if _re_num.match(xx):
                                yield xx, "m"
                            elif _re_eng.match(x):
                                yield xx, "eng"
                            else:
                                yield xx, "x"
