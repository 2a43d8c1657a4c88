"""Repair what PDF text extraction does to bulletins: spacing, page numbers, width of lines."""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs plus the full-width punctuation that surrounds them in Chinese text.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018\u2019\u201c\u201d\u2026\u00b7"
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \t\u00a0\u3000]+(?=[0-9A-Za-z%.])")
_SPACE_BEFORE_CJK = re.compile(rf"(?<=[0-9A-Za-z%.])[ \t\u00a0\u3000]+(?=[{_CJK}{_CJK_PUNCT}])")
_SPACE_AT_PUNCT = re.compile(rf"[ \t\u00a0\u3000]+(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}])[ \t\u00a0\u3000]+")
_MULTISPACE = re.compile(r"[ \t\u00a0\u3000]{2,}")

PAGE_NUMBER = re.compile(
    r"^\s*(?:[—–\-－~－]{1,2}\s*\d{1,3}\s*[—–\-－~－]{1,2}|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$"
)

# Characters after which a line can end a sentence or clause; titles never end with these.
CLAUSE_END = "。！？；：，、…!?;:,"
SENTENCE_END = "。！？…!?；;"


def squeeze(text: str) -> str:
    """Remove spaces between CJK text and digits/Latin or punctuation; keep spaces inside Latin text.

    PDF extraction and typesetting put spaces around numbers (``2020 年 11 月 30 日``); a space
    between two CJK phrases (``加强统筹谋划 主动提供服务``) is deliberate and stays.
    """
    text = text.replace("\u3000", " ").replace("\u00a0", " ")
    text = _SPACE_AFTER_CJK.sub("", text)
    text = _SPACE_BEFORE_CJK.sub("", text)
    text = _SPACE_AT_PUNCT.sub("", text)
    return _MULTISPACE.sub(" ", text).strip()


def nospace(text: str) -> str:
    """Text without any whitespace: the form used to compare titles and check keys."""
    return re.sub(r"\s+", "", text)


def display_width(text: str) -> int:
    """Width in half-width cells: how much of a printed line a string fills."""
    # Quotes and dashes are "ambiguous" width in Unicode but full-width in Chinese typesetting.
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" and ord(ch) > 0xFF else 1 for ch in text)


def join_lines(left: str, right: str) -> str:
    """Join two pieces of one wrapped paragraph; only Latin words need a space between them."""
    if not left:
        return right
    if left[-1].isascii() and left[-1].isalnum() and right[:1].isascii() and right[:1].isalpha():
        return f"{left} {right}"
    return left + right


def is_cjk(ch: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", ch))


def looks_binary(text: str) -> bool:
    """True when decoded text is mostly control characters or replacement marks (not a text file)."""
    if not text:
        return False
    sample = text[:20000]
    bad = sum(1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f"))
    return bad / len(sample) > 0.02


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def cn_int(text: str) -> int | None:
    """A small count printed in digits or Chinese numerals (3, 三, 两, 十二, 二十): None otherwise."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN_DIGITS.get(tens, 0) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text)


QUOTES = ("“”", "《》", "「」")
BRACKETS = (*QUOTES, "（）")


def unclosed(text: str, pairs: tuple[str, ...] = BRACKETS) -> bool:
    """Some quote or bracket of ``pairs`` is opened in ``text`` and not closed again."""
    return any(text.count(a) > text.count(b) for a, b in pairs)
