"""The answerer's word lists, read once from ``lexicon.toml`` (data, not code)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

LEXICON = Path(__file__).with_name("lexicon.toml")


def alternation(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternative of literal words, longest first so 人次 wins over 人."""
    return _alternation(tuple(words))


@cache
def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Lexicon:
    kinds: dict[str, tuple[str, ...]]
    kind_order: tuple[str, ...]
    what_overrides: tuple[str, ...]
    named_nouns: tuple[str, ...]
    replace: dict[str, str]
    particles: tuple[str, ...]
    verb_groups: tuple[tuple[str, ...], ...]
    titles: tuple[str, ...]
    generic_roles: frozenset[str]
    classifiers: tuple[str, ...]
    counter_groups: tuple[frozenset[str], ...]
    number_prefixes: tuple[str, ...]
    money: tuple[str, ...]
    surnames: frozenset[str]
    after_name: tuple[str, ...]
    action_verbs: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    generic_nouns: frozenset[str]
    place_before: tuple[str, ...]
    place_events: tuple[str, ...]
    place_endings: tuple[str, ...]
    latin_units: tuple[str, ...] = ()
    range_marks: tuple[str, ...] = ()
    place_verbs: tuple[str, ...] = ()
    asked_place: dict[str, tuple[str, ...]] = field(default_factory=dict)  # country/province/city/origin/work
    name_joints: tuple[str, ...] = ()
    after_honorifics: tuple[str, ...] = ()
    agent_verbs: tuple[str, ...] = ()
    office_verbs: tuple[str, ...] = ()
    office_endings: tuple[str, ...] = ()
    alias_words: tuple[str, ...] = ()

    def synonyms(self, verb: str) -> tuple[str, ...]:
        """The verb and every word a bulletin may print for it (去 → 赴, 前往…)."""
        found = [verb]
        for group in self.verb_groups:
            if verb in group:
                found.extend(group)
        return tuple(dict.fromkeys(found))


@cache
def lexicon(path: Path = LEXICON) -> Lexicon:
    data = tomllib.loads(path.read_text("utf-8"))
    k = data["kinds"]
    order = tuple(k["order"])
    return Lexicon(
        kinds={name: tuple(k[name]) for name in order},
        kind_order=order,
        what_overrides=tuple(k["what_overrides"]),
        named_nouns=tuple(k["named_nouns"]),
        replace=dict(data["normalise"]["replace"]),
        particles=tuple(data["normalise"]["particles"]),
        verb_groups=tuple(tuple(g) for g in data["verbs"]["groups"]),
        titles=tuple(data["titles"]["list"]),
        generic_roles=frozenset(data["titles"]["generic_roles"]),
        classifiers=tuple(data["numbers"]["classifiers"]),
        counter_groups=tuple(frozenset(g) for g in data["numbers"]["groups"]),
        number_prefixes=tuple(data["numbers"]["prefixes"]),
        money=tuple(data["numbers"]["money"]),
        surnames=frozenset(data["names"]["surnames"]),
        after_name=tuple(data["names"]["after_name"]),
        action_verbs=tuple(data["names"]["action_verbs"]),
        org_suffixes=tuple(data["orgs"]["suffixes"]),
        generic_nouns=frozenset(data["orgs"]["generic_nouns"]),
        place_before=tuple(data["places"]["before"]),
        place_events=tuple(data["places"]["events"]),
        place_endings=tuple(data["places"]["endings"]),
        latin_units=tuple(data["numbers"]["latin_units"]),
        range_marks=tuple(data["numbers"]["range_marks"]),
        place_verbs=tuple(data["where"]["place_verbs"]),
        asked_place={
            k.removeprefix("asked_"): tuple(v) for k, v in data["where"].items() if k.startswith("asked_")
        },
        name_joints=tuple(data["names"]["name_joints"]),
        after_honorifics=tuple(data["names"]["after_honorifics"]),
        agent_verbs=tuple(data["names"]["agent_verbs"]),
        office_verbs=tuple(data["names"]["office_verbs"]),
        office_endings=tuple(data["names"]["office_endings"]),
        alias_words=tuple(data["what"]["alias_words"]),
    )


@cache
def gazetteer() -> dict[str, str]:
    """Place name -> country | province | city | county | region (data/gazetteer.txt, from JioNLP)."""
    text = files("bulletin_bot").joinpath("data/gazetteer.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        kind, _, name = line.partition("\t")
        if name and not line.startswith("#"):
            out.setdefault(name.strip(), kind)
    return out
