"""Questions with no typed wh-word (「万州区委常委会听取党史汇报」, 「怎么死的」): the sentence or a clause of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...model import Kind
from ..slots import Slots
from .base import Context, Found, clauses

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.OTHER


def parse(text: str, snap: Snapshot) -> Slots:
    return Slots()


def extract(q: Question, ctx: Context) -> list[Found]:
    """「怎么死的」, 「有何新规定」: no typed span answers these, but a clause of the sentence may."""
    return clauses(q, ctx)
