"""Answers: question type, best sentence, the span itself, or an honest refusal."""

from __future__ import annotations

import re

from .config import Settings
from .errors import QuestionError
from .model import Answer
from .search import Searcher

MAX_QUESTION = 1000


def check_question(text: str) -> str:
    """A usable question or a ``QuestionError`` saying what is wrong with it."""
    if text is None:
        raise QuestionError("the question is empty")
    text = re.sub(r"\s+", " ", str(text)).strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION:
        raise QuestionError(f"the question is too long ({len(text)} characters; at most {MAX_QUESTION})")
    if not re.search(r"[\u4e00-\u9fff0-9A-Za-z]", text):
        raise QuestionError("the question has no words (only symbols or emoji)")
    return text


class Answerer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def answer(self, question: str, searcher: Searcher) -> Answer:
        question = check_question(question)
        hits = searcher.search(question, 5)
        if not hits:
            return Answer(question, False, "简报中没有找到相关内容。", ())
        return Answer(question, True, hits[0].chunk.text[:200], tuple(hits))
