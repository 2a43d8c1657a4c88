"""OCR for scanned PDF pages, offline: rapidocr-onnxruntime's PP-OCR models ship inside its wheel.

A page is rendered with PDFium, text lines are detected on a reduced copy (detection cost grows with
pixels, and ~85 dpi still separates the lines of a bulletin) and recognised on crops of the full
image. The result is line boxes in PDF points, the same shape as the text-layer path produces, so
``read._geometry`` decides indent, centring and continuation for both.

The OCR packages (onnxruntime, OpenCV, ~300 MB installed) are the ``[ocr]`` extra.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import statistics
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .text import display_width

EXTRA = "pip install 'bulletin-bot[ocr]'"
RENDER_DPI = 170  # recognition crops: ~30 px high for 10.5–16 pt body text
DETECT_DPI = 85  # line detection on a reduced copy

# Span as read.py uses it: text, page, x0, x1, character width (points).
Span = tuple[str, int, float, float, float]
PageCallback = Callable[[int, int], None]  # (pages done, pages to do)

_lock = threading.Lock()
_engine: Any = None
_recent: OrderedDict[str, dict[int, list[Span]]] = OrderedDict()


def available() -> bool:
    """True when the ``[ocr]`` extra is installed (checked without loading the models)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "cv2"))


def _get_engine() -> Any:
    global _engine
    with _lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR()
        return _engine


@dataclass(frozen=True)
class Box:
    """One recognised text box, in PDF points (y grows downwards)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    score: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


def recognise(gray: Any) -> list[tuple[list[list[float]], str, float]]:
    """(quad, text, score) for each text box of a greyscale page image (numpy uint8, H×W)."""
    import cv2

    engine = _get_engine()
    image = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    factor = DETECT_DPI / RENDER_DPI
    # Detection on the reduced copy, recognition on crops of the full one: rapidocr's own pipeline
    # detects at full size, which costs as much as recognising the whole page again.
    if all(hasattr(engine, a) for a in ("text_det", "text_rec", "sorted_boxes", "get_crop_img_list")):
        with _lock:  # onnxruntime sessions are thread-safe, but two pages at once only thrash 2 cores
            small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
            boxes, _ = engine.text_det(small)
            if boxes is None or len(boxes) == 0:
                return []
            boxes = [b / factor for b in engine.sorted_boxes(boxes)]
            crops = engine.get_crop_img_list(image, boxes)
            texts, _ = engine.text_rec(crops)
        return [(b.tolist(), t, float(s)) for b, (t, s) in zip(boxes, texts, strict=True) if t.strip()]
    with _lock:
        result, _ = engine(image, use_cls=False)
    return [(quad, text, float(score)) for quad, text, score in (result or []) if text.strip()]


def page_boxes(page: Any, min_score: float = 0.5) -> list[Box]:
    """Recognised boxes of one PDF page (a ``pypdfium2.PdfPage``), in page points, deskewed."""
    scale = RENDER_DPI / 72
    gray = page.render(scale=scale, grayscale=True).to_numpy()
    if gray.ndim == 3:  # some PDFium builds return H×W×1 or BGR(x) for grey renders
        gray = gray[:, :, 0]
    found = [(quad, text, score) for quad, text, score in recognise(gray) if score >= min_score]
    # A sheet laid askew tilts every line the same way; turn the boxes back so that margins, indents
    # and centring are measured as printed (1° over a 15 cm line is 2.6 mm, a fifth of a character).
    angle = skew_angle([q for q, _, _ in found])
    cx, cy = gray.shape[1] / 2, gray.shape[0] / 2
    cos, sin = math.cos(-angle), math.sin(-angle)
    boxes = []
    for quad, text, score in found:
        pts = [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in quad]
        xs = [x / scale for x, _ in pts]
        ys = [y / scale for _, y in pts]
        boxes.append(Box(normalise(text), min(xs), max(xs), min(ys), max(ys), score))
    return boxes


def skew_angle(quads: list[list[list[float]]]) -> float:
    """The page's tilt in radians: the median slope of the top edges of long text boxes."""
    slopes = []
    for quad in quads:
        (x0, y0), (x1, y1) = quad[0][:2], quad[1][:2]
        height = math.dist(quad[0][:2], quad[3][:2])
        if x1 - x0 > 10 * max(height, 1.0):
            slopes.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(slopes) if len(slopes) >= 3 else 0.0


def box_lines(boxes: list[Box], page_no: int) -> list[Span]:
    """Group boxes into printed lines (top to bottom, left to right) as read.py's spans.

    OCR splits a printed line where a wide gap sits (a deliberate space between two title phrases,
    a right-aligned source); boxes whose vertical middles are within half a line height are one line.
    """
    if not boxes:
        return []
    height = statistics.median(b.height for b in boxes)
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.middle):
        if rows and abs(box.middle - statistics.fmean(b.middle for b in rows[-1])) < 0.5 * height:
            rows[-1].append(box)
        else:
            rows.append([box])
    spans: list[Span] = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        char = _char_width(row) or height
        text = row[0].text
        for prev, box in itertools.pairwise(row):
            text += (" " if box.x0 - prev.x1 > 0.8 * char else "") + box.text
        spans.append((repair_places(text.strip()), page_no, row[0].x0, row[-1].x1, char))
    return spans


def _char_width(row: list[Box]) -> float | None:
    cells = sum(display_width(b.text) for b in row)
    ink = sum(b.x1 - b.x0 for b in row)
    return ink / (cells / 2) if cells >= 8 else None


def ocr_spans(
    pdf: Any, pages: list[int], on_page: PageCallback | None = None, key: str | None = None
) -> dict[int, list[Span]]:
    """OCR the given 0-based pages of an open ``pypdfium2.PdfDocument``; spans keyed by page index.

    ``key`` (the file's hash) keeps the result for the next call: an upload is parsed once to check
    it and again to index it, and OCR is the only step slow enough to matter.
    """
    if key is not None and key in _recent:
        _recent.move_to_end(key)
        return {i: _recent[key][i] for i in pages}
    out: dict[int, list[Span]] = {}
    if on_page:
        on_page(0, len(pages))
    for done, index in enumerate(pages, start=1):
        page = pdf[index]
        try:
            out[index] = box_lines(page_boxes(page), index + 1)
        finally:
            page.close()
        if on_page:
            on_page(done, len(pages))
    if key is not None:
        with _lock:
            _recent[key] = out
            while len(_recent) > 4:
                _recent.popitem(last=False)
    return out


# --- what PP-OCR gets wrong in Chinese print -------------------------------------------------

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_HALF_NEAR_CJK = re.compile(rf"(?<=[{_CJK}“”《》（）])\s*([,;:!?()])|([,;:!?()])\s*(?=[{_CJK}“”《》（）])")
_PAGE_DASH = re.compile(r"^[一—\-－~]\s*(\d{1,3})\s*[一—\-－~]$")
_BULLET = re.compile(r"^[·•∙●○◆]\s*(?=\S)")
# —— (a subtitle, an aside) reads as 一一; the adverb 一一 (one by one) comes before these verbs.
_ONE_BY_ONE = "对列解核落介道回答检查登作排比记说讲点"
_DASH = re.compile(rf"^一一(?=\S)|(?<=[^\d一逐])一一(?=[^一{_ONE_BY_ONE}])")


def normalise(text: str) -> str:
    """Fix what OCR does to Chinese print: half-width punctuation, 一一 for ——, · for ●, page numbers."""
    text = text.strip()
    m = _PAGE_DASH.match(text)
    if m:
        return f"- {m.group(1)} -"
    text = _BULLET.sub("●", text)
    text = _DASH.sub("——", text)
    return _HALF_NEAR_CJK.sub(lambda m: _FULL[m.group(1) or m.group(2)], text)


# --- place names PP-OCR misreads -------------------------------------------------------------

_UNIT_AFTER = r"[区县市](?=委|人大|政府|政协|党史|史志|档案|宣传部|组织部|融媒体|地方志)"


@functools.lru_cache(maxsize=1)
def _places() -> tuple[str, ...]:
    from importlib.resources import files

    text = files("bulletin_bot").joinpath("data/places.txt").read_text("utf-8")
    return tuple(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def repair_places(text: str) -> str:
    """Fix a known place name that OCR misread by one character or lost its first character of.

    Rare characters (涪, 綦, 璧) are where PP-OCR slips on JPEG scans, and a lost 涪 turns 涪陵区委 into
    陵区委, which no question about 涪陵 finds. Only names from data/places.txt, only right before
    委/政府/党史/… (so 丘陵区域 stays), and only where the reading is unambiguous.
    """
    names = _places()
    known = set(names)

    def near(word: str) -> str | None:
        hits = [
            n for n in names if len(n) == len(word) and sum(a != b for a, b in zip(n, word, strict=True)) == 1
        ]
        return hits[0] if len(hits) == 1 else None

    def substitute(m: re.Match[str]) -> str:
        word = m.group(1)
        fixed = None if word in known else near(word)
        return (fixed or word) + m.group(2)

    for size in sorted({len(n) for n in names}):
        text = re.sub(rf"([{_CJK}]{{{size}}})({_UNIT_AFTER})", substitute, text)

    def restore(m: re.Match[str]) -> str:
        tail = m.group(2)
        owners = [n for n in names if len(n) == 2 and n[1] == tail]
        return m.group(1) + (owners[0] if len(owners) == 1 else tail)

    return re.sub(rf"(^|[^{_CJK}])([{_CJK}])(?={_UNIT_AFTER})", restore, text)


# --- measuring OCR ---------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, bit-parallel (Myers 1999 / Hyyrö): fast enough for whole issues."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    m = len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def char_accuracy(reference: str, got: str) -> float:
    """1 − character error rate: edits needed to turn ``got`` into ``reference``, per reference char."""
    if not reference:
        return 1.0 if not got else 0.0
    return max(0.0, 1 - edit_distance(reference, got) / len(reference))


def structure_differences(reference: Any, got: Any, max_slips: float = 0.1) -> list[str]:
    """How two parses of one issue (``Bulletin``) differ in sections and articles; [] when they match.

    Section names, article counts, brief flags and subtitles must agree; titles and sources may
    differ by OCR character slips (one per ten characters, at least one; they count in
    :func:`char_accuracy`) and by the spaces a scan cannot show between two Chinese phrases.
    """
    from .text import nospace

    diffs: list[str] = []
    ref_names = [s.name for s in reference.sections]
    got_names = [s.name for s in got.sections]
    if ref_names != got_names:
        return [f"sections {ref_names} != {got_names}"]
    for ref_s, got_s in zip(reference.sections, got.sections, strict=True):
        if len(ref_s.articles) != len(got_s.articles):
            diffs.append(f"【{ref_s.name}】 {len(ref_s.articles)} articles != {len(got_s.articles)}")
            continue
        for a, b in zip(ref_s.articles, got_s.articles, strict=True):
            close = [
                edit_distance(nospace(x or ""), nospace(y or "")) <= max(1, round(max_slips * len(x or "")))
                for x, y in ((a.title, b.title), (a.source, b.source), (a.subtitle, b.subtitle))
            ]
            if not all(close) or a.brief != b.brief or (a.subtitle is None) != (b.subtitle is None):
                diffs.append(f"【{ref_s.name}】 {a.title!r} ({a.source}) != {b.title!r} ({b.source})")
    return diffs
