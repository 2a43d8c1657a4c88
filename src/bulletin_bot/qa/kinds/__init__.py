"""One module per question kind, chosen from a table (each owns its parse and extract steps)."""

from __future__ import annotations

from types import ModuleType

from ...model import Kind
from . import list as list_
from . import number, other, what, when, where, who

MODULES: dict[Kind, ModuleType] = {
    Kind.WHEN: when,
    Kind.WHO: who,
    Kind.NUMBER: number,
    Kind.WHERE: where,
    Kind.WHAT: what,
    Kind.LIST: list_,
    Kind.OTHER: other,
}


def module_for(kind: Kind) -> ModuleType:
    return MODULES.get(kind, other)
