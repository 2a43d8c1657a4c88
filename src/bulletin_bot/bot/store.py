"""The bot's own small SQLite file: access list; the question log (with what the answer buttons point
at) is the face-neutral one in ``usage.py``, shared with the web face.

It lives beside the index (``index_dir/bot.sqlite``); the index only looks at ``CURRENT`` and its
``v-*`` versions, so the file is left alone by ingests and rebuilds.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Hit
from ..sqlitedb import open_store
from ..usage import Stats, UsageLog, usage_path

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

    @classmethod
    def tombstone(cls, issue_id: str) -> StoredHit:
        """What is left of a passage of a removed issue: no text, no citation."""
        return cls(issue_id, -1, {}, "")

    @property
    def purged(self) -> bool:
        return self.article_no < 0 and not self.text


__all__ = ["BotStore", "RateLimiter", "Stats", "StoredHit"]


class BotStore:
    """Thread-safe (one connection, one lock): handlers call it from worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_store(path, SCHEMA)
        self.usage = UsageLog(usage_path(path.parent))

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self.usage.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- access ------------------------------------------------------------------------------

    def set_access(self, ident: int, allowed: bool, admin: int) -> None:
        self.set_access_many([ident], allowed, admin)

    def set_access_many(self, idents: list[int], allowed: bool, admin: int) -> None:
        """All ids or none: one transaction (the caller has validated them)."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO access (id, allowed, by_admin, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET allowed=excluded.allowed, by_admin=excluded.by_admin,"
                    " at=excluded.at",
                    [(ident, int(allowed), admin, now) for ident in idents],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def purge_issue(self, issue_id: str) -> int:
        """Forget a removed issue's passages behind old answers' buttons; returns the answers changed.

        A tombstone keeps each passage's place (the first one is the answer's source).
        """

        def purge(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [vars(StoredHit.tombstone(issue_id)) if h.get("issue_id") == issue_id else h for h in hits]

        return self.usage.rewrite_payloads("telegram", json.dumps(issue_id, ensure_ascii=False), purge)

    def access(self) -> tuple[frozenset[int], frozenset[int]]:
        """(ids allowed with /allow, ids denied with /deny)."""
        rows = self._run("SELECT id, allowed FROM access")
        return frozenset(i for i, a in rows if a), frozenset(i for i, a in rows if not a)

    # --- question log --------------------------------------------------------------------------

    def log_question(
        self, user_id: int, chat_id: int, question: str, answered: bool, answer: str, hits: list[StoredHit]
    ) -> int:
        return self.usage.log("telegram", user_id, chat_id, question, answered, answer, [vars(h) for h in hits])

    def hits_for(self, question_id: int) -> tuple[int, bool, list[StoredHit]] | None:
        """(chat id the question was asked in, whether it was answered, its passages), or None."""
        record = self.usage.record(question_id)
        if record is None or record.face != "telegram":
            return None
        return int(record.chat), record.answered, [StoredHit(**h) for h in record.payload or []]

    def stats(self) -> Stats:
        return self.usage.stats()

    def unanswered(self, limit: int = 20) -> list[tuple[float, int | str, str]]:
        """Newest unanswered questions from every face: (time, user id or face:user, question)."""
        return [
            (at, int(user) if face == "telegram" and user.lstrip("-").isdigit() else f"{face}:{user}", question)
            for at, face, user, question in self.usage.unanswered(limit)
        ]


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
