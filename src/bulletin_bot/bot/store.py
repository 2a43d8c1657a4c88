"""The bot's own small SQLite file: access list, question log, and what the answer buttons point at.

It lives beside the index (``index_dir/bot.sqlite``); the index only looks at ``CURRENT`` and its
``v-*`` versions, so the file is left alone by ingests and rebuilds.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Hit

SCHEMA = """
CREATE TABLE IF NOT EXISTS access (
  id INTEGER PRIMARY KEY,          -- user id (> 0) or chat id (< 0)
  allowed INTEGER NOT NULL,        -- 1: /allow, 0: /deny (overrides the environment lists)
  by_admin INTEGER, at REAL
);
CREATE TABLE IF NOT EXISTS questions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER, chat_id INTEGER, question TEXT, answered INTEGER, at REAL,
  answer TEXT,                     -- the short answer (or the refusal) as given
  hits TEXT                        -- JSON: the passages behind the 「原文」/「更多结果」 buttons
);
CREATE INDEX IF NOT EXISTS questions_at ON questions(at);
"""


@dataclass(frozen=True)
class StoredHit:
    """A passage as kept for the buttons: enough to cite it and to fetch its article again."""

    issue_id: str
    article_no: int
    citation: dict[str, Any]
    text: str

    @classmethod
    def from_hit(cls, hit: Hit) -> StoredHit:
        c = hit.chunk.citation
        return cls(c.issue_id, hit.chunk.article_no, dict(vars(c)), hit.chunk.text)


@dataclass(frozen=True)
class Stats:
    questions: int
    answered: int
    users: int
    chats: int
    last_day: int


class BotStore:
    """Thread-safe (one connection, one lock): handlers call it from worker threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- access ------------------------------------------------------------------------------

    def set_access(self, ident: int, allowed: bool, admin: int) -> None:
        self._run(
            "INSERT INTO access (id, allowed, by_admin, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET allowed=excluded.allowed, by_admin=excluded.by_admin, at=excluded.at",
            (ident, int(allowed), admin, time.time()),
        )

    def access(self) -> tuple[frozenset[int], frozenset[int]]:
        """(ids allowed with /allow, ids denied with /deny)."""
        rows = self._run("SELECT id, allowed FROM access")
        return frozenset(i for i, a in rows if a), frozenset(i for i, a in rows if not a)

    # --- question log --------------------------------------------------------------------------

    def log_question(
        self, user_id: int, chat_id: int, question: str, answered: bool, answer: str, hits: list[StoredHit]
    ) -> int:
        payload = json.dumps([vars(h) for h in hits], ensure_ascii=False)
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO questions (user_id, chat_id, question, answered, at, answer, hits)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, chat_id, question, int(answered), time.time(), answer, payload),
            )
            return int(cur.lastrowid or 0)

    def hits_for(self, question_id: int) -> tuple[int, bool, list[StoredHit]] | None:
        """(chat id the question was asked in, whether it was answered, its passages), or None."""
        rows = self._run("SELECT chat_id, answered, hits FROM questions WHERE id=?", (question_id,))
        if not rows:
            return None
        chat_id, answered, payload = rows[0]
        return int(chat_id), bool(answered), [StoredHit(**h) for h in json.loads(payload or "[]")]

    def stats(self) -> Stats:
        total, answered, users, chats = self._run(
            "SELECT COUNT(*), COALESCE(SUM(answered), 0), COUNT(DISTINCT user_id), COUNT(DISTINCT chat_id) FROM questions"
        )[0]
        (last_day,) = self._run("SELECT COUNT(*) FROM questions WHERE at >= ?", (time.time() - 86400,))[0]
        return Stats(int(total), int(answered), int(users), int(chats), int(last_day))

    def unanswered(self, limit: int = 20) -> list[tuple[float, int, str]]:
        """Newest unanswered questions: (time, user id, question)."""
        rows = self._run(
            "SELECT at, user_id, question FROM questions WHERE answered=0 ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(float(a), int(u), str(q)) for a, u, q in rows]


class RateLimiter:
    """Per-user sliding window: at most ``limit`` questions in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> tuple[bool, float, bool]:
        """(allowed, seconds until the next slot frees up, whether to tell the user).

        Over the limit the user is told once per window, so a flood does not become a flood of
        refusals (which would eat the bot's own Telegram sending budget).
        """
        now = time.monotonic() if now is None else now
        if self.limit <= 0:
            return True, 0.0, False
        seen = self._seen.setdefault(user_id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            self._warned.pop(user_id, None)
            return True, 0.0, False
        wait = seen[0] + self.window - now
        warned_at = self._warned.get(user_id)
        tell = warned_at is None or warned_at <= now - self.window
        if tell:
            self._warned[user_id] = now
        return False, wait, tell
