"""Questions with no wh-word (「万州区委常委会听取党史汇报」): the sentence itself is the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...model import Kind
from ..slots import Slots
from .base import Context, Found

if TYPE_CHECKING:
    from ...index.store import Snapshot
    from ..question import Question

KIND = Kind.OTHER


def parse(text: str, snap: Snapshot) -> Slots:
    return Slots()


def extract(q: Question, ctx: Context) -> list[Found]:
    return []
