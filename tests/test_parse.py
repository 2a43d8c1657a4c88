"""Parsing issues in every supported format and layout, and refusing what is not an issue."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _shared import CHENGDU, FIXTURES, NEW_PDF, SEED, SEED_PDF, WANZHOU, cli_in_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin_bot.errors import ParseError
from bulletin_bot.ingest.parse import parse_file, parse_lines
from bulletin_bot.ingest.read import Line, read_lines
from bulletin_bot.ingest.text import nospace, squeeze
from bulletin_bot.model import Bulletin

SEED_TITLES = [
    "市委党史研究室召开2020年第4次机关党委（扩大）会议",
    "市直机关“读党史、守初心、担使命”活动读书分享决赛举行",
    "市委党史研究室认真谋划明年和“十四五”时期重点工作",
    "市委党史研究室主任徐塞声赴璧山调研指导党史工作",
    "市委党史研究室组织召开“红岩精神研究”专家座谈会",
    "重庆市委党史研究室荣获2019年度全国党史和文献系统网络宣传工作信息报送先进单位",
    "万州区委常委会专题听取全区党史工作情况汇报",
    "涪陵区委常委会专题听取全区党史工作情况汇报",
]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return cli_in_process(*args, stdin=stdin)


@pytest.fixture(scope="module")
def seed() -> Bulletin:
    return parse_file(SEED)


@pytest.fixture(scope="module")
def seed_pdf() -> Bulletin:
    return parse_file(SEED_PDF)


def structure(b: Bulletin) -> list[tuple[str, list[tuple[str, str | None, str | None, bool]]]]:
    return [(s.name, [(a.title, a.subtitle, a.source, a.brief) for a in s.articles]) for s in b.sections]


def test_seed_has_its_sections_articles_and_sources(seed: Bulletin) -> None:
    assert [(s.name, len(s.articles)) for s in seed.sections] == [("工作动态", 8), ("经验交流", 1), ("信息短波", 7)]
    assert [a.title for a in seed.sections[0].articles] == SEED_TITLES
    assert all(a.source for _, a in seed.articles())
    wanzhou = seed.sections[0].articles[6]
    assert wanzhou.source == "万州区党史和地方志研究室"
    assert wanzhou.paragraphs[0].startswith("2020年11月30日，市委常委、万州区委书记莫恭明")


def test_seed_masthead_gives_date_publisher_and_stable_id(seed: Bulletin) -> None:
    assert seed.issue.date == "2021-01-08"
    assert seed.issue.publisher == "中共重庆市委党史研究室"
    assert seed.issue.title is None and seed.issue.number is None  # the text export lost them
    assert seed.distribution == ("报：中央党史和文献研究院", "送：市级有关部门领导，各省级、副省级城市党史部门")
    copy = parse_file(Path("elsewhere/renamed.txt"), SEED.read_bytes())
    assert copy.issue.id == seed.issue.id


def test_experience_article_has_subtitle_and_briefs_have_short_titles(seed: Bulletin) -> None:
    exp = seed.sections[1].articles[0]
    assert exp.title == "加强统筹谋划 主动提供服务"  # the space between two phrases is deliberate
    assert exp.subtitle == "——积极推进市直机关“读党史、守初心、担使命”活动深入开展"
    briefs = seed.sections[2].articles
    assert all(b.brief for b in briefs)
    assert all(0 < len(b.title) <= 30 for b in briefs)
    assert briefs[2].title.startswith("大渡口区委书记王俊")
    assert all(len(b.paragraphs) == 1 for b in briefs)


def test_pdf_gives_the_same_structure_plus_title_and_number(seed: Bulletin, seed_pdf: Bulletin) -> None:
    assert structure(seed_pdf) == structure(seed)
    assert seed_pdf.issue.title == "党史工作动态"
    assert seed_pdf.issue.number == "2021年第1期"
    assert seed_pdf.issue.id == seed.issue.id  # same issue, whatever the file
    assert seed_pdf.sections[0].articles[6].page == 8


def test_cjk_digit_spacing_is_removed_but_latin_spacing_kept() -> None:
    assert squeeze("2020 年 11 月 30 日下午") == "2020年11月30日下午"
    assert squeeze("约 1 万余人次") == "约1万余人次"
    assert squeeze("the Party History Office 年报") == "the Party History Office年报"
    assert squeeze("加强统筹谋划 主动提供服务") == "加强统筹谋划 主动提供服务"


def body_stream(b: Bulletin) -> str:
    parts = []
    for _, a in b.articles():
        if not a.brief:
            parts.append(a.title)
        if a.subtitle:
            parts.append(a.subtitle)
        parts.extend(a.paragraphs)
        if a.source:
            parts.append(a.source)
    return nospace("".join(parts))


def source_stream(path: Path, b: Bulletin) -> str:
    """The file's text from the first article on, without page numbers, headings, brackets of sources."""
    lines = [ln.text for ln in read_lines(path)]
    text = nospace("".join(squeeze(t) for t in lines))
    first = nospace(b.sections[0].articles[0].title)
    text = text[text.index(first, max(0, text.rfind("●"))) :]  # the body starts after the contents
    text = re.sub(r"【[^】]{1,16}】", "", text)
    text = re.sub(
        r"[（(](?:供稿[：:])?([^（）()]{2,40}?)(?:供稿)?[）)]",
        lambda m: m.group(1) if "供稿" in m.group(0) else m.group(0),
        text,
    )
    for line in b.distribution:
        text = text.replace(nospace(line), "")
    return text


@pytest.mark.parametrize("path", [SEED, SEED_PDF, NEW_PDF, CHENGDU], ids=lambda p: p.name)
def test_no_body_character_is_lost_or_duplicated(path: Path) -> None:
    b = parse_file(path)
    assert body_stream(b) == source_stream(path, b)


@pytest.mark.parametrize("path", [NEW_PDF, CHENGDU, WANZHOU], ids=lambda p: p.name)
def test_other_layouts_parse_as_expected(path: Path) -> None:
    expected = json.loads((FIXTURES / f"{path.stem}.expected.json").read_text("utf-8"))
    b = parse_file(path)
    for key, value in expected["issue"].items():
        assert getattr(b.issue, key) == value, key
    assert [s.name for s in b.sections] == [s["name"] for s in expected["sections"]]
    for section, want in zip(b.sections, expected["sections"], strict=True):
        assert len(section.articles) == len(want["articles"]), section.name
        for got, exp in zip(section.articles, want["articles"], strict=True):
            if exp["title"] is not None:
                assert got.title == exp["title"]
            assert got.subtitle == exp["subtitle"]
            assert got.source == exp["source"]
            assert got.brief == exp["brief"]
            assert got.paragraphs[0].startswith(exp["first_paragraph_startswith"])
    assert list(b.distribution) == expected.get("distribution", [])


def test_gb18030_text_is_detected_and_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(SEED.read_text("utf-8").encode("gb18030"))
    assert structure(parse_file(path)) == structure(parse_file(SEED))


BAD_INPUTS = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n  ",
    "junk.txt": bytes(range(256)) * 20,
    "junk.pdf": b"%PDF-1.4\n garbage that is not a pdf",
    "junk.docx": b"PK\x03\x04 not really a zip",
    "notes.txt": "今天天气很好，我们去公园散步。\n晚上回家吃饭。\n".encode(),
    "issue.doc": b"\xd0\xcf\x11\xe0 old word file",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_parse_error_naming_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert name in str(info.value)
    assert "\n" not in str(info.value)


def test_huge_file_is_rejected_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bulletin_bot.ingest import read

    monkeypatch.setattr(read, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_bytes(SEED.read_bytes())
    with pytest.raises(ParseError, match="too large"):
        parse_file(path)


def test_scanned_pdf_without_text_is_ocred_and_refused_with_advice() -> None:
    """scanned.pdf is bars and boxes, no words: OCR (or, without the [ocr] extra, its absence) says so."""
    from bulletin_bot.ingest import ocr

    expected = "OCR found no readable text" if ocr.available() else r"no text layer.*bulletin-bot\[ocr\]"
    with pytest.raises(ParseError, match=expected):
        parse_file(FIXTURES / "scanned.pdf")


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Encrypted bulletin")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    with pytest.raises(ParseError, match="encrypted"):
        parse_file(path)


def test_cli_parse_prints_a_tree_and_json() -> None:
    tree = cli("parse", str(SEED))
    assert tree.returncode == 0
    assert "【工作动态】 8 篇" in tree.stdout and "万州区委常委会专题听取全区党史工作情况汇报" in tree.stdout
    data = json.loads(cli("parse", "--json", str(SEED_PDF)).stdout)
    assert set(data["issue"]) >= {"id", "title", "number", "publisher", "date", "source_file"}
    article = data["sections"][0]["articles"][6]
    assert set(article) >= {"title", "subtitle", "source", "brief", "page", "paragraphs"}
    assert article["source"] == "万州区党史和地方志研究室"


@pytest.mark.parametrize("name", ["empty.txt", "junk.pdf", "issue.doc"])
def test_cli_parse_bad_file_is_one_line_and_exit_1(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    result = cli("parse", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and name in result.stderr
    assert "Traceback" not in result.stderr


TEXT = st.text(
    alphabet=st.sampled_from(list("【】●（）()供稿报送：:，。 \n\f—-0123456789年月日第期编区委党史研究室会议召开万州ab ")),
    max_size=400,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_parser_only_ever_raises_its_own_error(text: str) -> None:
    lines = [Line(t, 1, full=len(t) > 20) for t in text.split("\n")]
    try:
        b = parse_lines(lines, "fuzz.txt")
    except ParseError:
        return
    assert b.articles() and all(a.paragraphs for _, a in b.articles())


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_reader_only_ever_raises_its_own_error_on_bytes(data: bytes) -> None:
    for suffix in (".txt", ".pdf", ".docx"):
        try:
            parse_file(Path(f"fuzz{suffix}"), data)
        except ParseError:
            pass


# --- layouts of issue #10 (tests/fixtures/make_layouts.py) ----------------------------------

LAYOUT2_PDF = FIXTURES / "bulletin-2021-01-layout2.pdf"


def full_structure(b: Bulletin) -> dict:
    """Everything a citation and a chunk depend on, in the .expected.json format of make_layouts.py."""
    return {
        "sections": [
            {
                "name": s.name,
                "articles": [
                    {
                        "title": a.title,
                        "subtitle": a.subtitle,
                        "source": a.source,
                        "brief": a.brief,
                        "paragraphs": list(a.paragraphs),
                    }
                    for a in s.articles
                ],
            }
            for s in b.sections
        ],
        "distribution": list(b.distribution),
    }


@pytest.mark.parametrize("name", ["jiangbei-2024-03.txt", "nanan-2024-06.txt"])
def test_layout_fixture_parses_to_exactly_its_expected_structure(name: str) -> None:
    """jiangbei: date lines split off the first sentence, 期号+总期号, five attribution forms;
    nanan: paragraph ends width alone misses, kept indents, a narrower brief column, derived titles."""
    expected = json.loads((FIXTURES / name.replace(".txt", ".expected.json")).read_text("utf-8"))
    b = parse_file(FIXTURES / name)
    assert {k: getattr(b.issue, k) for k in expected["issue"]} == expected["issue"]
    got = full_structure(b)
    assert [s["name"] for s in got["sections"]] == [s["name"] for s in expected["sections"]]
    for got_s, exp_s in zip(got["sections"], expected["sections"], strict=True):
        assert got_s == exp_s, got_s["name"]
    assert got["distribution"] == expected["distribution"]


def test_second_pdf_layout_of_the_seed_parses_exactly_like_the_first(seed_pdf: Bulletin) -> None:
    """Noto Serif, narrow margins, a left-set ―― subtitle wrapped with a hanging indent."""
    b = parse_file(LAYOUT2_PDF)
    assert full_structure(b) == full_structure(seed_pdf)
    assert b.sections[1].articles[0].subtitle == "——积极推进市直机关“读党史、守初心、担使命”活动深入开展"
    assert (b.issue.id, b.issue.title, b.issue.number) == (seed_pdf.issue.id, "党史工作动态", "2021年第1期")


def test_seed_text_export_has_the_paragraphs_of_its_pdf(seed: Bulletin, seed_pdf: Bulletin) -> None:
    """The PDF's indents are the truth; the text export lost them (and a nearly full last line)."""
    assert [a.paragraphs for _, a in seed.articles()] == [a.paragraphs for _, a in seed_pdf.articles()]


def lines_of(*texts: str, full: bool | None = None) -> list[Line]:
    return [Line(t, 1, full=full) for t in texts]


def test_a_date_line_split_off_its_sentence_is_body_not_title() -> None:
    lines = lines_of("【要闻】", "北碚区举办抗战史料展", "5月9日", "，北碚区在区图书馆举办抗战史料展。", "（区档案馆供稿）")
    article = parse_lines(lines, "x.txt").sections[0].articles[0]
    assert article.title == "北碚区举办抗战史料展"
    assert article.paragraphs == ("5月9日，北碚区在区图书馆举办抗战史料展。",)


@pytest.mark.parametrize(
    ("tail", "source"),
    [
        (["（渝北区委党史研究室供稿）"], "渝北区委党史研究室"),
        (["（供稿：渝北区委党史研究室）"], "渝北区委党史研究室"),
        (["（来源：渝北区融媒体中心）"], "渝北区融媒体中心"),
        (["供稿：渝北区委党史研究室"], "渝北区委党史研究室"),
        (["作者：张明远", "责编：李佳"], "张明远"),
        (["责编：李佳"], "李佳"),
        (["编辑：渝北区委党史研究室 王蕾"], "渝北区委党史研究室 王蕾"),
    ],
)
def test_every_attribution_form_is_the_source_not_body_text(tail: list[str], source: str) -> None:
    lines = lines_of("【工作动态】", "渝北区召开党史工作会议", "6月3日，渝北区召开党史工作会议，部署全年任务。", *tail)
    lines += lines_of("【信息短波】", "6月5日，渝北区委党史研究室完成口述史采集。", "（渝北区委党史研究室供稿）")
    b = parse_lines(lines, "x.txt")
    article = b.sections[0].articles[0]
    assert (article.title, article.source) == ("渝北区召开党史工作会议", source)
    assert article.paragraphs == ("6月3日，渝北区召开党史工作会议，部署全年任务。",)
    assert [s.name for s in b.sections] == ["工作动态", "信息短波"] and len(b.sections[1].articles) == 1


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        ("4月20日，綦江区委党史研究室赴东溪镇开展红色资源调研。", "綦江区委党史研究室赴东溪镇开展红色资源调研"),
        ("在中国共产党迎来103周年华诞之际，铜梁区举办“党旗飘扬”主题展览。", "铜梁区举办“党旗飘扬”主题展览"),
        ("根据市委安排，11月3日上午，合川区委党史研究室召开专题会议。", "合川区委党史研究室召开专题会议"),
        ("近日，经过半年的整理，荣昌区完成《荣昌党史大事记》编写。", "荣昌区完成《荣昌党史大事记》编写"),
        ("日前大足区委党史研究室编印的《大足红色故事》出版发行。", "大足区委党史研究室编印的《大足红色故事》出版发行"),
    ],
)
def test_derived_brief_title_is_the_first_clause_with_a_subject_and_a_verb(paragraph: str, title: str) -> None:
    lines = lines_of("【信息短波】", paragraph, "（区委党史研究室供稿）")
    brief = parse_lines(lines, "x.txt").sections[0].articles[0]
    assert brief.brief and brief.title == title


def test_chengdu_export_has_exactly_the_paragraphs_it_was_made_from() -> None:
    """Lines cut short to keep 「（2012—2022）」 whole end mid-sentence: not a paragraph end."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec and spec.loader
    made = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_fixtures", made)  # its dataclasses look their module up
    spec.loader.exec_module(made)
    written = [[made.unspaced(p) for p in a.paragraphs] for _, arts in made.CHENGDU.sections for a in arts]
    assert [list(a.paragraphs) for _, a in parse_file(CHENGDU).articles()] == written


def test_a_line_cut_short_before_a_number_does_not_end_its_paragraph() -> None:
    widths = [56, 56, 46, 56, 20]
    texts = [
        "6月3日，渝北区委党史研究室组织召开党史资料征集工作会，区",
        "委党史研究室主任、各镇街分管负责同志参加会议，会议通报了",
        "上半年征集工作情况，全区已征集各类史料",
        "1260 余件，其中口述史料 86 份、图片资料 420 余张，超额完成",
        "年度任务。",
    ]
    lines = [Line("【工作动态】", 1)] + [Line(t, 1, full=w >= 51, width=w) for t, w in zip(texts, widths, strict=True)]
    lines.append(Line("（渝北区委党史研究室供稿）", 1, full=False, width=26))
    article = parse_lines(lines, "x.txt").sections[0].articles[0]
    assert len(article.paragraphs) == 1 and "史料1260余件" in article.paragraphs[0]


@pytest.mark.parametrize("byline", ["作者：张明远", "渝北区委党史研究室 张明远"])
def test_a_byline_under_the_title_is_no_paragraph_and_no_article_end(byline: str) -> None:
    lines = lines_of("【工作动态】", "渝北区召开党史工作会议", byline, "6月3日，渝北区召开党史工作会议，部署全年任务。")
    lines += lines_of("会议要求各镇街做好史料征集。", "（渝北区委党史研究室供稿）")
    article = parse_lines(lines, "x.txt").sections[0].articles[0]
    assert article.title == "渝北区召开党史工作会议"
    assert article.paragraphs[0].startswith("6月3日") and article.source == "渝北区委党史研究室"


TUNE_BULLETINS = FIXTURES / "blind" / "tune" / "bulletins"


@pytest.mark.parametrize(
    ("name", "sections"),
    [
        # 「本期要目」 with plain indented titles under each heading, a ──── rule after the masthead.
        ("101_fenglin_xcgzjb_2022_06.txt", {"工作要闻": 3, "基层动态": 4}),
        # 「本期导读」 with the heading and the first title on one line, ----- rules, （来源：…）.
        ("302_shiquan_tyjrgzjb_2024_08.txt", {"重要会议": 2, "服务保障": 3, "典型风采": 2, "镇街动态": 2}),
        # No contents at all, ════ rules around the masthead and the colophon.
        ("301_yunxi_dagzjb_2019_11.txt", {"要闻速递": 4, "基层传真": 5, "工作交流": 1}),
    ],
)
def test_contents_blocks_and_rules_are_layout_not_articles(name: str, sections: dict[str, int]) -> None:
    b = parse_file(TUNE_BULLETINS / name)
    got = {s.name: len(s.articles) for s in b.sections}
    for section, count in sections.items():
        assert got.get(section) == count, got
    titles = [a.title for s in b.sections for a in s.articles]
    assert "正文" not in got, got  # the contents were not read as an untitled first article
    assert not any(re.search(r"[-─═]{3}", t) for t in titles), titles
    assert len(titles) == len(set(titles)), titles  # no contents entry doubled as an article
    # No title swallowed the next title: each is one line of the contents or the body.
    assert all(len(t) <= 40 for t in titles), titles


def test_numbered_sections_page_footers_and_a_block_of_dated_briefs() -> None:
    """shuangliu: no contents, sections headed 「一、工作动态」, 「— N —」 footers (the only page marks),
    a paragraph cut short inside a quote, and a 简讯 block of date-led items with no source lines."""
    b = parse_file(FIXTURES / "shuangliu-2023-10.txt")
    got = [
        (s.name, a.title, a.source, a.page, len(a.paragraphs))
        for s in b.sections for a in s.articles
    ]
    assert got == [
        ("工作动态", "镇统战工作领导小组召开第三季度例会", "镇统战办", 1, 1),
        ("工作动态", "新阶层人士服务站挂牌", "蓝湾社区", 1, 2),
        ("同心风采", "侨眷谢婉清返乡助学", "镇侨联", 2, 1),
        ("简讯", "镇统战办组织民族宗教工作业务培训", None, 2, 1),
        ("简讯", "镇工商联召开执委会议", None, 2, 1),
    ]
    first = b.sections[0].articles[0].paragraphs[0]
    assert "“同心共富·侨助乡村”行动推进情况" in first  # the short line inside the sentence was a wrap
    assert b.sections[2].articles[0].paragraphs[0].startswith("9月20日，") and b.sections[2].articles[0].brief
