"""Plain-text rendering of citations and answers shared by the CLI and the chat REPL."""

from __future__ import annotations

import re

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
    if answer.kind == "source" and answer.extra.get("article"):
        a = answer.extra["article"]
        lines.append(f"【{a['section']}】{a['title']}" + (f"\n{a['subtitle']}" if a.get("subtitle") else ""))
        lines.append(a["text"])
        lines.append(f"出处：{citation_text(answer.hits[0].chunk.citation)}")
        return "\n".join(lines)
    if answer.extra.get("rewritten"):
        lines.append(f"（理解为：{answer.extra['rewritten']}）")
    if answer.answered and answer.extra.get("lines"):
        head = re.sub(r"：1\. .*$", "", answer.answer) if "：1. " in answer.answer else answer.answer
        lines.append(f"答：{head}")
        lines.extend(f"  {n}. {item}" for n, item in enumerate(answer.extra["lines"], 1))
        if answer.extra.get("note"):
            lines.append(f"说明：{answer.extra['note']}")
        lines.append("出处：")
        lines.extend(f"  [{n}] {citation_text(h.chunk.citation)}" for n, h in enumerate(answer.hits[:10], 1))
        return "\n".join(lines)
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
