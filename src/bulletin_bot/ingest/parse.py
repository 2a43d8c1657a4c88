"""Bulletin structure: masthead → table of contents → 【sections】 → articles ending in （…供稿）.

Works on the printed lines from ``read.py`` so the same rules serve PDF, DOCX and extracted text.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ParseError
from ..model import Article, Bulletin, Issue, Section
from .read import Line, PageCallback, read_lines
from .text import CLAUSE_END, SENTENCE_END, join_lines, nospace, squeeze, unclosed

HEADER = re.compile(r"^【\s*([^【】]{1,16}?)\s*】$")
# 「一、履职动态」 on a line of its own: a numbered section heading, when it opens the body or follows an
# article's source line and its ordinal is the next one (an enumerated point inside an article is neither).
NUMBERED_HEADER = re.compile(r"^([一二三四五六七八九十]{1,2})\s*[、.．]\s*([^\s，。；：、“”（）()]{2,10})$")
BULLET = re.compile(r"^[●○◆◇■□•▪►★☆]\s*")
# （万州区党史和地方志研究室供稿） （供稿：成华区委党史研究室） (来源：…)
SOURCE = re.compile(
    r"[（(]\s*(?:(?:供稿单位|供稿|来源|稿源|报送单位|作者单位)\s*[：:]\s*(?P<u1>[^（）()]{2,40}?)"
    r"|(?P<u2>[^（）()：:]{2,40}?)\s*(?:供稿|报送|提供|供))\s*[）)]\s*$"
)
DISTRIBUTION = re.compile(r"^(?:报|送|抄送|抄报|发|分送|印发|报送)\s*[：:]")
COLOPHON = re.compile(r"^(?:责任编辑|编\s*辑|校\s*对|签\s*发|审\s*核|审\s*稿|主\s*编|印数|共印|联系电话)\s*[：:]?")
DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
NUMBER = re.compile(
    r"^(?:\d{4}\s*年\s*)?(?:第\s*[0-9一二三四五六七八九十百零〇]+\s*期|总第\s*\d+\s*期)"
    r"(?:\s*[（(]?\s*总第\s*\d+\s*期\s*[）)]?)?$"
)
MASTHEAD_NOISE = re.compile(r"^(?:[（(]?\s*内部(?:资料|刊物|参考)|注意保存|秘密|机密|密级|[（(]?\s*此件)")
ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十]+[，、])")
# A rule between masthead, contents and body (────, ═══, -----): layout, not text.
RULE = re.compile(r"^[-─━═=＝—_～~·•*＊\s]{3,}$")
# 「本期要目」, 「本期导读」, 「目　录」: a contents block whose entries are plain lines, not bullets.
TOC_MARK = re.compile(r"^(?:本期要目|本期导读|本期目录|本期内容|目\s*录|要\s*目|导\s*读|内容提要)$")
INLINE_HEADER = re.compile(r"^【\s*([^【】]{1,16}?)\s*】\s*(\S.*)$")
TOC_PAGE = re.compile(r"[.·…．\s]*\d{1,3}\s*$")
SUBTITLE = re.compile(r"^[—–－―─\-]{1,2}")
MAX_TITLE_LINES = 4
# 供稿：…  来源：…  作者：…  责编：… on a line of their own (bracketed forms are SOURCE).
ATTRIBUTION = re.compile(
    r"^(?:供稿单位|供稿|来源|稿源|作者|撰稿|文|责编|责任编辑|编辑|通讯员)\s*[：:]\s*(?P<unit>[^（）()：:。]{2,40})$"
)
# A byline under a title: a unit and a name, set apart by a space (通川区委党史研究室 严红锐).
BYLINE = re.compile(r"^[^\s，。；：、“”（）]{2,30}(?:室|委|部|局|院|馆|中心|办|处|科|组|社)\s+[\u4e00-\u9fff]{2,3}$")
# A date on its own line (a bold run the exporter split off its sentence) is never part of a title.
DATELINE = re.compile(
    r"^(?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日|[上中下]旬|初|底|中旬)?(?:上午|下午|晚上|晚|凌晨|春|夏|秋|冬)?$"
)
NO_LINE_START = "，。、；：？！）》」』”’…%·"
# Openings of a new paragraph in Chinese reports: meeting verbs, a speaker and a verb of saying.
TOPIC_START = re.compile(
    r"^(?:首先|其次|此外|另外|会上|会后|据悉|据了解|下一步"
    r"|会议(?:指出|强调|要求|认为|决定|号召|提出|听取|审议|传达|明确)"
    r"|[^，。、；：“”（）]{2,13}?(?:(?:指出|强调|要求|表示|认为)[，：]|作总结讲话))"
)
ORDINAL = "一二三四五六七八九十"
ORDINAL_IS = re.compile(rf"^([{ORDINAL}])是")


@dataclass
class _Segment:
    lines: list[Line]
    source: str | None


def parse_file(
    path: Path, data: bytes | None = None, name: str | None = None, on_page: PageCallback | None = None
) -> Bulletin:
    """Parse one issue file into a ``Bulletin``; every failure is a ``ParseError`` naming the file.

    ``on_page(done, total)`` reports OCR of scanned PDF pages (the slow case).
    """
    label = name or str(path)
    data = data if data is not None else path.read_bytes()
    lines = read_lines(Path(label) if name else path, data, on_page)
    return parse_lines(lines, label)


def parse_lines(lines: list[Line], source_file: str) -> Bulletin:
    lines = [replace(ln, text=ln.text.strip()) for ln in lines if ln.text.strip() and not RULE.match(ln.text.strip())]
    title, number, publisher, date, pos = _masthead(lines)
    toc, pos = _marked_toc(lines, pos)
    if not toc:
        toc, pos = _toc(lines, pos)
    body, distribution = _split_distribution(lines[pos:])
    sections = _sections(body, dict(toc))
    if not any(s.articles for s in sections):
        raise ParseError(
            source_file,
            "no articles found",
            "is this a bulletin issue? articles are expected under 【…】 headings and end with （…供稿）",
        )
    sections = [s for s in sections if s.articles]
    has_headings = any(s.name != "正文" for s in sections)
    if not (has_headings or date or any(a.source for s in sections for a in s.articles)):
        raise ParseError(
            source_file,
            "does not look like a bulletin issue (no masthead date, no 【…】 sections, no （…供稿） notes)",
            "send the issue itself",
        )
    issue = Issue(
        id=_issue_id(title, number, publisher, date, sections),
        title=title,
        number=number,
        publisher=publisher,
        date=date,
        source_file=Path(source_file).name,
    )
    return Bulletin(issue=issue, sections=tuple(sections), distribution=tuple(distribution), toc=tuple(toc))


# --- masthead --------------------------------------------------------------------------------


def _masthead(lines: list[Line]) -> tuple[str | None, str | None, str | None, str | None, int]:
    """Title, 期号, publisher and date from the lines before the first heading or contents entry."""
    title = number = publisher = date = None
    pos = 0
    orgs: list[str] = []
    for i, line in enumerate(lines[:10]):
        text = squeeze(line.text)
        if HEADER.match(text) or BULLET.match(text) or (line.full and len(text) > 30 and date):
            break
        pos = i + 1
        if MASTHEAD_NOISE.match(text):
            continue
        m = DATE.search(text)
        if m and date is None and len(text) <= 40:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                date = f"{y:04d}-{mo:02d}-{d:02d}"
            prefix = text[: m.start()].strip()
            publisher = _publisher(prefix) or (orgs[-1] if orgs else None)
            rest = text[m.end() :].strip()
            if rest and NUMBER.match(rest):
                number = rest
            continue
        if NUMBER.match(nospace(text)):
            number = nospace(text)
            continue
        plain = text.strip("《》〈〉")
        if title is None and len(plain) <= 20 and not any(ch in plain for ch in CLAUSE_END) and date is None:
            if plain.endswith(("编", "编印", "主办")) or _is_org(plain):
                orgs.append(_publisher(plain) or plain)
            else:
                title = plain
            continue
        if _is_org(text):
            orgs.append(_publisher(text) or text)
            continue
        if date is not None:
            pos = i  # the masthead ends with its date line; this line already belongs to the body
            break
    if publisher is None and orgs:
        publisher = orgs[-1]
    if date is None and title is None and number is None and publisher is None:
        pos = 0
    return title, number, publisher, date, pos


def _publisher(text: str) -> str | None:
    text = re.sub(r"(?:编印|主办|编)\s*$", "", text.strip()).strip()
    return text or None


def _is_org(text: str) -> bool:
    return len(text) <= 30 and bool(re.search(r"(?:研究室|委员会|办公室|委|局|院|馆|中心|学会|研究会)(?:编印|主办|编)?$", text))


# --- table of contents ---------------------------------------------------------------------


def _toc(lines: list[Line], pos: int) -> tuple[list[tuple[str, tuple[str, ...]]], int]:
    """Read 【section】 + ●title entries; the contents end at a heading followed by body text."""
    toc: list[tuple[str, list[str]]] = []
    i = pos
    seen_bullet = False
    while i < len(lines):
        text = squeeze(lines[i].text)
        header = HEADER.match(text)
        nxt = squeeze(lines[i + 1].text) if i + 1 < len(lines) else ""
        if header:
            if not (BULLET.match(nxt) or HEADER.match(nxt)):
                break  # a heading followed by text: the body starts here
            toc.append((header.group(1), []))
        elif BULLET.match(text):
            seen_bullet = True
            if not toc:
                toc.append(("", []))
            toc[-1][1].append(TOC_PAGE.sub("", BULLET.sub("", text)))
        elif seen_bullet and toc and toc[-1][1] and (lines[i].full is not False or _continues_toc(lines, i)):
            toc[-1][1][-1] = join_lines(toc[-1][1][-1], TOC_PAGE.sub("", text))
        else:
            break
        i += 1
    if not seen_bullet:
        return [], pos
    return [(name, tuple(squeeze(t) for t in titles)) for name, titles in toc], i


def _marked_toc(lines: list[Line], pos: int) -> tuple[list[tuple[str, tuple[str, ...]]], int]:
    """A contents block under 「本期要目」 whose titles are plain lines (indented, or after the
    heading on its line: 「【重要会议】区双拥工作领导小组召开…」). It ends where the body repeats its
    first heading; without that repeat it is not read as contents."""
    if pos >= len(lines) or not TOC_MARK.match(nospace(lines[pos].text)):
        return [], pos
    toc: list[tuple[str, list[str]]] = []
    for i in range(pos + 1, min(len(lines), pos + 80)):
        text = squeeze(lines[i].text)
        header, inline = HEADER.match(text), INLINE_HEADER.match(text)
        name = header.group(1) if header else inline.group(1) if inline else None
        if name is not None and toc and name == toc[0][0] and any(t for _, t in toc):
            return [(n, tuple(squeeze(t) for t in ts)) for n, ts in toc], i
        if header:
            toc.append((name, []))
        elif inline:
            toc.append((name, [TOC_PAGE.sub("", inline.group(2))]))
        elif toc:
            toc[-1][1].append(TOC_PAGE.sub("", BULLET.sub("", text)))
        else:
            return [], pos
    return [], pos


def _continues_toc(lines: list[Line], i: int) -> bool:
    """A wrapped contents entry: the next line is another entry or heading, so this one is a tail."""
    if i + 1 >= len(lines):
        return False
    nxt = squeeze(lines[i + 1].text)
    return bool(BULLET.match(nxt) or HEADER.match(nxt))


# --- body ------------------------------------------------------------------------------------


def _split_distribution(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """Cut the trailing 报：/送： distribution and colophon lines off the body."""
    cut = len(lines)
    for i in range(len(lines) - 1, max(-1, len(lines) - 12), -1):
        text = squeeze(lines[i].text)
        if DISTRIBUTION.match(text) or COLOPHON.match(text):
            cut = i
        elif SOURCE.search(text) or HEADER.match(text):
            break
    meta: list[str] = []
    for line in lines[cut:]:
        text = squeeze(line.text)
        if meta and not (DISTRIBUTION.match(text) or COLOPHON.match(text)):
            meta[-1] = join_lines(meta[-1], text)  # a wrapped distribution line
        else:
            meta.append(text)
    return lines[:cut], meta


def _sections(lines: list[Line], toc: dict[str, tuple[str, ...]]) -> list[Section]:
    groups: list[tuple[str, list[Line]]] = []
    ordinal = 1  # the numbered heading expected next
    for i, line in enumerate(lines):
        text = squeeze(line.text)
        header = HEADER.match(text)
        numbered = NUMBERED_HEADER.match(text) if not header else None
        if numbered and ORDINAL.find(numbered.group(1)) + 1 == ordinal and _closes_article(lines, i):
            ordinal += 1
            groups.append((numbered.group(2), []))
        elif header:
            groups.append((header.group(1), []))
        else:
            if not groups:
                groups.append(("正文", []))
            groups[-1][1].append(line)
    sections: list[Section] = []
    for name, group in groups:
        toc_titles = [nospace(t) for t in toc.get(name, ())]
        articles = [
            b for seg in _segments(group, toc_titles) if (a := _article(seg, toc_titles)) is not None for b in _briefs(a)
        ]
        if sections and sections[-1].name == name:  # a heading repeated after a page break
            sections[-1] = Section(name, sections[-1].articles + tuple(articles))
        else:
            sections.append(Section(name, tuple(articles)))
    return sections


def _closes_article(lines: list[Line], i: int) -> bool:
    """Line ``i`` opens the body or follows an article's source line."""
    if i == 0:
        return True
    prev = squeeze(lines[i - 1].text)
    return bool(SOURCE.search(prev) or ATTRIBUTION.match(prev) or RULE.match(prev))


def _segments(lines: list[Line], toc_titles: list[str]) -> list[_Segment]:
    """Split a section at source notes (and at contents titles when an article lacks its note)."""
    segments: list[_Segment] = []
    current: list[Line] = []
    for i, line in enumerate(lines):
        text = line.text
        m = SOURCE.search(text)
        bare = ATTRIBUTION.match(squeeze(text)) if not m else None
        if bare and current and not any(squeeze(ln.text)[-1:] in SENTENCE_END for ln in current):
            bare = None  # 作者：… under a title, before any sentence: a byline, for _article
        if bare and not current and segments:
            continue  # a second attribution line (作者：… then 责编：…): the first one names the source
        if m or bare:
            before = text[: m.start()].strip() if m else ""
            if before:
                current.append(replace(line, text=before, full=False))
            unit = (m.group("u1") or m.group("u2")) if m else bare.group("unit") if bare else ""
            segments.append(_Segment(current, squeeze(unit)))
            current = []
            continue
        if current and toc_titles and _starts_toc_title(lines, i, toc_titles) and not current[-1].full:
            segments.append(_Segment(current, None))
            current = []
        current.append(line)
    if current:
        segments.append(_Segment(current, None))
    return segments


def _starts_toc_title(lines: list[Line], i: int, toc_titles: list[str]) -> bool:
    joined = ""
    for nxt in lines[i : i + MAX_TITLE_LINES]:
        joined += nospace(squeeze(nxt.text))
        if joined in toc_titles:
            return True
    return False


def _title_like(line: Line, nxt: Line | None = None) -> bool:
    text = squeeze(line.text)
    if not _title_text(text) or (nxt is not None and nxt.text.lstrip()[:1] in NO_LINE_START):
        return False  # the sentence goes on in the next line: body text
    if line.centered is not None:  # PDF geometry knows
        return line.centered or SUBTITLE.match(text) is not None
    return not line.full


def _title_text(text: str) -> bool:
    """Text that can be (part of) a title: short, no sentence punctuation, not a date line."""
    if not text or text[-1] in CLAUSE_END or len(text) > 40 or ENUMERATOR.match(text):
        return False
    if DATELINE.match(nospace(text)) and re.search(r"\d|[上中下]旬", text):
        return False
    if ATTRIBUTION.match(text) or BYLINE.match(text):
        return False  # a byline under the title
    return not re.search(r"[。，；]", text)  # the contents still confirm odd titles


def _title_block(lines: list[Line], toc_titles: list[str]) -> int:
    """How many leading lines of an article are its title (and —— subtitle)."""
    limit = min(MAX_TITLE_LINES + 2, len(lines) - 1)

    def like(k: int) -> bool:
        return _title_like(lines[k], lines[k + 1] if k + 1 < len(lines) else None)

    joined = ""
    n = 0
    for k in range(1, min(MAX_TITLE_LINES, limit) + 1):
        joined += nospace(squeeze(lines[k - 1].text))
        if joined in toc_titles:
            n = k  # the contents confirm the title even where a line looked like body text
            break
    else:
        while n < limit and like(n):
            n += 1
        return _subtitle_tail(lines, n, limit)
    # A —— subtitle (possibly wrapped) follows a title the contents confirmed.
    if n < limit and SUBTITLE.match(squeeze(lines[n].text)) and like(n):
        n += 1
        while n < limit and like(n) and not lines[n].hard:
            n += 1
        n = _subtitle_tail(lines, n, limit)
    return n


def _subtitle_tail(lines: list[Line], n: int, limit: int) -> int:
    """A subtitle line that reaches the margin goes on in the next line, set flush or hanging, not centred."""
    start = next((k for k in range(n) if SUBTITLE.match(squeeze(lines[k].text))), None)
    while start is not None and n < limit and lines[n - 1].full and not lines[n].indented:
        text = squeeze(lines[n].text)
        if not _title_text(text) or lines[n].full or lines[n + 1].text.lstrip()[:1] in NO_LINE_START:
            break
        n += 1
    return n


def _article(segment: _Segment, toc_titles: list[str]) -> Article | None:
    lines = segment.lines
    if not lines:
        return None
    n = _title_block(lines, toc_titles)
    byline = None
    if 0 < n < len(lines) - 1:  # 作者：张三 / 通川区委党史研究室 严红锐 under the title is no paragraph
        text = squeeze(lines[n].text)
        labelled = ATTRIBUTION.match(text)
        if labelled or BYLINE.match(text):
            byline = labelled.group("unit") if labelled else text
            n += 1
    head, body = lines[:n - (byline is not None)], lines[n:]
    paragraphs = _paragraphs(body)
    if not paragraphs:
        return None
    title_parts: list[str] = []
    subtitle_parts: list[str] = []
    for line in head:
        text = squeeze(line.text)
        if subtitle_parts or (SUBTITLE.match(text) and title_parts):
            subtitle_parts.append(SUBTITLE.sub("——", text, count=1) if not subtitle_parts else text)
        else:
            title_parts.append(text)
    title = _join_all(title_parts)
    brief = not title
    return Article(
        title=title or _derived_title(paragraphs[0]),
        subtitle=_join_all(subtitle_parts) or None,
        source=segment.source or byline,
        brief=brief,
        page=lines[0].page,
        paragraphs=tuple(paragraphs),
    )


_DATED = re.compile(r"^(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日|[上中下]旬|初|底)")


def _briefs(article: Article) -> list[Article]:
    """An untitled run of date-led paragraphs with no source lines between them (a 简讯 block) is one
    item a paragraph: each gets its own derived title, so a citation names the item it quotes."""
    paragraphs = article.paragraphs
    if not article.brief or len(paragraphs) < 2 or not all(_DATED.match(p) for p in paragraphs):
        return [article]
    return [replace(article, title=_derived_title(p), paragraphs=(p,)) for p in paragraphs]


def _join_all(parts: list[str]) -> str:
    out = ""
    for part in parts:
        out = join_lines(out, part)
    return squeeze(out)


def _paragraphs(lines: list[Line]) -> list[str]:
    """Rejoin wrapped lines into paragraphs.

    A line that stops short of the margin ends its paragraph. Text exports need more evidence than
    width: the margin is this article's own (a brief column is narrower than the page), and a
    sentence that ends at the margin still ends a paragraph when the next line opens a new topic
    (二是…, 会议强调…) or is shorter by the first-line indent the export dropped.
    """
    full_width = _article_width(lines)
    kept_indent = any(ln.indented for ln in lines)  # then indents, not widths, mark paragraph starts
    paragraphs: list[str] = []
    current = ""
    ended = False
    for k, line in enumerate(lines):
        text = squeeze(line.text)
        if text[:1] in NO_LINE_START:  # closing punctuation never starts a paragraph (a split-off run)
            current = join_lines(current, text)
            ended = _ends(line, full_width)
            continue
        enumerated = ENUMERATOR.match(text) is not None and current[-1:] in ("。", "！", "？")
        if current and not ended and full_width and current[-1:] in SENTENCE_END and not kept_indent:
            ended = (
                TOPIC_START.match(text) is not None
                or _next_ordinal(current, text)
                or _short_by_indent(line, lines[k + 1 : k + 2], full_width)
            )
        if current and (ended or line.hard or line.indented or enumerated):
            paragraphs.append(current)
            current = ""
        current = join_lines(current, text)
        ended = _ends(line, full_width) and not unclosed(current)  # never inside 「“委员进乡村·健」
        if ended and line.width is not None and text[-1:] not in SENTENCE_END and k + 1 < len(lines):
            ended = not lines[k + 1].text.lstrip()[:1].isascii()  # a number that did not fit went on
            # Where the export kept its indents, a short line cut off mid-sentence is a wrap, not an end.
            ended = ended and not (kept_indent and not lines[k + 1].indented and not _SENTENCE_CLOSED.search(text))
    if current:
        paragraphs.append(current)
    return [squeeze(p) for p in paragraphs if p.strip()]


_SENTENCE_CLOSED = re.compile(r"[。！？…!?][”’」』）)]*$")


def _next_ordinal(paragraph: str, text: str) -> bool:
    """二是… after a paragraph that opened with 一是…: sibling points, one paragraph each.

    (二是 inside a paragraph that opened otherwise is an inline list and stays.)
    """
    m, prev = ORDINAL_IS.match(text), ORDINAL_IS.match(paragraph)
    return bool(m and prev and ORDINAL.find(m.group(1)) == ORDINAL.find(prev.group(1)) + 1)


def _article_width(lines: list[Line]) -> int | None:
    """The full line of a text export's article: the median width of lines inside a sentence.

    A line that ends mid-sentence must have reached the margin, so its width is the column's,
    whatever the file's. Lines after a sentence end are left out: they may be first lines,
    shortened by an indent the export dropped.
    """
    widths = [
        cur.width
        for prev, cur in itertools.pairwise(lines[:-1])
        if cur.width
        and squeeze(cur.text)[-1:] not in SENTENCE_END + "”）"
        and squeeze(prev.text)[-1:] not in SENTENCE_END
    ]
    if len(widths) >= 2:
        return int(statistics.median(widths))
    # A brief of two or three lines: its widest line inside a sentence.
    inside = [ln.width for ln in lines[:-1] if ln.width and squeeze(ln.text)[-1:] not in SENTENCE_END + "”）"]
    return max(inside) if inside else None


def _ends(line: Line, full_width: int | None) -> bool:
    if line.hard:
        return True
    if full_width is not None and line.width is not None:
        if line.text.rstrip()[-1:] in "，、；：（《“—":
            return False  # mid-sentence: cut short only to keep a number or a bracket whole
        # Short against both this article's line and the file's: a narrow brief column is not all
        # paragraph ends, and one wide line (digits and their spaces) does not make the rest short.
        # Justified text squeezes punctuation, so a few cells short is still full.
        return line.full is False and line.width < full_width - 5
    return line.full is False


def _short_by_indent(line: Line, following: list[Line], full_width: int) -> bool:
    """A paragraph's first line with its two-character indent lost: 4 cells short, and not its last."""
    if line.width is None or re.search(r"[0-9A-Za-z]", line.text):
        return False  # digits and Latin make lines uneven anyway
    goes_on = bool(following) and following[0].text.lstrip()[:1] not in NO_LINE_START
    return full_width - 6 <= line.width <= full_width - 3 and goes_on


# Verbs that make a clause a statement of what happened (subject + verb), for derived titles.
_TITLE_VERBS = (
    "召开", "举行", "举办", "开展", "组织", "启动", "完成", "出席", "参加", "调研", "走进", "走访", "前往",
    "深入", "印发", "发布", "出版", "编纂", "荣获", "获评", "获得", "入选", "听取", "审议", "推出", "建成",
    "成立", "揭牌", "开通", "上线", "接待", "慰问", "看望", "重温", "讲授", "宣讲", "部署", "学习", "考察",
    "参观", "观看", "联合", "承办", "主办", "实施", "推进", "征集", "采集", "普查", "座谈", "表彰", "签订",
    "编印", "编写", "修订", "审定", "筹备", "公布", "公示", "命名", "认定", "揭晓", "获批", "开馆", "开放",
    "赴",
)
_ADVERBIAL = re.compile(
    r"^(?:在|值此|为了?|根据|按照|围绕|随着|经过|经|截至|借助|依托|结合|针对|对照|自|从|当|由于|通过)"
)
_TIME_WORD = re.compile(r"^(?:近日|日前|近期|近来|目前|此前|当天|当日|同日|随后|今年以来|近年来|年初|年底|上半年|下半年)")
_DATE_PREFIX = re.compile(
    r"^(?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日|[上中下]旬|初|底)?(?:上午|下午|晚上|晚|早上|凌晨|前后|期间)?"
)


def _derived_title(paragraph: str) -> str:
    """A title for an untitled brief: its first clause with a subject and a verb.

    Leading dates (4月20日), time words (近日) and adverbial clauses (在…之际, 为…, 根据…安排) are
    skipped, so the title says who did what.
    """
    clauses = [c.strip() for c in re.split(r"[，。；：,;:！？]", paragraph) if c.strip()]
    if not clauses:
        return paragraph[:24]
    fallback: str | None = None
    for clause in clauses:
        rest = _TIME_WORD.sub("", _DATE_PREFIX.sub("", clause, count=1), count=1).strip()
        if len(rest) < 4 or _ADVERBIAL.match(rest):
            continue
        fallback = fallback or rest
        if any(rest.find(verb, 2) > 0 for verb in _TITLE_VERBS):  # someone (≥ 2 characters) does something
            title = rest
            break
    else:
        title = fallback or clauses[0]
    return title if len(title) <= 30 else title[:29] + "…"


def _issue_id(
    title: str | None, number: str | None, publisher: str | None, date: str | None, sections: list[Section]
) -> str:
    """Stable for the same issue whatever its file: derived from the masthead, else from the text."""
    if date:
        key = f"{nospace(publisher or title or '')}|{date}"
        prefix = date
    elif title or number or publisher:
        key = f"{nospace(title or '')}|{nospace(number or '')}|{nospace(publisher or '')}"
        prefix = "undated"
    else:
        key = "".join(p for s in sections for a in s.articles for p in a.paragraphs)
        prefix = "undated"
    return f"{prefix}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:6]}"
