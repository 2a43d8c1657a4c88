"""Scanned PDFs: OCR line boxes go through the PDF layout rules; mixed PDFs; the measure of accuracy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _shared import FIXTURES, SEED_PDF
from hypothesis import given
from hypothesis import strategies as st

from bulletin_bot.errors import ParseError
from bulletin_bot.ingest import ocr
from bulletin_bot.ingest.parse import parse_file
from bulletin_bot.ingest.read import _geometry
from bulletin_bot.ingest.text import nospace
from bulletin_bot.model import Bulletin

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="the [ocr] extra is not installed")


def _make_scanned():
    spec = importlib.util.spec_from_file_location("make_scanned", FIXTURES / "make_scanned.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def structure(b: Bulletin) -> list[tuple[str, list[tuple[str, str | None, str | None, bool]]]]:
    return [(s.name, [(a.title, a.subtitle, a.source, a.brief) for a in s.articles]) for s in b.sections]


def body_text(b: Bulletin) -> str:
    parts: list[str] = []
    for _, a in b.articles():
        parts += [a.title if not a.brief else "", a.subtitle or "", *a.paragraphs, a.source or ""]
    return nospace("".join(parts))


def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


@given(st.text(alphabet="党史研究室ab一二", max_size=70), st.text(alphabet="党史研究室ab一二", max_size=70))
def test_bit_parallel_edit_distance_matches_the_textbook_one(a: str, b: str) -> None:
    assert ocr.edit_distance(a, b) == _levenshtein(a, b)


def test_structure_differences_allow_ocr_slips_but_not_lost_articles() -> None:
    ref = parse_file(SEED_PDF)
    assert ocr.structure_differences(ref, ref) == []
    from dataclasses import replace

    first = ref.sections[0]
    slipped = replace(first.articles[7], title=first.articles[7].title.replace("涪", "培"))
    one_off = replace(
        ref, sections=(replace(first, articles=(*first.articles[:7], slipped)), *ref.sections[1:])
    )
    assert ocr.structure_differences(ref, one_off) == []
    lost = replace(ref, sections=(replace(first, articles=first.articles[:7]), *ref.sections[1:]))
    assert ocr.structure_differences(ref, lost) == ["【工作动态】 8 articles != 7"]


def test_char_accuracy_is_one_minus_cer() -> None:
    assert ocr.char_accuracy("市委党史研究室", "市委党史研究室") == 1.0
    assert ocr.char_accuracy("涪陵区委党史研究室", "陵区委党史研究室") == pytest.approx(1 - 1 / 9)
    assert ocr.char_accuracy("", "") == 1.0


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("一2一", "- 2 -"),
        ("·市委党史研究室召开会议", "●市委党史研究室召开会议"),
        ("一一积极推进市直机关活动", "——积极推进市直机关活动"),
        ("永恒的铭记一一璧山红色故事", "永恒的铭记——璧山红色故事"),
        ("对问题一一列举并整改", "对问题一一列举并整改"),  # the adverb stays
        ("会议强调,要增强责任感:一是", "会议强调，要增强责任感：一是"),
        ("共1,200人(次)", "共1,200人（次）"),
    ],
)
def test_ocr_text_gets_chinese_punctuation_back(raw: str, fixed: str) -> None:
    assert ocr.normalise(raw) == fixed


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("培陵区委常委会专题听取", "涪陵区委常委会专题听取"),  # one character misread
        ("12月31日，陵区委书记周少政", "12月31日，涪陵区委书记周少政"),  # the rare first character lost
        ("（陵区委党史研究室供稿）", "（涪陵区委党史研究室供稿）"),
        ("大渡日区委", "大渡口区委"),
        ("丘陵区域发展", "丘陵区域发展"),  # not before 委/政府/党史…
        ("蓁江区委", "蓁江区委"),  # 綦江 or 锦江: ambiguous, left alone
        ("万州区委", "万州区委"),
    ],
)
def test_known_place_names_are_repaired_only_where_unambiguous(raw: str, fixed: str) -> None:
    assert ocr.repair_places(raw) == fixed


def test_ocr_boxes_become_lines_with_the_pdf_layout_rules() -> None:
    """Boxes on one row join (a wide gap keeps a space); indent, centring and full lines as in PDFs."""
    full = "会议组织学习了中国共产党章程传达了有关会议精神研究部署了近期"  # 30 characters, 15 pt each
    boxes = [
        ocr.Box("【工作动态】", 60, 150, 60, 75, 1.0),
        ocr.Box("加强统筹谋划", 180, 270, 100, 115, 1.0),
        ocr.Box("主动提供服务", 290, 380, 101, 116, 1.0),
        ocr.Box("2020年11月30日下午，研究室召开会议。会", 90, 510, 140, 155, 1.0),
    ]
    boxes += [ocr.Box(full, 60, 510, 160 + 20 * i, 175 + 20 * i, 1.0) for i in range(6)]
    boxes.append(ocr.Box("委员参加会议。", 60, 165, 280, 295, 1.0))
    spans = ocr.box_lines(boxes, 3)
    assert [s[0] for s in spans][:3] == ["【工作动态】", "加强统筹谋划 主动提供服务", boxes[3].text]
    assert all(s[1] == 3 for s in spans)
    lines = _geometry(spans)
    title, first, body, last = lines[1], lines[2], lines[3], lines[-1]
    assert title.centered and not title.full
    assert first.indented and first.full and not first.centered
    assert body.full and not body.indented
    assert last.full is False


def test_skew_is_measured_from_the_long_boxes() -> None:
    import math

    tilt = math.radians(1.5)

    def quad(x: float, y: float, w: float, h: float) -> list[list[float]]:
        dx, dy = w * math.cos(tilt), w * math.sin(tilt)
        return [[x, y], [x + dx, y + dy], [x + dx - h * math.sin(tilt), y + dy + h], [x, y + h]]

    quads = [quad(100, 100 + 40 * i, 900, 30) for i in range(5)] + [[[10, 10], [40, 30], [40, 60], [10, 40]]]
    assert ocr.skew_angle(quads) == pytest.approx(tilt, abs=1e-6)
    assert ocr.skew_angle(quads[:2]) == 0.0  # too little evidence: leave the page as it is


def test_scanned_pdf_without_the_ocr_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(ParseError, match=r"no text layer.*pip install 'bulletin-bot\[ocr\]'") as info:
        parse_file(FIXTURES / "scanned.pdf")
    assert "\n" not in str(info.value) and "scanned.pdf" in str(info.value)


def test_mixed_pdf_without_the_ocr_extra_says_which_pages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    mixed = _make_scanned().scan_pdf(
        tmp_path / "mixed.pdf", SEED_PDF, pages=[1, 2, 3], keep_text=[1, 2], dpi=72
    )
    with pytest.raises(ParseError, match=r"1 of its 3 pages are scans.*bulletin-bot\[ocr\]"):
        parse_file(mixed)


@needs_ocr
def test_scan_without_readable_text_is_refused_with_advice() -> None:
    with pytest.raises(ParseError, match="OCR found no readable text"):
        parse_file(FIXTURES / "scanned.pdf")


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled issue with its last two pages scanned at 170 dpi, 1° askew (briefs, sources, distribution)."""
    path = tmp_path_factory.mktemp("scan") / "bulletin-2021-01-mixed.pdf"
    return _make_scanned().scan_pdf(path, SEED_PDF, keep_text=range(1, 12), dpi=170, skew=1.0)


@needs_ocr
@pytest.mark.slow
def test_mixed_pdf_parses_like_the_text_pdf_with_progress_per_scanned_page(mixed_pdf: Path) -> None:
    calls: list[tuple[int, int]] = []
    got = parse_file(mixed_pdf, on_page=lambda done, total: calls.append((done, total)))
    ref = parse_file(SEED_PDF)
    assert calls == [(0, 2), (1, 2), (2, 2)]
    assert ocr.structure_differences(ref, got) == []
    assert [a.paragraphs for _, a in got.articles()][:-3] == [a.paragraphs for _, a in ref.articles()][:-3]
    assert (got.issue.id, got.issue.title, got.issue.number) == (
        ref.issue.id,
        ref.issue.title,
        ref.issue.number,
    )
    assert got.distribution == ref.distribution
    assert ocr.char_accuracy(body_text(ref), body_text(got)) >= 0.98
    # the same file again (an upload is parsed to check it, then to index it): no second OCR
    again: list[tuple[int, int]] = []
    assert structure(parse_file(mixed_pdf, on_page=lambda d, t: again.append((d, t)))) == structure(got)
    assert again == []
