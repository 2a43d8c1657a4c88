"""Passage vectors by text hash, so a rebuild or a re-ingest embeds only text it has not seen.

Embedding is most of an ingest's time (~0.05–0.1 s a passage on 2 cores) while a rebuild, a
corrected upload or a reindex mostly meets passages embedded before. The cache is an SQLite file
keyed by sha1(embedder name, passage text); it is only a cache: a damaged or unwritable one is
logged, set aside and rebuilt, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def text_key(embedder: str, text: str) -> bytes:
    return hashlib.sha1(f"{embedder}\x00{text}".encode()).digest()


class VectorCache:
    def __init__(self, path: Path, embedder: str, dim: int) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self.dim = dim
        self._db: sqlite3.Connection | None = None
        try:
            self._db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            log.warning("vector cache %s unusable (%s): setting it aside", self.path, exc)
            self._set_aside()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dim INTEGER, vec BLOB)")
        return db

    def _set_aside(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None
        try:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            log.warning("vector cache %s disabled (%s)", self.path, exc)

    def get(self, texts: list[str]) -> dict[int, np.ndarray]:
        """Cached vectors by position in ``texts``."""
        if self._db is None or not texts:
            return {}
        keys = [text_key(self.embedder, t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        try:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, dim, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
                for key, dim, blob in rows:
                    if dim == self.dim and len(blob) == 4 * dim:
                        found[key] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.Error as exc:
            log.warning("vector cache %s unreadable (%s): setting it aside", self.path, exc)
            self._set_aside()
            return {}
        return {n: found[k] for n, k in enumerate(keys) if k in found}

    def put(self, pairs: Iterable[tuple[str, np.ndarray]]) -> None:
        if self._db is None:
            return
        rows = [
            (text_key(self.embedder, t), self.dim, np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for t, v in pairs
        ]
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?)", rows)
        except sqlite3.Error as exc:  # disk full, read-only: the ingest goes on without the cache
            log.warning("vector cache %s not written (%s)", self.path, exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
