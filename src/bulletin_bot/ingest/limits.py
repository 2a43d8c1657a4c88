"""Caps on the work one issue file may cause, checked as early as each fact is known.

A bulletin issue is 4–60 pages and 10–100 thousand characters; the defaults leave room for a
year's compilation and stop a zip bomb, a 10 MB single-line text or a 100,000-page PDF before they
cost minutes or gigabytes. Each cap is a setting (config.py); its error names the cap and the setting.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from ..errors import ParseError


@dataclass(frozen=True)
class Limits:
    max_pages: int = 300
    max_chars: int = 600_000
    max_chunks: int = 4_000
    max_unpacked_bytes: int = 200_000_000  # a DOCX's parts, uncompressed, all together
    max_parts: int = 2_000  # files inside a DOCX
    max_ratio: int = 200  # uncompressed / compressed size of one DOCX part over 1 MB


_current = Limits()


def current() -> Limits:
    return _current


def use(limits: Limits) -> None:
    """Set the caps for this process (the ingest worker does, from the settings)."""
    global _current
    _current = limits


def _over(name: str, what: str, count: int, cap: int, setting: str) -> ParseError:
    return ParseError(
        name,
        f"{what} {count:,}, over the cap of {cap:,} ({setting.lower()})",
        f"split the file, or raise {setting} if this is a real issue",
    )


def check_pages(name: str, pages: int) -> None:
    if pages > _current.max_pages:
        raise _over(name, "the PDF has pages:", pages, _current.max_pages, "BULLETIN_MAX_PAGES")


def check_chars(name: str, chars: int) -> None:
    if chars > _current.max_chars:
        raise _over(name, "the text has characters:", chars, _current.max_chars, "BULLETIN_MAX_CHARS")


def check_chunks(name: str, chunks: int) -> None:
    if chunks > _current.max_chunks:
        raise _over(name, "the issue makes passages:", chunks, _current.max_chunks, "BULLETIN_MAX_CHUNKS")


def check_docx(name: str, data: bytes) -> None:
    """Read the ZIP directory only: sizes and counts of the parts, before anything is inflated.

    zipfile never inflates a part past the size its directory declares, so the declared sizes bound
    what python-docx can read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ParseError(name, "not a valid DOCX file (corrupt, or an old .doc renamed)", "save it as .docx again") from None
    if len(infos) > _current.max_parts:
        raise _over(name, "the DOCX has parts:", len(infos), _current.max_parts, "BULLETIN_MAX_PARTS")
    total = sum(i.file_size for i in infos)
    if total > _current.max_unpacked_bytes:
        raise _over(name, "the DOCX unpacks to bytes:", total, _current.max_unpacked_bytes, "BULLETIN_MAX_UNPACKED_BYTES")
    for info in infos:
        if info.file_size > 1_000_000 and info.file_size > _current.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ParseError(
                name,
                f"the DOCX part {info.filename[:60]} inflates {ratio:,}-fold, over the cap of"
                f" {_current.max_ratio:,} (max_ratio): a zip bomb?",
                "save the document as .docx again, or raise BULLETIN_MAX_RATIO if it is real",
            )
