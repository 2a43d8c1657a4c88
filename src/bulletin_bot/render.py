"""Plain-text rendering of citations and answers shared by the CLI and the chat REPL."""

from __future__ import annotations

from .model import Citation


def issue_label(c: Citation) -> str:
    """《党史工作动态》2021年第1期（2021-01-08）, degrading gracefully when the masthead lacks parts."""
    name = f"《{c.issue_title}》" if c.issue_title else (c.publisher or "简报")
    if c.issue_number and c.issue_date:
        return f"{name}{c.issue_number}（{c.issue_date}）"
    return f"{name}{c.issue_number or ''}{c.issue_date or ''}"


def citation_text(c: Citation) -> str:
    source = f"（{c.source}供稿）" if c.source else ""
    return f"{issue_label(c)}·【{c.section}】·{c.article_title}{source}"
