"""The one service the faces (CLI, chat REPL, Telegram bot) call: ingest, remove, list, search, ask."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .errors import BulletinError, NotFound, ParseError
from .index.embed import Embedder, make_embedder
from .index.sparse import Tokenizer, corpus_terms
from .index.store import IndexStore, IssueInfo, Snapshot
from .ingest.chunk import chunk_bulletin
from .ingest.parse import parse_file
from .ingest.read import SUPPORTED
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


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Assistant:
    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.settings = settings
        self.progress = progress or NoProgress()
        self.store = IndexStore(settings.index_dir)
        self._embedder: Embedder | None = None
        self._snap: Snapshot | None = None
        self._snap_lock = threading.Lock()
        self._answerer = None

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
        report = self.ingest(files, skip_bad=True)
        for name, reason in report.failed:
            log.warning("skipped %s: %s", name, reason)

    def searcher(self) -> Searcher:
        return Searcher(self.snapshot(), self.embedder)

    # --- corpus changes ------------------------------------------------------------------------

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        rebuild: bool = False,
        skip_bad: bool = False,
        data: dict[Path, bytes] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Index new or changed issue files; with ``skip_bad`` False any bad file aborts all changes."""
        progress = progress or self.progress
        try:
            return self._ingest(paths, rebuild, skip_bad, data, progress)
        finally:
            progress.close()

    def _ingest(
        self,
        paths: Iterable[Path],
        rebuild: bool,
        skip_bad: bool,
        data: dict[Path, bytes] | None,
        progress: Progress,
    ) -> IngestReport:
        started = time.perf_counter()
        files = expand(paths)
        if rebuild and not files:
            raise BulletinError("nothing to rebuild from: no .pdf/.docx/.txt files given (the index is unchanged)")
        report = IngestReport()
        embedder = self.embedder
        tokenizer = Tokenizer.shared()
        with self.store.writer(embedder.name, embedder.dim, rebuild=rebuild) as writer:
            parsed: list[tuple[Path, str, Bulletin]] = []
            progress.stage("parse", len(files))
            for done, path in enumerate(files, start=1):
                raw = data[path] if data and path in data else path.read_bytes()
                digest = file_hash(raw)
                progress.advance()
                if writer.file_hash_known(digest):
                    report.unchanged.append(str(path))
                    continue
                try:
                    on_page = ocr_progress(progress, ("parse", len(files), done))
                    parsed.append((path, digest, parse_file(path, raw, on_page=on_page)))
                except ParseError as exc:
                    report.failed.append((str(path), str(exc)))
                    if not skip_bad:
                        raise
            # Two files of one issue (the PDF and its text export): index the one with the fuller masthead.
            chosen: dict[str, tuple[Path, str, Bulletin]] = {}
            for item in parsed:
                issue = item[2].issue
                rank = (issue.title is not None) + (issue.number is not None)
                previous = chosen.get(issue.id)
                if previous is not None:
                    prev_issue = previous[2].issue
                    if (prev_issue.title is not None) + (prev_issue.number is not None) > rank:
                        report.duplicates.append((str(item[0]), issue.id))
                        continue
                    report.duplicates.append((str(previous[0]), issue.id))
                chosen[issue.id] = item
            chosen_paths = {str(p) for p, _, _ in chosen.values()}
            duplicate_files = [(p, d, b.issue.id) for p, d, b in parsed if str(p) not in chosen_paths]
            work = []
            for path, digest, bulletin in chosen.values():
                key = str(path.resolve())
                previous = writer.issue_for_path(key)
                if previous and previous[0] != bulletin.issue.id and writer.remove_issue(previous[0]):
                    report.replaced.append(previous[0])
                if writer.remove_issue(bulletin.issue.id):
                    report.replaced.append(bulletin.issue.id)
                terms = corpus_terms(bulletin)
                tokenizer.add_words(terms)
                chunks = chunk_bulletin(bulletin)
                work.append((key, digest, bulletin, chunks, terms))
            progress.stage("embed", sum(len(w[3]) for w in work))
            for key, digest, bulletin, chunks, terms in work:
                texts = [c.indexed_text() for c in chunks]
                vectors = embedder.embed_passages(texts, progress.advance)
                tokens = [tokenizer.tokens(t) for t in texts]
                writer.add_issue(bulletin, key, digest, chunks, vectors, tokens, terms)
                report.added.append(
                    IssueInfo(
                        bulletin.issue.id, bulletin.issue.title, bulletin.issue.number, bulletin.issue.publisher,
                        bulletin.issue.date, bulletin.issue.source_file, len(bulletin.articles()), len(chunks),
                    )
                )
            for path, digest, issue_id in duplicate_files:
                writer.add_file(str(path.resolve()), digest, issue_id)
            progress.stage("index", 1)
            report.issues, report.chunks = writer.counts()
        progress.advance()
        report.replaced = list(dict.fromkeys(report.replaced))
        report.seconds = time.perf_counter() - started
        return report

    def ingest_upload(self, name: str, data: bytes, progress: Progress | None = None) -> IngestReport:
        """Check an uploaded issue, keep it in the corpus folder (so a rebuild reproduces the index), index it.

        A file that does not parse is neither kept nor indexed; the index stays as it was.
        """
        safe = Path(name).name.replace("\x00", "") or "upload.txt"
        # raises ParseError before anything is written; a scan's OCR is kept for the ingest below
        parse_file(Path(safe), data, on_page=ocr_progress(progress or self.progress))
        corpus = self.settings.corpus_dir
        corpus.mkdir(parents=True, exist_ok=True)
        digest = file_hash(data)
        existing = next(
            (p for p in expand([corpus]) if p.stat().st_size == len(data) and file_hash(p.read_bytes()) == digest), None
        )
        target = existing or corpus / safe
        if existing is None and target.exists():
            target = corpus / f"{target.stem}-{digest[:8]}{target.suffix}"
        created = existing is None
        if created:
            tmp = target.with_name(f".{target.name}.part")
            try:
                tmp.write_bytes(data)
                tmp.replace(target)
            except OSError:  # disk full, read-only folder: leave no half file behind
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass
                raise
        try:
            return self.ingest([target], progress=progress)
        except BaseException:
            if created:
                target.unlink(missing_ok=True)
            raise

    def article(self, issue_id: str, article_no: int) -> dict | None:
        """The whole article a passage comes from (for 「原文」 / the full-article button)."""
        return self.snapshot().article(issue_id, article_no)

    def remove(self, issue_id: str) -> list[Path]:
        """Drop an issue from the index; its file leaves the corpus folder (to corpus/.removed/) so that
        a rebuild does not bring it back. Returns the files moved aside."""
        embedder = self.embedder
        moved: list[Path] = []
        with self.store.writer(embedder.name, embedder.dim) as writer:
            paths = writer.paths_for(issue_id)
            if not writer.remove_issue(issue_id):
                known = ", ".join(sorted(self.snapshot().issues)[:10]) or "none"
                raise NotFound(f"no issue '{issue_id}' in the index (known: {known}); see `bulletin-bot issues`")
        corpus = self.settings.corpus_dir.resolve()
        for raw in paths:
            path = Path(raw)
            if path.exists() and corpus in path.parents:
                aside = corpus / ".removed" / path.name
                aside.parent.mkdir(exist_ok=True)
                path.replace(aside)
                moved.append(aside)
        return moved

    # --- questions -----------------------------------------------------------------------------

    def issues(self) -> list[IssueInfo]:
        return self.snapshot().issue_list()

    def search(self, query: str, k: int = 5) -> list[Hit]:
        from .answer import check_question

        return self.searcher().search(check_question(query), k)

    def ask(self, question: str) -> Answer:
        from .answer import Answerer, check_question

        check_question(question)  # a malformed question fails before any index or model is loaded
        with self._snap_lock:
            if self._answerer is None:
                self._answerer = Answerer(self.settings)
        return self._answerer.answer(question, self.searcher())

    def warm_up(self) -> None:
        """Load the index, the model and jieba's tagger before the first real question."""
        self.ask("党史工作会议是什么时候召开的？")  # any question: it loads what answering needs
