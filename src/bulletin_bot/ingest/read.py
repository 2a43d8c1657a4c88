"""Read PDF, DOCX and TXT files into printed lines with what their layout tells about them.

Choice of PDF library: pypdfium2 (PDFium, Apache/BSD). On Chinese bulletins it keeps reading order,
inserts no spurious spaces between characters, needs no system packages and is ~10x faster than
pypdf and ~50x faster than pdfminer/pdfplumber (which also interleave columns). PyMuPDF would do
as well but is AGPL. We also read character boxes: a line that reaches the right margin continues,
an indented line starts a paragraph, a centred line is a title; text rules alone can only guess that.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParseError
from . import limits
from .text import PAGE_NUMBER, display_width, looks_binary

MAX_FILE_BYTES = 50_000_000
Span = tuple[str, int, float, float, float]  # a printed line: text, page, x0, x1, character width
PageCallback = Callable[[int, int], None]  # OCR progress: (pages done, pages to do)
SUPPORTED = (".txt", ".pdf", ".docx")


@dataclass(frozen=True)
class Line:
    """One printed line (or one DOCX paragraph) of an issue."""

    text: str
    page: int | None
    full: bool | None = None  # reaches the right margin: the paragraph goes on
    indented: bool | None = None  # first-line indent: a paragraph starts here
    centered: bool | None = None  # centred between the margins: a title
    hard: bool = False  # a complete paragraph (DOCX): never joined with the next
    width: int | None = None  # display width (TXT): parse.py measures each article's own full line


def read_lines(path: Path, data: bytes | None = None, on_page: PageCallback | None = None) -> list[Line]:
    """Lines of the file at ``path`` (``data`` overrides its bytes), page numbers and blanks removed.

    ``on_page`` hears about OCR of scanned PDF pages, the one slow step: (pages done, pages to do).
    """
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise ParseError(name, f"unsupported file type '{suffix or 'none'}'", "send a .pdf, .docx or .txt issue")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ParseError(name, f"cannot read file ({exc.strerror})") from None
    if not data.strip():
        raise ParseError(name, "file is empty", "export the issue again and resend it")
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(name, f"file is too large ({len(data) // 1_000_000} MB)", "issues are at most 50 MB")
    if suffix == ".pdf":
        lines = _pdf_lines(name, data, on_page)
    elif suffix == ".docx":
        lines = _docx_lines(name, data)
    else:
        lines = _txt_lines(name, data)
    lines = [ln for ln in lines if ln.text.strip() and not PAGE_NUMBER.match(ln.text)]
    limits.check_chars(name, sum(len(ln.text) for ln in lines))
    if not lines:
        raise ParseError(name, "no text found", "the file holds no readable text")
    return lines


# --- TXT -------------------------------------------------------------------------------------


def decode_text(name: str, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 or GB18030, the encodings Chinese offices use."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise ParseError(name, "this is a binary file, not text", "send the issue as PDF, DOCX or UTF-8/GB18030 text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if looks_binary(text):
            break
        return text
    raise ParseError(name, "not readable as text (neither UTF-8 nor GB18030)", "save the file as UTF-8 text")


def _txt_lines(name: str, data: bytes) -> list[Line]:
    text = decode_text(name, data).replace("\r\n", "\n").replace("\r", "\n")
    limits.check_chars(name, len(text) - text.count(" ") - text.count("\n"))
    # pdftotext-style exports mark a new page with a form feed; the seed's exporter instead starts
    # each page with a single space. Two or more spaces (or 　) are a paragraph indent.
    use_formfeed = "\f" in text
    page = 1
    raw: list[tuple[str, int, bool]] = []
    first = True
    paged = False  # the last printed line was a page footer
    for line in text.split("\n"):
        if use_formfeed and "\f" in line:
            page += line.count("\f")
            line = line.replace("\f", "")
        if not line.strip():
            continue
        lead = len(line) - len(line.lstrip(" "))
        indented = line.startswith(("  ", "\u3000", "\t"))
        if not use_formfeed and lead == 1 and not first and not paged:
            page += 1
        first = False
        if PAGE_NUMBER.match(line):
            # A footer (「— 2 —」) closes its page; the next line's one-space page start is the same break.
            if not use_formfeed:
                number = re.search(r"\d+", line)
                page = max(page, int(number.group()) if number else page) + 1
                paged = True
            continue
        paged = False
        raw.append((line.strip(), page, indented))
    if not raw:
        return []
    widths = [display_width(t) for t, _, _ in raw]
    long_lines = [w for w in widths if w >= 24]
    # The print width is what most body lines fill. Justified Chinese text compresses punctuation and
    # digits, so a line a few cells short of that width still reaches the margin.
    full_width = statistics.mode(long_lines) - 5 if len(long_lines) >= 5 else 10**6
    any_indent = any(ind for _, _, ind in raw)
    return [
        Line(t, p, full=w >= full_width, indented=ind if any_indent else None, width=w)
        for (t, p, ind), w in zip(raw, widths, strict=True)
    ]


# --- PDF -------------------------------------------------------------------------------------


def _pdf_lines(name: str, data: bytes, on_page: PageCallback | None = None) -> list[Line]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise ParseError(name, "the PDF is encrypted", "remove the password and resend it") from None
        raise ParseError(name, "not a valid PDF (corrupt or truncated)", "export the PDF again") from None
    try:
        limits.check_pages(name, len(pdf))
        pages: dict[int, list[Span]] = {}
        scanned: list[int] = []  # pages without a text layer that show an image: OCR them
        for page_no in range(len(pdf)):
            page = pdf[page_no]
            textpage = page.get_textpage()
            spans = list(_page_spans(textpage, page_no + 1))
            textpage.close()
            if sum(len(s[0]) for s in spans) < 10 and _has_image(page):
                scanned.append(page_no)
            else:
                pages[page_no] = spans
            page.close()
        ocr_pages: set[int] = set()
        if scanned:
            pages.update(_ocr(name, pdf, scanned, on_page, hashlib.sha1(data).hexdigest()))
            ocr_pages = set(scanned)
    except pdfium.PdfiumError:
        raise ParseError(name, "the PDF could not be read (damaged)", "export the PDF again") from None
    finally:
        pdf.close()
    if sum(len(s[0].strip()) for spans in pages.values() for s in spans) < 20:
        if scanned:
            raise ParseError(name, "OCR found no readable text on the scanned pages", "send a clearer scan (150 dpi or more)")
        raise ParseError(name, "the PDF has no text", "export it from the original document")
    # Scanned and text pages are measured separately: a scan's margins are not the typesetter's.
    by_page: dict[int, list[Line]] = {}
    for group in ([i for i in sorted(pages) if i not in ocr_pages], sorted(ocr_pages)):
        spans = [s for i in group for s in pages[i]]
        if spans:
            measured = iter(_geometry(spans))
            by_page.update({i: [next(measured) for _ in pages[i]] for i in group})
    return [ln for i in sorted(by_page) for ln in by_page[i]]


def _has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))


def _ocr(name: str, pdf, scanned: list[int], on_page: PageCallback | None, key: str) -> dict[int, list[Span]]:
    from . import ocr

    if not ocr.available():
        which = "the PDF has no text layer (a scan)" if len(scanned) == len(pdf) else (
            f"{len(scanned)} of its {len(pdf)} pages are scans (no text layer)"
        )
        raise ParseError(name, f"{which} and OCR is not installed", f"{ocr.EXTRA}, or export it from the original")
    return ocr.ocr_spans(pdf, scanned, on_page, key)


def _page_spans(textpage, page_no: int) -> Iterable[Span]:
    text = textpage.get_text_range()
    index = 0
    for piece in text.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            first = index + lead
            last = index + len(body.rstrip()) - 1
            x0 = textpage.get_charbox(first)[0]
            # The glyph cell, not the ink: a full-width ，or 。 inks only the left of its cell, and a line
            # ending in one still reaches the margin (Serif fonts ink further left than Sans).
            x1 = textpage.get_charbox(last, loose=True)[2]
            box = textpage.get_charbox(first)
            yield stripped, page_no, x0, x1, max(box[2] - box[0], box[3] - box[1])
        index += len(piece)


def _geometry(spans: list[Span]) -> list[Line]:
    """Turn line boxes into layout facts, measured against the document's own margins."""
    x0s = sorted(s[2] for s in spans)
    x1s = sorted(s[3] for s in spans)
    left = x0s[len(x0s) // 10]
    right = x1s[int(len(x1s) * 0.9)]
    char = statistics.median(s[4] for s in spans) or 10.0
    lines = []
    for text, page, x0, x1, _ in spans:
        full = x1 >= right - 0.8 * char
        indented = left + 1.2 * char <= x0 <= left + 2.8 * char
        centered = x0 > left + 2.5 * char and abs((x0 + x1) / 2 - (left + right) / 2) < 2 * char and not full
        lines.append(Line(text, page, full=full, indented=indented, centered=centered))
    return lines


# --- DOCX ------------------------------------------------------------------------------------


def _docx_lines(name: str, data: bytes) -> list[Line]:
    import io

    import docx

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ParseError(name, "not a valid DOCX file (corrupt, or an old .doc renamed)", "save it as .docx again")
    limits.check_docx(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds on damaged packages
        raise ParseError(name, "the DOCX could not be read (damaged)", "save it as .docx again") from None
    lines = []
    for para in document.paragraphs:
        for part in para.text.splitlines():  # soft line breaks inside a paragraph
            if part.strip():
                lines.append(Line(part.strip(), None, hard=True))
    for table in document.tables:  # bulletins rarely use tables; keep their text rather than drop it
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip():
                    lines.append(Line(cell.text.strip(), None, hard=True))
    return lines
