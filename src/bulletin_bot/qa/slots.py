"""What a kind module reads from a question besides its wh-word (a leaf module: imports nothing of ours)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Slots:
    """What a kind module reads from the question besides its wh-word."""

    anchor: str | None = None  # the verb next to the asked-for span: 主持, 召开, 赴
    noun: str | None = None  # 多少个党组织 → 党组织; 哪家出版社 → 出版社
    classifier: str | None = None  # 几项 → 项
    role: str | None = None  # 「主任是谁」: the title printed before the wanted name
    person: str | None = None  # 「潘洵是谁」: whose role is asked
    qualifier: str | None = None  # 「西南大学党委书记」: whose title is asked
