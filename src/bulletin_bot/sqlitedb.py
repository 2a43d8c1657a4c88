"""The one way our small state stores (bot access, usage log, web users) open SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_store(path: Path, schema: str) -> sqlite3.Connection:
    """A connection shared by worker threads (callers hold a lock), in WAL mode so readers never
    block the writer, waiting up to 5 s for another process's lock, with ``schema`` applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.executescript(schema)
    return db
