"""Plain-text rendering of citations and answers shared by the CLI and the chat REPL."""

from __future__ import annotations

from .model import Answer, Citation


def issue_label(c: Citation) -> str:
    """《党史工作动态》2021年第1期（2021-01-08）, degrading gracefully when the masthead lacks parts."""
    if c.issue_title:
        name = f"《{c.issue_title}》"
    else:  # no title in the masthead: name the publisher, and keep it apart from the date
        name = f"{c.publisher or '简报'} "
    if c.issue_number and c.issue_date:
        return f"{name}{c.issue_number}（{c.issue_date}）"
    return f"{name}{c.issue_number or ''}{c.issue_date or ''}".strip()


def citation_text(c: Citation) -> str:
    source = f"（{c.source}供稿）" if c.source else ""
    return f"{issue_label(c)}·【{c.section}】·{c.article_title}{source}"


def answer_text(answer: Answer) -> str:
    """The terminal form of an answer: short answer, proving sentence, numbered citations."""
    lines = []
    if answer.answered:
        head = answer.span or answer.answer
        lines.append(f"答：{head}")
        if answer.evidence and answer.evidence != head:
            lines.append(f"依据：「{answer.evidence}」")
        if answer.extra.get("also"):
            lines.append("另见：" + "；".join(f"《{t}》" for t in answer.extra["also"]))
        if answer.extra.get("note"):
            lines.append(f"说明：{answer.extra['note']}")
        lines.append("出处：")
    else:
        lines.append(answer.answer)
        if answer.hits:
            lines.append("相关文章：")
    for n, hit in enumerate(answer.hits[:5 if answer.answered else 3], 1):
        lines.append(f"  [{n}] {citation_text(hit.chunk.citation)}")
    return "\n".join(lines)
