"""Dates as bulletins print them: 2020年11月30日, 12月18日 (year from the issue), 今年4月."""

from __future__ import annotations

import re

DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:上午|下午|晚上|晚)?"),
    re.compile(r"(?P<rel>今年|去年|明年)(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?(?P<part>上旬|中旬|下旬|底|初|末)?"),
    re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:上午|下午|晚上|晚)?"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<part>上旬|中旬|下旬|底|初|末)?"),
    re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<part>上旬|中旬|下旬|底|初|末)"),
    re.compile(r"(?P<y>\d{4})年(?![\d度])"),
]


def resolve_date(m: re.Match[str], issue_date: str | None, article: str = "") -> str | None:
    """A full date where the issue date makes the year certain; else the date as printed."""
    g = m.groupdict()
    issue_year = int(issue_date[:4]) if issue_date else None
    issue_month = int(issue_date[5:7]) if issue_date else None
    month = int(g["m"]) if g.get("m") else None
    if month is not None and not 1 <= month <= 12:
        return None
    part = g.get("part") or ""
    year: int | None = int(g["y"]) if g.get("y") else None
    if year is None and g.get("rel"):
        # 今年 is the year the article was written in: that of its latest full date, else the issue's.
        years = [int(y) for y in re.findall(r"(\d{4})年\d{1,2}月\d{1,2}日", article)]
        base = max(years) if years else issue_year
        if base is not None:
            year = base + {"今年": 0, "去年": -1, "明年": 1}[g["rel"]]
    if year is None and month is not None and issue_year is not None and issue_month is not None:
        # A bare 12月18日 in a January issue reports last December.
        year = issue_year - 1 if month > issue_month else issue_year
    if year is None:
        return m.group(0)
    if month is None:
        return f"{year}年"
    day = f"{int(g['d'])}日" if g.get("d") else ""
    return f"{year}年{month}月{day}{part}"



_FULL = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")


def iso(value: str) -> str | None:
    """「2020年12月15日」→ 2020-12-15, 「2021年6月」→ 2021-06; None for a bare year or words."""
    m = _FULL.match(value)
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{int(y):04d}-{int(mo):02d}" + (f"-{int(d):02d}" if d else "")


def event_date(text: str, issue_date: str | None) -> str | None:
    """When an article's event happened: the date that leads its first sentence, else None.

    Bulletin news opens with its date (「2020年11月30日，万州区委…」, 「12月18日，…」).
    """
    head = re.split(r"[。！？\n]", text, maxsplit=1)[0][:60]
    for pattern in DATE_PATTERNS[:5]:
        m = pattern.search(head)
        if m and m.start() <= 12:
            value = resolve_date(m, issue_date, text)
            if value and iso(value):
                return iso(value)
    return None  # 「近日」, no date: callers fall back to the issue date


def event_span(text: str, issue_date: str | None) -> tuple[str | None, str | None]:
    """(start, end) of what an article reports. Ongoing work is printed as 「X以来…截至Y」: it spans
    X..Y, so a question about Y's month finds it too."""
    start = event_date(text, issue_date)
    head = "".join(re.split(r"(?<=[。！？\n])", text)[:2])[:160]
    end = None
    for m in re.finditer(r"(?:截至|截止到?)", head):
        for pattern in DATE_PATTERNS[:5]:
            d = pattern.match(head, m.end())
            if d:
                value = resolve_date(d, issue_date, text)
                end = iso(value) if value else None
                break
        if end:
            break
    since = re.search(r"以来", head[:40])
    if end is None and since and start is not None:
        end = issue_date  # 「今年5月以来」: ongoing when the issue went to print
    return start, end
