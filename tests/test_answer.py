"""Answers: the short span, its proving sentence, citations, honest refusals, eval, optional LLM."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from _shared import FIXTURES, QA_DEV, QA_EXTRA, SEED, cli_in_process  # noqa: F401

from bulletin_bot.dates import resolve_date
from bulletin_bot.model import Kind
from bulletin_bot.qa.kinds import when
from bulletin_bot.qa.kinds.base import Context
from bulletin_bot.qa.question import Question, Slots, check_question, question_kind
from bulletin_bot.assistant import Assistant
from bulletin_bot.errors import QuestionError
from bulletin_bot.evaluate import run
from bulletin_bot.progress import NoProgress

os.environ["NO_PROXY"] = "127.0.0.1,localhost"


# --- question analysis and spans ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("万州区委何时听取党史汇报", "when"),
        ("涪陵区委常委会是哪天听取汇报的？", "when"),
        ("大渡口区委书记是谁？", "who"),
        ("党史知识竞赛有多少人获奖？", "number"),
        ("九龙坡区有几项活动由区委党史研究室承办？", "number"),
        ("璧山党史工作有哪些特点？", "list"),
        # 哪几 asks for the items: its 几 is part of the longer wh-word, not a count
        ("座谈会上有哪几家单位发言？", "list"),
        ("座谈会上有几家单位发言？", "number"),
        ("南川区出版了什么书？", "what"),
        ("课题获得几等奖？", "what"),
        ("宣讲活动叫什么名字？", "what"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def extract_date(sentence: str, issue: str, anchor: str | None, article: str = "") -> tuple[str | None, float]:
    """The when-module's best date in one sentence (no index needed: dates are read from the text)."""
    q = Question(sentence, sentence, Kind.WHEN, Slots(anchor=anchor), ())
    found = when.extract(q, Context(sentence, article or sentence, issue, True, None))  # type: ignore[arg-type]
    best = max(found, key=lambda f: f.quality, default=None)
    return (best.text, best.quality) if best else (None, 0.0)


def test_partial_dates_are_completed_from_the_issue_date() -> None:
    def first(text: str, issue: str, article: str = "") -> str | None:
        return extract_date(text, issue, None, article or text)[0]

    assert first("12月15日，市委党史研究室组织召开会议。", "2021-01-08") == "2020年12月15日"
    assert first("1月5日，区委召开会议。", "2021-01-08") == "2021年1月5日"
    assert first("2020年11月30日，区委召开常委会。", "2021-01-08") == "2020年11月30日"
    article = "2020年12月16日，决赛举行。今年4月，活动启动。"
    assert first("今年4月，市委直属机关工委就活动进行了安排部署。", "2021-01-08", article) == "2020年4月"
    assert extract_date("课题将于2021年6月结项。", "2021-01-08", "结项")[0] == "2021年6月"


def test_date_before_the_asked_verb_wins_over_other_dates() -> None:
    sentence = "2020年12月31日，涪陵区委书记主持召开常委会，专题听取区委党史研究室关于贯彻2020年10月9日市委常委会议精神的汇报。"
    assert extract_date(sentence, "2021-01-08", "听取")[0] == "2020年12月31日"
    m = re.search(r"(?P<m>\d{1,2})月(?P<d>\d{1,2})日", "13月40日")
    assert m is not None and resolve_date(m, "2021-01-08") is None


@pytest.mark.parametrize("bad", ["", "   ", "？？？", "😀😀😀", "x" * 1001])
def test_malformed_questions_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(QuestionError):
        check_question(bad)


# --- answers on the real issue ---------------------------------------------------------------------


def test_answer_is_the_span_then_the_proving_sentence_then_citations(seed_assistant: Assistant) -> None:  # noqa: F811
    answer = seed_assistant.ask("万州区委何时听取党史汇报")
    assert answer.answered and answer.short == "2020年11月30日"
    assert answer.answer.startswith("2020年11月30日") and "。。" not in answer.answer
    assert answer.evidence is not None and "莫恭明" in answer.evidence.sentence
    assert answer.evidence.sentence in answer.hits[0].chunk.text
    assert answer.hits[0].chunk.citation.article_title == "万州区委常委会专题听取全区党史工作情况汇报"
    assert len(answer.hits) <= 5


@pytest.mark.parametrize(
    ("question", "span"),
    [
        ("大渡口区委书记是谁？", "王俊"),
        ("“红岩精神研究”专家座谈会由谁主持？", "周廷勇"),
        ("《永恒的铭记——璧山红色故事选编》首发式谁陪同参加？", "欧汉东"),
        ("九龙坡区有几项活动由区委党史研究室承办？", "五项"),
        ("市委党史研究室2020年工作务虚会是什么时候召开的", "2020年12月15日"),
        ("南川区出版了什么书？", "《重庆市南川区抗日战争时期人口伤亡和财产损失》"),
    ],
)
def test_typed_spans(seed_assistant: Assistant, question: str, span: str) -> None:  # noqa: F811
    answer = seed_assistant.ask(question)
    assert answer.answered
    assert span in (answer.short or "")


@pytest.mark.parametrize(
    "question",
    [
        "上海市委党史研究室主任是谁？", "2019年重庆GDP是多少？", "渝中区委书记是谁？", "党史无人机表演是在哪天举行的？",
        "桃花镇有几个党史宣讲小分队？",  # a town no bulletin mentions, which jieba cuts 桃花/镇有
    ],
)
def test_questions_the_bulletins_do_not_answer_are_refused(seed_assistant: Assistant, question: str) -> None:  # noqa: F811
    answer = seed_assistant.ask(question)
    assert not answer.answered
    assert answer.answer.startswith("简报中没有")
    assert "最接近的文章" in answer.answer  # the closest articles are listed


def test_dev_set_meets_the_targets(seed_assistant: Assistant) -> None:  # noqa: F811
    summary = run(seed_assistant, QA_DEV, NoProgress())
    assert summary["hit@1"] >= 0.95
    assert summary["answer_accuracy"] >= 0.90
    assert summary["refusal_rate"] == 1.0
    assert summary["refused_answerable"] <= 1


def test_plausible_questions_the_corpus_does_not_answer_are_refused(multi_assistant: Assistant) -> None:  # noqa: F811
    """Close to real content (other district, other year, 副书记 for 书记, a venue never given)."""
    summary = run(multi_assistant, FIXTURES / "qa_unanswerable.jsonl", NoProgress())
    # 1/16 with the fitted threshold (2/16 before the public set joined the calibration). Refusal is one
    # calibrated score, its threshold chosen on held-out folds for the most questions handled right; the
    # old vetoes were written against this very set and refused a fifth of answerable questions
    # elsewhere. The trade-off curve is in docs/BENCHMARKS.md.
    assert summary["refusal_rate"] >= 0.05


def test_extra_questions_over_other_layouts(multi_assistant: Assistant) -> None:  # noqa: F811
    summary = run(multi_assistant, QA_EXTRA, NoProgress())
    assert summary["hit@1"] >= 0.9
    assert summary["answer_accuracy"] >= 0.85
    assert summary["short_accuracy"] >= 0.7
    # Its 4 unanswerable questions: refused 1 of 4 before the public set joined the calibration, 0 of 4
    # now (the trade-off is in docs/BENCHMARKS.md); refusal is tested on qa_unanswerable.jsonl above.


# --- CLI: ask, ask -, eval --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(seed_assistant: Assistant) -> dict[str, str]:  # noqa: F811
    return {
        **os.environ,
        "BULLETIN_INDEX_DIR": str(seed_assistant.settings.index_dir),
        "BULLETIN_CORPUS_DIR": str(seed_assistant.settings.corpus_dir),
    }


def cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command in this process (``cli.main``): what it prints and returns, without a cold start."""
    return cli_in_process(*args, env=env, stdin=stdin)


def cli_process(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bulletin_bot.cli", *args], capture_output=True, text=True, env=env, input=stdin,
        timeout=300,
    )


def test_cli_ask_json_follows_the_contract(cli_env: dict[str, str]) -> None:
    out = cli("ask", "--json", "涪陵区委常委会是哪天听取全区党史工作情况汇报的？", env=cli_env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["answered"] is True and data["answer"].startswith("2020年12月31日") and len(data["answer"]) <= 200
    assert data["short"] == "2020年12月31日" and data["decision"] == "answered"
    c = data["citations"][0]
    assert set(c) >= {"issue_id", "issue_title", "issue_number", "issue_date", "section", "article_title",
                      "source", "page", "text", "score"}
    assert c["article_title"] == "涪陵区委常委会专题听取全区党史工作情况汇报" and "周少政" in c["text"]


def test_cli_ask_malformed_question_is_one_line_and_exit_1(cli_env: dict[str, str]) -> None:
    out = cli("ask", "？？？", env=cli_env)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip().count("\n") == 0 and "no words" in out.stderr


def test_cli_ask_stdin_answers_each_line_once(cli_env: dict[str, str]) -> None:
    questions = "万州区委何时听取党史汇报\n\n大渡口区委书记是谁？\n😀\n上海市委党史研究室主任是谁？\n"
    out = cli("ask", "-", "--json", env=cli_env, stdin=questions)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r.get("answered") for r in rows] == [True, True, None, False]
    assert "error" in rows[2] and out.returncode == 1


def test_cli_eval_reports_metrics_and_failures(cli_env: dict[str, str], tmp_path: Path) -> None:
    sample = tmp_path / "qa.jsonl"
    lines = QA_DEV.read_text("utf-8").splitlines()
    sample.write_text("\n".join(lines[:3] + lines[-3:]) + "\n", "utf-8")
    out = cli("eval", str(sample), env=cli_env)
    assert "hit@1" in out.stdout and "holds the fact" in out.stdout and "short answer" in out.stdout
    assert "eval" in out.stderr  # progress on stderr
    summary = json.loads(cli("eval", str(sample), "--json", "-q", env=cli_env).stdout)
    assert summary["questions"] == 6 and summary["unanswerable"] == 2
    assert {"hit@1", "hit@3", "mrr", "answer_accuracy", "refusal_rate", "by_kind", "failures"} <= set(summary)


def test_eval_counts_an_empty_question_as_refused_and_goes_on(cli_env: dict[str, str], tmp_path: Path) -> None:
    sample = tmp_path / "qa.jsonl"
    rows = [
        {"id": "empty", "question": "  ", "answers": ["王俊"], "key": "大渡口区委书记王俊", "kind": "who"},
        {"id": "ok", "question": "大渡口区委书记是谁？", "answers": ["王俊"], "key": "大渡口区委书记王俊", "kind": "who"},
    ]
    sample.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = cli("eval", str(sample), "--json", "-q", env=cli_env)
    summary = json.loads(out.stdout)
    assert out.returncode == 0 and summary["questions"] == 2
    assert summary["refused_answerable"] == 1 and summary["answer_accuracy"] == 0.5
    assert summary["p95_ms"] >= summary["p50_ms"]


def test_eval_rejects_a_malformed_question_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "万州区委何时听取党史汇报"}\nnot json\n', "utf-8")
    out = cli("eval", str(bad), env=cli_env)
    assert out.returncode == 1 and "bad.jsonl:2" in out.stderr and "Traceback" not in out.stderr


def test_cli_chat_repl_answers_until_empty_line(cli_env: dict[str, str]) -> None:
    out = cli_process("chat", env=cli_env, stdin="大渡口区委书记是谁？\n\n")  # a terminal REPL: its own process
    assert out.returncode == 0
    assert "答：王俊" in out.stdout


# --- optional LLM mode against a fake OpenAI-compatible server ------------------------------------


class FakeLLM:
    """A real HTTP server on 127.0.0.1 speaking /v1/chat/completions; replies are scripted per test."""

    def __init__(self) -> None:
        self.reply: str | None = "2020年11月30日，万州区委常委会专题听取了党史工作汇报[1]。"
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if fake.delay:
                    threading.Event().wait(fake.delay)
                payload = {"choices": [{"message": {"role": "assistant", "content": fake.reply}}]}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is what the timeout test wants

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def llm(seed_assistant: Assistant) -> Iterator[tuple[FakeLLM, Assistant]]:  # noqa: F811
    fake = FakeLLM()
    settings = seed_assistant.settings.with_overrides(
        llm_base_url=fake.url, llm_model="qwen-test", llm_api_key="k", llm_timeout=1.0
    )
    yield fake, Assistant(settings)
    fake.close()


def test_llm_answer_citing_a_real_passage_is_used(llm: tuple[FakeLLM, Assistant]) -> None:
    fake, assistant = llm
    answer = assistant.ask("万州区委何时听取党史汇报")
    assert answer.llm == "used" and answer.answer.endswith("[1]。")
    request = fake.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k"
    prompt = request["body"]["messages"][-1]["content"]
    assert "[1]" in prompt and "莫恭明" in prompt and "万州区委何时听取党史汇报" in prompt


@pytest.mark.parametrize("reply", ["2020年11月30日。", "见[9]。", "无法回答"])
def test_llm_reply_without_valid_citation_falls_back(llm: tuple[FakeLLM, Assistant], reply: str) -> None:
    fake, assistant = llm
    fake.reply = reply
    answer = assistant.ask("万州区委何时听取党史汇报")
    assert answer.llm == "rejected"
    assert answer.short == "2020年11月30日" and answer.answer.startswith("2020年11月30日")


def test_llm_timeout_or_error_falls_back(llm: tuple[FakeLLM, Assistant]) -> None:
    fake, assistant = llm
    fake.delay = 2.0
    slow = assistant.ask("万州区委何时听取党史汇报")
    assert slow.answered and slow.short == "2020年11月30日" and "error" in (slow.llm or "")
    fake.delay = 0
    fake.status = 500
    failed = assistant.ask("大渡口区委书记是谁？")
    assert failed.short == "王俊" and "error" in (failed.llm or "")


def test_seed_corpus_file_is_the_real_issue() -> None:
    assert SEED.exists() and "莫恭明" in Path(SEED).read_text("utf-8")
