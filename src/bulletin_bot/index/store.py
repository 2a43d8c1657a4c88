"""The index directory: immutable versions switched atomically, a manifest, SQLite metadata.

Layout::

    DIR/CURRENT            name of the live version (replaced atomically with os.replace)
    DIR/.lock              held by the one writer (filelock)
    DIR/.lock.owner       pid and command of that writer, so a second one can say whom it waits for
    DIR/v-<time>-<pid>/    manifest.json, meta.sqlite, dense.faiss, sparse.json + sparse.*.npy, userdict.txt

A writer copies the live version aside, changes the copy, fsyncs it and only then points CURRENT
at it, so ``kill -9`` at any moment leaves the previous version whole; readers keep the version they
opened (SQLite is opened ``immutable``) and pick up the new one on their next query.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from ..dates import event_span
from ..errors import IndexBusy, IndexError_, IndexMismatch
from ..model import Bulletin, Chunk, Citation
from .dense import DenseIndex
from .sparse import BM25, Tokenizer

FORMAT = 4  # 2: articles.event_date; 3: articles.event_end; 4: BM25 as npy+json, issue ranks, relative paths
log = logging.getLogger(__name__)
KEEP_VERSIONS = 2  # the live one and its predecessor, which readers may still have open

SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
  id TEXT PRIMARY KEY, title TEXT, number TEXT, publisher TEXT, date TEXT,
  source_file TEXT, file_hash TEXT, articles INTEGER, chunks INTEGER, added_at TEXT,
  bulletin TEXT, rank TEXT
);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, file_hash TEXT, issue_id TEXT);
CREATE TABLE IF NOT EXISTS articles (
  issue_id TEXT, article_no INTEGER, section TEXT, title TEXT, subtitle TEXT, source TEXT,
  brief INTEGER, page INTEGER, text TEXT, event_date TEXT, event_end TEXT, issue_date TEXT,
  PRIMARY KEY (issue_id, article_no)
);
CREATE INDEX IF NOT EXISTS articles_event ON articles(event_date);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY, issue_id TEXT, article_no INTEGER, chunk_no INTEGER,
  start INTEGER, "end" INTEGER, text TEXT, tokens TEXT
);
CREATE INDEX IF NOT EXISTS chunks_issue ON chunks(issue_id);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, kind TEXT);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for child in path.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(path)


@dataclass(frozen=True)
class IssueInfo:
    id: str
    title: str | None
    number: str | None
    publisher: str | None
    date: str | None
    source_file: str
    articles: int
    chunks: int


class Snapshot:
    """A read-only view of one committed version, fully loaded for fast queries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text("utf-8"))
            self.db = sqlite3.connect(f"file:{path / 'meta.sqlite'}?immutable=1", uri=True, check_same_thread=False)
            self.dense = DenseIndex.load(path / "dense.faiss")
            self.sparse = BM25.load(path / "sparse.json")
            self.terms: dict[str, str] = dict(self.db.execute("SELECT term, kind FROM terms").fetchall())
            self.issues = {info.id: info for info in self._issues()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RuntimeError, sqlite3.Error) as exc:
            older = hasattr(self, "manifest") and self.manifest.get("format") != FORMAT
            if older:  # an index written by an older version: its files have other names and shapes
                raise IndexMismatch(
                    f"index in {path.parent} has format {self.manifest.get('format')}, this version needs {FORMAT}:"
                    " run `bulletin-bot ingest --rebuild`"
                ) from None
            raise IndexError_(
                f"index version {path} is damaged ({type(exc).__name__}): run `bulletin-bot ingest --rebuild`"
            ) from None
        # This version's own dictionary: queries are cut exactly as its passages were.
        self.tokenizer = Tokenizer(self.terms)

    @property
    def embedder(self) -> str:
        return str(self.manifest["embedder"])

    def _issues(self) -> list[IssueInfo]:
        rows = self.db.execute(
            "SELECT id, title, number, publisher, date, source_file, articles, chunks FROM issues"
        ).fetchall()
        return [IssueInfo(*row) for row in rows]

    def issue_list(self) -> list[IssueInfo]:
        return sorted(self.issues.values(), key=lambda i: (i.date or "", i.id), reverse=True)

    def chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"""SELECT c.id, c.issue_id, c.article_no, c.chunk_no, c.start, c."end", c.text,
                       a.section, a.title, a.source, a.page, a.subtitle
                FROM chunks c JOIN articles a ON a.issue_id = c.issue_id AND a.article_no = c.article_no
                WHERE c.id IN ({marks})""",
            ids,
        ).fetchall()
        out = {}
        for cid, issue_id, article_no, chunk_no, start, end, text, section, title, source, page, subtitle in rows:
            info = self.issues[issue_id]
            citation = Citation(
                issue_id, info.title, info.number, info.date, info.publisher, section, title, source, page, subtitle
            )
            out[cid] = Chunk(citation, article_no, chunk_no, start, end, text, id=cid)
        return out

    def article(self, issue_id: str, article_no: int) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT section, title, subtitle, source, brief, page, text FROM articles WHERE issue_id=? AND article_no=?",
            (issue_id, article_no),
        ).fetchone()
        if row is None:
            return None
        keys = ("section", "title", "subtitle", "source", "brief", "page", "text")
        return dict(zip(keys, row, strict=True))

    def articles(self, issue_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT article_no, section, title, source, brief, page FROM articles WHERE issue_id=? ORDER BY article_no",
            (issue_id,),
        ).fetchall()
        return [dict(zip(("article_no", "section", "title", "source", "brief", "page"), r, strict=True)) for r in rows]

    def find_articles(
        self,
        *,
        start: str | None = None,
        end: str | None = None,
        issue_ids: tuple[str, ...] | None = None,
        mentioning: tuple[str, ...] = (),
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Articles by event date range (ISO prefixes, inclusive), issue and words in title or text."""
        where, args = [], []
        if start:
            where.append("COALESCE(a.event_end, a.event_date, a.issue_date) >= ?")
            args.append(start)
        if end:
            where.append("COALESCE(a.event_date, a.issue_date) <= ?")
            args.append(end + "\uffff")
        if issue_ids is not None:
            where.append(f"a.issue_id IN ({','.join('?' * len(issue_ids))})")
            args.extend(issue_ids)
        for word in mentioning:
            # A district's own bulletin is about the district even where an article omits its name.
            where.append(
                "(instr(a.title, ?) > 0 OR instr(a.text, ?) > 0"
                " OR instr(COALESCE(i.publisher, '') || COALESCE(i.title, ''), ?) > 0)"
            )
            args.extend([word, word, word])
        rows = self.db.execute(
            "SELECT a.issue_id, a.article_no, a.section, a.title, a.source, COALESCE(a.event_date, a.issue_date),"
            " a.text, a.event_date IS NOT NULL FROM articles a JOIN issues i ON i.id = a.issue_id"
            f" {'WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY COALESCE(a.event_date, a.issue_date), a.issue_id, a.article_no LIMIT ?",
            [*args, limit],
        ).fetchall()
        keys = ("issue_id", "article_no", "section", "title", "source", "date", "text", "dated")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def articles_printing(self, phrase: str) -> set[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT a.issue_id, a.article_no FROM articles a WHERE instr(a.text, ?) > 0"
            " OR instr(a.title, ?) > 0 OR instr(COALESCE(a.subtitle, ''), ?) > 0",
            (phrase, phrase, phrase),
        ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def mentions(self, word: str) -> bool:
        """Whether any article prints ``word`` (exact text, whatever jieba makes of it)."""
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE instr(text, ?) > 0 OR instr(title, ?) > 0 LIMIT 1", (word, word)
        ).fetchone()
        return row is not None

    def lead_chunk(self, issue_id: str, article_no: int) -> Chunk | None:
        row = self.db.execute(
            "SELECT id FROM chunks WHERE issue_id=? AND article_no=? ORDER BY chunk_no LIMIT 1", (issue_id, article_no)
        ).fetchone()
        return self.chunks([row[0]]).get(row[0]) if row else None

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        """The passages just before and after ``chunk`` in its article (answers often sit next door)."""
        rows = self.db.execute(
            "SELECT id FROM chunks WHERE issue_id=? AND article_no=? AND chunk_no IN (?, ?)",
            (chunk.citation.issue_id, chunk.article_no, chunk.chunk_no - 1, chunk.chunk_no + 1),
        ).fetchall()
        found = self.chunks([r[0] for r in rows])
        return [found[r[0]] for r in rows if r[0] in found]

    def titles(self) -> list[tuple[str, int, str]]:
        if not hasattr(self, "_titles"):
            self._titles = self.db.execute("SELECT issue_id, article_no, title FROM articles").fetchall()
        return self._titles

    def close(self) -> None:
        self.db.close()


class IndexStore:
    """Opens the live version for reading and runs writers one at a time."""

    def __init__(self, root: Path, lock_timeout: float = 600.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def current_version(self) -> Path | None:
        """The live version; None when there is no index yet. A damaged CURRENT is an error, never
        a silent rebuild: rebuilding would hide the damage and could drop issues the corpus lacks."""
        try:
            raw = self.current_file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexError_(f"cannot read {self.current_file} ({exc.strerror}): check the folder's permissions") from None
        try:
            name = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            name = ""
        path = self.root / name if name and "/" not in name and name.startswith("v-") else None
        if path is None or not (path / "manifest.json").exists():
            shown = name[:60] if name else "nothing readable"
            raise IndexError_(
                f"index in {self.root} is damaged: CURRENT names {shown!r}, which is not a complete version:"
                " run `bulletin-bot ingest --rebuild` to build it again from the corpus folder"
            )
        return path

    def exists(self) -> bool:
        return self.current_version() is not None

    def open(self, embedder: str | None = None) -> Snapshot:
        version = self.current_version()
        if version is None:
            raise IndexError_(f"no index in {self.root}: run `bulletin-bot ingest corpus/`")
        snap = Snapshot(version)
        check_manifest(snap.manifest, embedder, self.root)
        return snap

    def _live_or_none(self) -> Path | None:
        try:
            return self.current_version()
        except IndexError_:
            return None

    def lock_owner(self) -> str | None:
        """Who holds the writer lock, as 'pid N (command)', from the owner file it wrote."""
        try:
            info = json.loads((self.root / ".lock.owner").read_text("utf-8"))
            return f"pid {int(info['pid'])} ({str(info.get('command', '?'))[:120]}, since {info.get('since', '?')})"
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _acquire(self, lock: FileLock, on_wait: Callable[[str], None] | None) -> None:
        try:
            lock.acquire(timeout=0)
            return
        except Timeout:
            pass
        owner = self.lock_owner() or "another process"
        message = f"waiting for another ingest to finish: {owner} holds {self.root / '.lock'}"
        log.warning(message)
        if on_wait is not None:
            on_wait(message)
        try:
            lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise IndexBusy(
                f"another ingest is writing {self.root} ({owner}; waited {self.lock_timeout:.0f}s); try again later"
            ) from None

    @contextmanager
    def writer(
        self, embedder: str, dim: int, rebuild: bool = False, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[Writer]:
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".lock"))
        self._acquire(lock, on_wait)
        owner = self.root / ".lock.owner"
        try:
            owner.write_text(
                json.dumps({"pid": os.getpid(), "command": " ".join(sys.argv)[:300], "since": _now()}), "utf-8"
            )
            self._collect_garbage()
            base = None if rebuild else self.current_version()
            if base is not None:
                manifest = json.loads((base / "manifest.json").read_text("utf-8"))
                check_manifest(manifest, embedder, self.root)
            new = self.root / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
            new.mkdir()
            try:
                if base is not None:
                    for name in ("meta.sqlite", "dense.faiss"):
                        shutil.copy2(base / name, new / name)
                w = Writer(new, embedder, dim, base is None)
                yield w
                if base is not None and not (w.added or w.removed or w.changed):
                    w.db.close()
                    shutil.rmtree(new, ignore_errors=True)  # nothing changed: keep the live version
                    for action in w.on_commit:
                        action()
                    return
                w.finish()
                _fsync_tree(new)
                pause_point("commit")
                with _signals_held():  # the corpus moves and the switch happen together or not at all
                    for action in w.on_commit:
                        action()
                    tmp = self.root / "CURRENT.tmp"
                    with open(tmp, "w", encoding="utf-8") as fh:
                        fh.write(new.name)
                        fh.flush()
                        os.fsync(fh.fileno())
                    os.replace(tmp, self.current_file)  # the atomic switch
                    _fsync_dir(self.root)
            except BaseException:
                shutil.rmtree(new, ignore_errors=True)
                raise
            self._collect_garbage()
        finally:
            owner.unlink(missing_ok=True)
            lock.release()

    def _collect_garbage(self) -> None:
        """Remove versions left by crashed writers and all but the newest committed ones."""
        live = self._live_or_none()
        versions = sorted(p for p in self.root.glob("v-*") if p.is_dir())
        committed = [p for p in versions if (p / "manifest.json").exists()]
        keep = {p for p in committed[-KEEP_VERSIONS:]} | ({live} if live else set())
        for path in versions:
            if path not in keep:
                shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM/SIGINT (delivered right after) while a commit is half done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def pause_point(point: str) -> None:
    """For tests: ``BULLETIN_TEST_PAUSE=<point>:<file>`` makes a writer create <file> at <point> and
    wait there (bounded), so a test can kill it at a known moment instead of after a guessed sleep."""
    spec = os.environ.get("BULLETIN_TEST_PAUSE", "")
    if not spec.startswith(point + ":"):
        return
    marker = Path(spec.split(":", 1)[1])
    marker.write_text(str(os.getpid()), "utf-8")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and marker.exists():
        time.sleep(0.05)


def check_manifest(manifest: dict[str, Any], embedder: str | None, root: Path) -> None:
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(
            f"index in {root} has format {manifest.get('format')}, this version needs {FORMAT}:"
            " run `bulletin-bot ingest --rebuild`"
        )
    if embedder is not None and manifest.get("embedder") != embedder:
        raise IndexMismatch(
            f"index in {root} was built with embedder '{manifest.get('embedder')}', configured '{embedder}':"
            " run `bulletin-bot ingest --rebuild` (or set BULLETIN_EMBEDDER back)"
        )


class Writer:
    """Changes to a fresh copy of the index; nothing is visible until the store commits it."""

    def __init__(self, path: Path, embedder: str, dim: int, fresh: bool) -> None:
        self.path = path
        self.embedder = embedder
        self.dim = dim
        self.db = sqlite3.connect(path / "meta.sqlite")
        self.db.executescript(SCHEMA)
        self.dense = DenseIndex(dim) if fresh else DenseIndex.load(path / "dense.faiss")
        if self.dense.dim != dim:
            raise IndexMismatch(f"index dimension {self.dense.dim} != embedder dimension {dim}: rebuild the index")
        self.added: list[str] = []
        self.removed: list[str] = []
        self.changed = False  # file records changed without an issue being added or removed
        self.on_commit: list[Callable[[], None]] = []  # corpus file moves, run just before the switch
        self.pending_names: list[str] = []  # corpus names that files brought in will get at commit
        terms = dict(self.db.execute("SELECT term, kind FROM terms").fetchall())
        self._base_terms = set(terms)
        self.tokenizer = Tokenizer(terms)

    def file_hash_known(self, file_hash: str) -> str | None:
        row = self.db.execute("SELECT issue_id FROM files WHERE file_hash=?", (file_hash,)).fetchone()
        return row[0] if row else None

    def path_for_hash(self, file_hash: str) -> str | None:
        row = self.db.execute("SELECT path FROM files WHERE file_hash=?", (file_hash,)).fetchone()
        return row[0] if row else None

    def add_file(self, path: str, file_hash: str, issue_id: str) -> None:
        """Remember a file whose issue is indexed from another file (the same issue as PDF and text)."""
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?)", (path, file_hash, issue_id))
        self.changed = True

    def forget_file(self, path: str) -> None:
        self.db.execute("DELETE FROM files WHERE path=?", (path,))
        self.changed = True

    def issue_for_path(self, path: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT issue_id, file_hash FROM files WHERE path=?", (path,)).fetchone()
        return (row[0], row[1]) if row else None

    def paths_for(self, issue_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM files WHERE issue_id=?", (issue_id,))]

    def files_for(self, issue_id: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.db.execute("SELECT path, file_hash FROM files WHERE issue_id=?", (issue_id,))]

    def indexed_file(self, issue_id: str) -> tuple[str, list[Any]] | None:
        """(corpus-relative path, rank) of the file an issue is indexed from."""
        row = self.db.execute("SELECT source_file, rank FROM issues WHERE id=?", (issue_id,)).fetchone()
        if row is None:
            return None
        return row[0], json.loads(row[1]) if row[1] else []

    def has_issue(self, issue_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM issues WHERE id=?", (issue_id,)).fetchone() is not None

    def remove_issue(self, issue_id: str) -> bool:
        ids = np.asarray([r[0] for r in self.db.execute("SELECT id FROM chunks WHERE issue_id=?", (issue_id,))])
        found = self.has_issue(issue_id)
        self.dense.remove(ids)
        for table, col in (("chunks", "issue_id"), ("articles", "issue_id"), ("issues", "id"), ("files", "issue_id")):
            self.db.execute(f"DELETE FROM {table} WHERE {col}=?", (issue_id,))
        if found:
            self.removed.append(issue_id)
        return found

    def next_chunk_id(self) -> int:
        row = self.db.execute("SELECT COALESCE(MAX(id), -1) FROM chunks").fetchone()
        return int(row[0]) + 1

    def add_terms(self, terms: dict[str, str]) -> None:
        """Words of issues about to be added: give them all before the first ``add_issue`` so every
        new passage is cut with the whole dictionary."""
        self.tokenizer.add_words(terms)

    def add_issue(
        self,
        bulletin: Bulletin,
        path: str,
        file_hash: str,
        chunks: list[Chunk],
        vectors: np.ndarray,
        terms: dict[str, str],
        rank: list[Any] | None = None,
    ) -> None:
        """Index one issue read from ``path`` (relative to the corpus folder)."""
        issue = bulletin.issue
        self.tokenizer.add_words(terms)
        tokens = [self.tokenizer.tokens(c.indexed_text()) for c in chunks]
        first = self.next_chunk_id()
        ids = np.arange(first, first + len(chunks), dtype=np.int64)
        self.db.execute(
            "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                issue.id, issue.title, issue.number, issue.publisher, issue.date, path, file_hash,
                len(bulletin.articles()), len(chunks), _now(), json.dumps(bulletin.to_json(), ensure_ascii=False),
                json.dumps(rank or []),
            ),
        )
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?)", (path, file_hash, issue.id))
        self.db.executemany(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    issue.id, no, section, a.title, a.subtitle, a.source, int(a.brief), a.page, a.text,
                    *event_span(a.text, issue.date), issue.date,
                )
                for no, (section, a) in enumerate(bulletin.articles())
            ],
        )
        self.db.executemany(
            'INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)',
            [
                (int(cid), issue.id, c.article_no, c.chunk_no, c.start, c.end, c.text, " ".join(toks))
                for cid, c, toks in zip(ids, chunks, tokens, strict=True)
            ],
        )
        self.db.executemany("INSERT OR REPLACE INTO terms VALUES (?, ?)", list(terms.items()))
        self.dense.add(ids, vectors)
        self.added.append(issue.id)

    def counts(self) -> tuple[int, int]:
        issues = self.db.execute("SELECT COUNT(*) FROM issues").fetchone()[0]
        chunks = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(issues), int(chunks)

    def _retokenize(self) -> None:
        """Cut older passages again where a word new to this version's dictionary occurs in them, so
        every passage is segmented with the same dictionary the version's queries will use."""
        new = sorted(self.tokenizer.words - self._base_terms, key=len, reverse=True)
        if not new:
            return
        added = set(self.added)
        pattern = re.compile("|".join(re.escape(w) for w in new))
        rows = self.db.execute(
            """SELECT c.id, c.issue_id, c.text, a.section, a.title, a.subtitle FROM chunks c
               JOIN articles a ON a.issue_id = c.issue_id AND a.article_no = c.article_no"""
        ).fetchall()
        updates = []
        for cid, issue_id, text, section, title, subtitle in rows:
            if issue_id in added:
                continue
            indexed = f"【{section}】{title}{subtitle or ''}\n{text}"  # as Chunk.indexed_text()
            if pattern.search(indexed):
                updates.append((" ".join(self.tokenizer.tokens(indexed)), cid))
        self.db.executemany("UPDATE chunks SET tokens=? WHERE id=?", updates)

    def finish(self) -> None:
        self._retokenize()
        sparse = BM25.build(
            (cid, toks.split()) for cid, toks in self.db.execute("SELECT id, tokens FROM chunks ORDER BY id")
        )
        sparse.save(self.path / "sparse.json")
        self.dense.save(self.path / "dense.faiss")
        terms = [r[0] for r in self.db.execute("SELECT term FROM terms ORDER BY term")]
        (self.path / "userdict.txt").write_text("".join(f"{t} 200000\n" for t in terms), "utf-8")
        issues, chunks = self.counts()
        self.db.commit()
        self.db.close()
        manifest = {
            "format": FORMAT,
            "embedder": self.embedder,
            "dim": self.dim,
            "updated_at": _now(),
            "issues": issues,
            "chunks": chunks,
            "vectors": len(self.dense),
        }
        (self.path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
