"""Errors users see: each message names the file or setting and what to do about it."""

from __future__ import annotations


class BulletinError(Exception):
    """Base for every error that is shown to a user as one line."""


class ParseError(BulletinError):
    """A file cannot be read as a bulletin issue."""

    def __init__(self, path: str, problem: str, fix: str = "") -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}: {problem}" + (f" — {fix}" if fix else ""))


class IndexError_(BulletinError):
    """The index is missing, locked, corrupt or built differently."""


class IndexMismatch(IndexError_):
    """The index was built with another embedder or format."""


class IndexBusy(IndexError_):
    """Another process is writing the index."""


class NotFound(BulletinError):
    """An issue id or similar that does not exist."""


class ConfigError(BulletinError):
    """A setting is missing or malformed."""


class QuestionError(BulletinError):
    """A question that cannot be asked (empty, too long, no words)."""
