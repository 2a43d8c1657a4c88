"""``bulletin-bot chat``: an interactive terminal REPL over the same Assistant as the bot."""

from __future__ import annotations

import sys

from .dialogue import Conversation
from .errors import BulletinError
from .render import answer_text

BANNER = "简报问答（输入问题回车；可追问「那涪陵呢？」「出处？」；空行或 Ctrl-D 退出）"


def repl(assistant, stdin=sys.stdin, stdout=sys.stdout) -> int:  # type: ignore[no-untyped-def]
    assistant.snapshot()  # load (or build) the index before the first prompt
    conversation = Conversation(assistant)
    print(BANNER, file=stdout, flush=True)
    while True:
        print("问> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or not line.strip():
            print("", file=stdout)
            return 0
        try:
            answer = conversation.ask("terminal", line)
        except BulletinError as exc:
            print(f"（{exc}）", file=stdout, flush=True)
            continue
        print(answer_text(answer), file=stdout, flush=True)
