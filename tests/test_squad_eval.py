"""EM/F1 in ``bulletin-bot eval``, and eval straight from a SQuAD/CMRC-format JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from _shared import cli_in_process
from test_squad import PASSAGES, squad_file

from bulletin_bot.evaluate import Case, Outcome
from bulletin_bot.ingest.parse import parse_file
from bulletin_bot.squad_eval import add_em_f1, report_lines, short_answer


def outcome(kind: str, answers: list[str], answered: bool, span: str | None, text: str = "") -> Outcome:
    answer = SimpleNamespace(answered=answered, short=span, answer=text or (span or ""))
    case = Case(id=f"{kind}-{len(answers)}-{span}", question="?", key="k", answers=answers, kind=kind)
    return Outcome(case, answer, 0, answered, 0.01)  # type: ignore[arg-type]


def test_short_answer_is_the_short_field_and_empty_when_refused() -> None:
    assert short_answer(SimpleNamespace(answered=True, short="1998年", answer="1998年。依据：…")) == "1998年"
    assert short_answer(SimpleNamespace(answered=True, short=None, answer="答：x")) == ""
    assert short_answer(SimpleNamespace(answered=False, short="y", answer="未找到")) == ""


def test_em_f1_overall_and_per_kind() -> None:
    outcomes = [
        outcome("when", ["1998年"], True, "1998年"),  # EM 1, F1 1
        outcome("when", ["1998年"], True, "1998年3月"),  # EM 0, F1 2/3
        outcome("who", ["王晶"], False, None, "没有找到"),  # refused: EM 0, F1 0
    ]
    summary: dict = {"by_kind": {"when": {"n": 2, "hit@1": 1.0}, "who": {"n": 1, "hit@1": 1.0}}}
    add_em_f1(summary, outcomes)
    assert summary["em"] == pytest.approx(100 / 3, abs=0.01)
    assert summary["f1"] == pytest.approx(100 * (1 + 2 / 3) / 3, abs=0.01)
    assert summary["by_kind"]["when"]["em"] == 50.0 and summary["by_kind"]["who"]["refused"] == 1
    assert summary["predictions"]["who-1-None"] == ""
    text = "\n".join(report_lines(summary))
    assert "EM 33.3  F1 55.6" in text and "refused 1 = 33.3%" in text


@pytest.mark.slow
def test_cli_eval_scores_a_squad_file_directly(tmp_path: Path) -> None:
    src = squad_file(tmp_path)
    preds = tmp_path / "pred.json"
    env = {"BULLETIN_INDEX_DIR": str(tmp_path / "unused-index"), "PATH": "/usr/bin:/bin"}
    out = cli_in_process("eval", str(src), "--json", "-q", "--predictions", str(preds), env={**os.environ, **env})
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["questions"] == len(PASSAGES) and summary["squad"]["issues"] == 1
    assert summary["hit@1"] >= 0.75 and 0 <= summary["em"] <= summary["f1"] <= 100
    assert summary["article_hit@1"] >= summary["hit@1"] and "article_hit@1" in summary["by_kind"]["when"]
    assert {"em", "f1", "refused"} <= set(summary["by_kind"]["when"])
    assert "predictions" not in summary and set(json.loads(preds.read_text("utf-8"))) == {
        "Q0",
        "Q1",
        "Q2",
        "Q3",
    }
    assert not (tmp_path / "unused-index").exists()  # a SQuAD file gets a temporary index of its own

    # A kept index and corpus: every passage is indexed, only the sampled passages' questions are asked.
    index, corpus = tmp_path / "index", tmp_path / "corpus"
    out = cli_in_process(
        "eval", str(src), "--json", "-q", "--passages", "2", "--index", str(index), "--corpus", str(corpus),
        env={**os.environ, **env},
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["questions"] == 2 and summary["squad"]["passages"] == 2
    assert (
        len(parse_file(corpus / "issue-0001.txt").articles()) == len(PASSAGES)
        and (index / "CURRENT").exists()
    )
