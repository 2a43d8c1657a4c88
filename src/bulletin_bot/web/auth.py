"""Who may use the web face: users with hashed passwords, API tokens, signed session cookies, login limits.

Everything lives in ``index_dir/web.sqlite`` (beside the index, which ignores unknown files), so
``bulletin-bot web-user add`` on the command line and a running server see the same users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BulletinError, NotFound
from ..sqlitedb import open_store

WEB_FILE = "web.sqlite"
ROLES = ("staff", "admin")
TOKEN_PREFIX = "bbt_"
# scrypt with n=2**14, r=8 (16 MiB, ~50 ms): OWASP's minimum; a login is rare, a guess must be dear.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Principal:
    """Someone the server knows: a logged-in user, an API token, an SSO user or the local open mode."""

    name: str
    role: str
    via: str  # session | token | sso | open

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(key) // 2,
            maxmem=2**26,
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), key)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BulletinError(f"unknown role '{role}': use one of {', '.join(ROLES)}")
    return role


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or c in ":/\\" for c in name):
        raise BulletinError(f"'{name}' is not a usable name: 1-64 characters, no spaces, ':' or slashes")
    return name


class WebStore:
    """Users, tokens and the cookie-signing key. Thread-safe (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_store(path, SCHEMA)
        try:
            os.chmod(path, 0o600)  # password hashes and the signing key
        except OSError:
            pass

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # --- users --------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str) -> bool:
        """Add a user or replace their role and password; True when the user is new."""
        name, role = _check_name(name), _check_role(role)
        if len(password) < 8:
            raise BulletinError("the password is too short: use at least 8 characters")
        new = not self._run("SELECT 1 FROM users WHERE name=?", (name,))
        self._run(
            "INSERT INTO users (name, role, password, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET role=excluded.role, password=excluded.password",
            (name, role, hash_password(password), time.time()),
        )
        return new

    def remove_user(self, name: str) -> None:
        if not self._run("DELETE FROM users WHERE name=? RETURNING name", (name,)):
            known = ", ".join(n for n, _ in self.users()) or "none"
            raise NotFound(f"no web user '{name}' (known: {known})")

    def users(self) -> list[tuple[str, str]]:
        return [(str(n), str(r)) for n, r in self._run("SELECT name, role FROM users ORDER BY name")]

    def user_role(self, name: str) -> str | None:
        rows = self._run("SELECT role FROM users WHERE name=?", (name,))
        return str(rows[0][0]) if rows else None

    def authenticate(self, name: str, password: str) -> Principal | None:
        rows = self._run("SELECT role, password FROM users WHERE name=?", (name,))
        if not rows:
            check_password(password, hash_password("timing"))  # same cost whether or not the user exists
            return None
        role, stored = rows[0]
        return Principal(name, str(role), "session") if check_password(password, str(stored)) else None

    # --- tokens -------------------------------------------------------------------------------

    def add_token(self, name: str, role: str) -> str:
        """A new API token (shown once; only its SHA-256 is kept). Replaces an older token of that name."""
        name, role = _check_name(name), _check_role(role)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self._run(
            "INSERT INTO tokens (name, role, digest, created) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET role=excluded.role, digest=excluded.digest, created=excluded.created",
            (name, role, _digest(token), time.time()),
        )
        return token

    def revoke_token(self, name: str) -> None:
        if not self._run("DELETE FROM tokens WHERE name=? RETURNING name", (name,)):
            known = ", ".join(n for n, _ in self.tokens()) or "none"
            raise NotFound(f"no API token named '{name}' (known: {known})")

    def tokens(self) -> list[tuple[str, str]]:
        return [(str(n), str(r)) for n, r in self._run("SELECT name, role FROM tokens ORDER BY name")]

    def token_principal(self, token: str) -> Principal | None:
        rows = self._run("SELECT name, role FROM tokens WHERE digest=?", (_digest(token),))
        return Principal(f"token:{rows[0][0]}", str(rows[0][1]), "token") if rows else None

    def has_accounts(self) -> bool:
        return bool(self._run("SELECT 1 FROM users UNION ALL SELECT 1 FROM tokens LIMIT 1"))

    # --- signing key ----------------------------------------------------------------------------

    def secret(self) -> bytes:
        """The key that signs session cookies and CSRF tokens; made once, kept so restarts keep sessions."""
        with self._lock:
            row = self._db.execute("SELECT value FROM secrets WHERE name='cookie'").fetchone()
            if row is None:
                value = secrets.token_hex(32)
                self._db.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES ('cookie', ?)", (value,))
                row = self._db.execute("SELECT value FROM secrets WHERE name='cookie'").fetchone()
            return bytes.fromhex(row[0])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Stateless signed cookies: ``payload.signature`` with the user, role, expiry and a CSRF nonce.

    The user's current role is checked against the store on every request, so removing a user (or
    changing their role) takes effect at once.
    """

    def __init__(self, secret: bytes, lifetime: float) -> None:
        self._key = secret
        self.lifetime = lifetime

    def _sign(self, data: bytes) -> str:
        return _b64(hmac.new(self._key, data, hashlib.sha256).digest())

    def issue(self, principal: Principal) -> str:
        payload = json.dumps(
            {"u": principal.name, "r": principal.role, "exp": int(time.time() + self.lifetime),
             "n": secrets.token_urlsafe(12)},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{self._sign(payload)}"

    def read(self, cookie: str) -> dict[str, Any] | None:
        try:
            body, signature = cookie.split(".", 1)
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            data = json.loads(payload)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("exp", 0) < time.time():
            return None
        return data

    def csrf(self, bound_to: str) -> str:
        """The CSRF token of one session (its nonce), SSO user or the open mode; sent back in a header."""
        return self._sign(b"csrf:" + bound_to.encode())

    def csrf_ok(self, bound_to: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(bound_to), token or "")


class LoginLimiter:
    """At most ``limit`` failed logins per user name, and four times as many per client address (an
    office behind one NAT shares an address), in any ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failed: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._failed.setdefault(key, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def _cap(self, key: str) -> int:
        return self.limit * 4 if key.startswith("ip:") else self.limit

    def wait(self, keys: list[str], now: float | None = None) -> float:
        """Seconds until all of ``keys`` may try again (0: go ahead)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key in keys:
                seen = self._recent(key, now)
                if len(seen) >= self._cap(key):
                    waits.append(seen[0] + self.window - now)
            if len(self._failed) > 10000:  # a spray of names must not grow memory without end
                for k in [k for k, v in self._failed.items() if not v]:
                    del self._failed[k]
        return max(waits, default=0.0)

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failed.pop(key, None)
