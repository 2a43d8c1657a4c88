"""Optional LLM mode: an OpenAI-compatible chat endpoint rewrites the answer from numbered passages.

The prompt holds only the retrieved passages; the reply must cite markers that exist ([1]…[n]).
Anything else — no citation, an unknown marker, a timeout, an HTTP error — keeps the extractive answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import httpx

from .config import Settings
from .model import Answer, Hit
from .render import citation_text

log = logging.getLogger(__name__)

SYSTEM = (
    "你是简报问答助手。只能依据给出的编号段落回答，不得使用段落以外的知识。"
    "先给出简短答案（日期、人名、数字或名称），再用一句话说明依据，并在句末用[编号]标注引用的段落。"
    "如果段落中没有答案，只回答：无法回答。"
)
_MARKER = re.compile(r"\[(\d{1,2})\]")


class LLMClient:
    def __init__(self, settings: Settings) -> None:
        self.url = settings.llm_base_url.rstrip("/") + "/chat/completions"  # type: ignore[union-attr]
        self.model = settings.llm_model
        self.headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        self.timeout = settings.llm_timeout

    def prompt(self, question: str, hits: tuple[Hit, ...]) -> list[dict[str, str]]:
        passages = "\n\n".join(
            f"[{n}] {citation_text(h.chunk.citation)}\n{h.chunk.text}" for n, h in enumerate(hits, 1)
        )
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"段落：\n{passages}\n\n问题：{question}"},
        ]

    def improve(self, extractive: Answer, hits: tuple[Hit, ...]) -> Answer:
        """The LLM's answer when it cites real passages; otherwise the extractive one, unchanged."""
        try:
            response = httpx.post(
                self.url,
                json={"model": self.model, "messages": self.prompt(extractive.question, hits), "temperature": 0},
                headers=self.headers,
                timeout=self.timeout,
            )
            response.raise_for_status()
            content = str(response.json()["choices"][0]["message"]["content"]).strip()
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            log.warning("LLM unavailable, keeping the extractive answer: %s", exc)
            return replace(extractive, llm=f"error: {type(exc).__name__}")
        markers = [int(m) for m in _MARKER.findall(content)]
        if not markers or any(not 1 <= m <= len(hits) for m in markers) or "无法回答" in content:
            log.info("LLM reply without valid citations, keeping the extractive answer")
            return replace(extractive, llm="rejected")
        first = markers[0] - 1
        ordered = (hits[first],) + tuple(h for i, h in enumerate(hits) if i != first)
        text = content if len(content) <= 200 else content[:199] + "…"
        return replace(extractive, answer=text, hits=ordered, llm="used")
