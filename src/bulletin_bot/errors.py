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


def os_error_message(exc: OSError, what: str) -> str:
    """One actionable line for an ``OSError`` met while ``what`` (e.g. 'ingesting')."""
    import errno

    where = exc.filename or "a file"
    code = exc.errno
    if code == errno.ENOSPC or code == errno.EDQUOT:
        return f"disk full while {what} ({where}): free some space and run it again; the index is unchanged"
    if code == errno.EROFS:
        return f"read-only file system while {what} ({where}): point BULLETIN_INDEX_DIR/BULLETIN_CORPUS_DIR at a writable folder"
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied while {what} ({where}): make it writable for this user, or use another folder"
    if code == errno.ENAMETOOLONG:
        return f"file name too long while {what} ({str(where)[:80]}…): rename the file to under 200 bytes"
    if code == errno.ENOENT:
        return f"no such file or folder while {what}: {where}"
    return f"cannot complete {what}: {exc.strerror or exc} ({where})"
