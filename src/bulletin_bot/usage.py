"""The question log every face writes to (Telegram bot, web page, HTTP API): stats and unanswered questions.

One SQLite file beside the index (``index_dir/usage.sqlite``), opened in WAL mode, so the bot and the
web face see the same counts whether they run in one process (``serve --web``) or in two.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .sqlitedb import open_store

USAGE_FILE = "usage.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  face TEXT NOT NULL,              -- telegram | web | api
  user TEXT, chat TEXT,            -- who asked, and in which chat or web session
  question TEXT NOT NULL, answered INTEGER NOT NULL, at REAL NOT NULL,
  answer TEXT,                     -- the short answer (or the refusal) as given
  payload TEXT                     -- JSON a face keeps for later (the bot: passages behind its buttons)
);
CREATE INDEX IF NOT EXISTS questions_at ON questions(at);
"""


@dataclass(frozen=True)
class Stats:
    questions: int
    answered: int
    users: int
    chats: int
    last_day: int
    by_face: dict[str, int] | None = None


@dataclass(frozen=True)
class Record:
    id: int
    face: str
    user: str
    chat: str
    question: str
    answered: bool
    at: float
    answer: str
    payload: Any


def usage_path(index_dir: Path) -> Path:
    return Path(index_dir) / USAGE_FILE


def _normal(question: str) -> str:
    """Questions that differ only in punctuation or spaces count as one in the unanswered list."""
    return re.sub(r"[\s？?！!。.，,、；;：:\"'“”‘’]+", "", question)


class UsageLog:
    """Thread-safe (one connection, one lock): faces call it from worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_store(path, SCHEMA)
        # One write per question: WAL with NORMAL sync never corrupts the file, and skipping the fsync per
        # commit keeps logging off the answer's latency (a power cut may lose the last few log lines).
        self._db.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def log(
        self,
        face: str,
        user: object,
        chat: object,
        question: str,
        answered: bool,
        answer: str,
        payload: Any = None,
    ) -> int:
        """Record one question; returns its row id."""
        data = None if payload is None else json.dumps(payload, ensure_ascii=False)
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO questions (face, user, chat, question, answered, at, answer, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (face, str(user), str(chat), question, int(answered), time.time(), answer, data),
            )
            return int(cur.lastrowid or 0)

    def rewrite_payloads(self, face: str, needle: str, rewrite: Callable[[Any], Any]) -> int:
        """Replace the payloads of one face whose JSON contains ``needle`` by ``rewrite(payload)``, in one
        transaction (the bot purges a removed issue's passages this way); returns the rows changed."""
        changed = 0
        with self._lock:
            rows = self._db.execute(
                "SELECT id, payload FROM questions WHERE face=? AND instr(payload, ?) > 0", (face, needle)
            ).fetchall()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for qid, data in rows:
                    payload = json.loads(data)
                    new = rewrite(payload)
                    if new != payload:
                        self._db.execute(
                            "UPDATE questions SET payload=? WHERE id=?", (json.dumps(new, ensure_ascii=False), qid)
                        )
                        changed += 1
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return changed

    def record(self, question_id: int) -> Record | None:
        rows = self._run(
            "SELECT id, face, user, chat, question, answered, at, answer, payload FROM questions WHERE id=?",
            (question_id,),
        )
        if not rows:
            return None
        i, face, user, chat, question, answered, at, answer, payload = rows[0]
        return Record(
            int(i), face, user or "", chat or "", question, bool(answered), float(at), answer or "",
            json.loads(payload) if payload else None,
        )

    def stats(self) -> Stats:
        total, answered, users, chats = self._run(
            "SELECT COUNT(*), COALESCE(SUM(answered), 0), COUNT(DISTINCT face || ':' || user),"
            " COUNT(DISTINCT face || ':' || chat) FROM questions"
        )[0]
        (last_day,) = self._run("SELECT COUNT(*) FROM questions WHERE at >= ?", (time.time() - 86400,))[0]
        faces = dict(self._run("SELECT face, COUNT(*) FROM questions GROUP BY face ORDER BY face"))
        return Stats(int(total), int(answered), int(users), int(chats), int(last_day), faces)

    def unanswered(self, limit: int = 20) -> list[tuple[float, str, str, str]]:
        """Newest unanswered questions: (time, face, user, question)."""
        rows = self._run(
            "SELECT at, face, user, question FROM questions WHERE answered=0 ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(float(a), str(f), str(u), str(q)) for a, f, u, q in rows]

    def unanswered_counts(self, limit: int = 50) -> list[dict[str, Any]]:
        """Unanswered questions grouped by wording, most asked first: question, count, last time, faces."""
        rows = self._run("SELECT question, at, face FROM questions WHERE answered=0 ORDER BY id DESC LIMIT 20000")
        groups: dict[str, dict[str, Any]] = {}
        for question, at, face in rows:
            group = groups.setdefault(
                _normal(question) or question, {"question": question, "count": 0, "last": float(at), "faces": []}
            )
            group["count"] += 1
            if face not in group["faces"]:
                group["faces"].append(face)
        ranked = sorted(groups.values(), key=lambda g: (-g["count"], -g["last"]))
        return ranked[:limit]
