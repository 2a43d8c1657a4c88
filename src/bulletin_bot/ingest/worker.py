"""Parse and embed in a child process with memory and time limits, so no file can take the bot down.

The parent (CLI or bot) keeps the index lock and the writer; the child only turns bytes into a
``Bulletin``, chunks and vectors. A child that runs out of its address space (``RLIMIT_AS``), runs
past its time limit or is cancelled (SIGTERM in the CLI, ``Assistant.cancel()`` in the bot) is
killed, and the parent raises a one-line error while the index stays as it was.

Children come from a ``forkserver``: forking a clean server process is safe even when the parent
has threads (the bot) or OpenMP pools (the embedder), and it starts in milliseconds.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BulletinError, ParseError
from ..model import Bulletin, Chunk
from . import limits
from .limits import Limits

POLL = 0.1  # seconds between checks for cancellation while waiting on the child


class Cancelled(BulletinError):
    """The ingest was stopped (SIGTERM, shutdown); nothing was changed."""


@dataclass(frozen=True)
class Parsed:
    bulletin: Bulletin
    chunks: list[Chunk]
    terms: dict[str, str]
    chars: int


@dataclass(frozen=True)
class WorkerLimits:
    caps: Limits
    memory_mb: int
    parse_timeout: float
    embed_timeout: float


# --- the child --------------------------------------------------------------------------------


def _limit_memory(mb: int) -> None:
    """Lower the soft address-space limit (the hard one stays, so it can be lifted again)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = mb * 1024 * 1024 if mb > 0 else hard
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _child(conn: Connection, embedder_spec: str, lim: WorkerLimits) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    limits.use(lim.caps)
    embedder = None
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        kind = msg[0]
        try:
            if kind == "parse":
                _limit_memory(lim.memory_mb)
                conn.send(("ok", _parse(msg[1], msg[2], lambda done, total: conn.send(("page", done, total)))))
            elif kind == "embed":
                _limit_memory(0)  # bounded by the passage cap; models may map more than a parse needs
                if embedder is None:
                    from ..index.embed import make_embedder

                    embedder = make_embedder(embedder_spec)
                texts = msg[1]
                vectors = embedder.embed_passages(texts, lambda n: conn.send(("progress", n)))
                conn.send(("ok", np.asarray(vectors, dtype=np.float32)))
            elif kind == "hook":  # tests: behave like a file that hangs or eats memory
                _limit_memory(lim.memory_mb)
                if msg[1] == "hang":
                    time.sleep(3600)
                elif msg[1] == "eat":
                    hog = [bytearray(64 * 1024 * 1024) for _ in range(10_000)]
                    conn.send(("ok", len(hog)))
            else:
                return
        except ParseError as exc:
            conn.send(("parse_error", exc.path, exc.problem, exc.fix))
        except MemoryError:
            conn.send(("memory",))
        except BulletinError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
            conn.send(("error", f"{type(exc).__name__}: {exc} @ {traceback.format_exc(limit=-1).strip()[-200:]}"))


def _parse(name: str, data: bytes, on_page: Any = None) -> Parsed:
    from ..index.sparse import corpus_terms
    from .chunk import chunk_bulletin
    from .parse import parse_file

    bulletin = parse_file(Path(name), data, on_page=on_page)
    chars = sum(len(p) for _, a in bulletin.articles() for p in a.paragraphs)
    limits.check_chars(name, chars)
    chunks = chunk_bulletin(bulletin)
    limits.check_chunks(name, len(chunks))
    return Parsed(bulletin, chunks, corpus_terms(bulletin), chars)


# --- the parent -------------------------------------------------------------------------------

_context_lock = threading.Lock()
_context: Any = None


def _mp() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            # Imported once in the fork server, so each child starts with the parsers loaded.
            _context.set_forkserver_preload(["bulletin_bot.ingest.worker", "bulletin_bot.ingest.parse"])
        return _context


@contextmanager
def _without_main_script() -> Iterator[None]:
    """Hide the running script from multiprocessing while a child starts.

    A child would import the caller's script again to rebuild ``__main__``; a script that ingests at its
    top level, with no ``if __name__ == "__main__":`` guard, would then ingest again inside the child and
    wait forever on the lock its own parent holds. The children run only this package's code, so they
    never need the script.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or getattr(getattr(main, "__spec__", None), "name", None):
        yield  # run with -m: the child imports the module by name, guarded like any module
        return
    with _main_lock:
        del main.__file__  # type: ignore[union-attr]
        try:
            yield
        finally:
            main.__file__ = path  # type: ignore[union-attr]


_main_lock = threading.Lock()


class Worker:
    """One child process for one ingest; restarted after a file made it fail hard."""

    def __init__(self, embedder_spec: str, lim: WorkerLimits, cancel: threading.Event | None = None) -> None:
        self.embedder_spec = embedder_spec
        self.limits = lim
        self.cancel = cancel or threading.Event()
        self._proc: Any = None
        self._conn: Connection | None = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Connection:
        if self._conn is None or self._proc is None or not self._proc.is_alive():
            self.close()
            ctx = _mp()
            parent, child = ctx.Pipe()
            self._proc = ctx.Process(target=_child, args=(child, self.embedder_spec, self.limits), daemon=True)
            with _without_main_script():
                self._proc.start()
            child.close()
            self._conn = parent
        return self._conn

    def close(self) -> None:
        """Stop the child at once (it holds no state worth keeping)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(timeout=5)
            self._proc = None

    def _wait(self, name: str, timeout: float, what: str, setting: str, on_progress: Any = None) -> Any:
        """The child's answer, while watching the clock, the child and the cancel flag."""
        conn = self._conn
        assert conn is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.cancel.is_set():
                self.close()
                raise Cancelled("ingest stopped before it finished: the index and the corpus folder are unchanged")
            try:
                ready = conn.poll(POLL)
            except (EOFError, OSError):
                ready = True
            if not ready:
                if time.monotonic() > deadline:
                    self.close()
                    raise ParseError(
                        name,
                        f"{what} took longer than {timeout:.0f} s ({setting.lower().removeprefix('bulletin_')})",
                        f"raise {setting} if this is a real issue",
                    )
                if self._proc is not None and not self._proc.is_alive() and not conn.poll(0):
                    return self._died(name)
                continue
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return self._died(name)
            if msg[0] in ("progress", "page"):
                # Passages embedded, pages OCRed: the limit is on a stall, not on the whole of a long job.
                deadline = time.monotonic() + timeout
                if on_progress:
                    on_progress(*msg[1:])
                continue
            if msg[0] == "ok":
                return msg[1]
            if msg[0] == "parse_error":
                raise ParseError(msg[1], msg[2], msg[3])
            if msg[0] == "memory":
                self.close()
                raise self._memory_error(name)
            raise BulletinError(f"{name}: ingest worker failed: {msg[1]}")

    def _memory_error(self, name: str) -> ParseError:
        return ParseError(
            name,
            f"reading it needs more than the worker's {self.limits.memory_mb:,} MB (worker_memory_mb)",
            "check the file, or raise BULLETIN_WORKER_MEMORY_MB if this is a real issue",
        )

    def _died(self, name: str) -> Any:
        if self._proc is not None:
            self._proc.join(timeout=5)
        code = self._proc.exitcode if self._proc is not None else None
        self.close()
        if code is not None and code < 0:
            try:
                how = signal.Signals(-code).name
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit code {code}"
        # A C library that cannot allocate under RLIMIT_AS aborts rather than raising MemoryError.
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
            raise self._memory_error(name)
        raise ParseError(name, f"the ingest worker stopped ({how}) while reading it", "check the file and try again")

    def parse(self, name: str, data: bytes, on_page: Any = None) -> Parsed:
        """Parse in the child; ``on_page(done, total)`` hears of OCRed pages (each one resets the clock)."""
        self._start().send(("parse", name, data))
        result: Parsed = self._wait(name, self.limits.parse_timeout, "reading it", "BULLETIN_PARSE_TIMEOUT", on_page)
        return result

    def embed(self, name: str, texts: list[str], on_progress: Any = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        self._start().send(("embed", texts))
        vectors: np.ndarray = self._wait(
            name, self.limits.embed_timeout, "embedding a batch of passages", "BULLETIN_EMBED_TIMEOUT", on_progress
        )
        return vectors

    def hook(self, name: str, what: str) -> Any:
        """For tests: make the child hang or eat memory, to check the limits."""
        self._start().send(("hook", what))
        return self._wait(name, self.limits.parse_timeout, "reading it", "BULLETIN_PARSE_TIMEOUT")

