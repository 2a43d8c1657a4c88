"""SQuAD/CMRC JSON → bulletin issues: every passage comes back from the parser as one whole article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin_bot.errors import BulletinError
from bulletin_bot.ingest.parse import parse_file
from bulletin_bot.squad import check_issues, convert, guess_kind, is_squad_file, load_squad, subset

PASSAGES = [
    ("飞黄腾达7", "《飞黄腾达7》是一部2008年上映的香港电影，由王晶执导。影片讲述了两兄弟在澳门的故事。", "飞黄腾达7是哪一年上映的？", "2008年"),
    ("BMW 7系列", "BMW 7系列是德国汽车制造商BMW生产的豪华轿车，第一代 E23 于1977年推出。", "第一代BMW 7系列是谁生产的？", "BMW"),
    ("九龙巴士95M线", "九龙巴士95M线是香港的一条巴士路线，全长约12公里，来往将军澳（宝琳）及观塘码头。\n该线于1993年开办。",
     "九龙巴士95M线全长多少公里？", "约12公里"),
    ("阿马里洛", "阿马里洛（Amarillo）是美国德克萨斯州西北部的一座城市，人口约19万。", "阿马里洛位于哪个国家？", "美国"),
]  # fmt: skip


def squad_file(tmp_path: Path, n: int = len(PASSAGES)) -> Path:
    data = []
    for i, (title, context, question, answer) in enumerate((PASSAGES * 8)[:n]):
        start = context.index(answer)
        qa = {"id": f"Q{i}", "question": question, "answers": [{"text": answer, "answer_start": start}]}
        data.append(
            {"title": title, "id": f"P{i}", "paragraphs": [{"id": f"P{i}", "context": context, "qas": [qa]}]}
        )
    path = tmp_path / "squad.json"
    path.write_text(json.dumps({"version": "v1.0", "data": data}, ensure_ascii=False), "utf-8")
    return path


def test_every_passage_is_one_article_with_its_text(tmp_path: Path) -> None:
    passages = load_squad(squad_file(tmp_path))
    files, _ = convert(passages, tmp_path / "corpus", per_issue=3)
    assert [f.name for f in files] == ["issue-0001.txt", "issue-0002.txt"]
    report = check_issues(files, passages, per_issue=3)
    assert report.one_article_each == report.same_without_spaces == 4, report.failures
    assert report.exact == 3  # 'E23 于' loses its CJK–Latin space in the parser, nothing else changes
    issue = parse_file(files[0]).issue
    assert (issue.title, issue.number, issue.date) == ("百科知识简报", "2018年第1期", "2018-03-01")
    assert parse_file(files[1]).issue.date == "2018-03-08"
    art = parse_file(files[0]).articles()[2][1]
    assert art.title == "九龙巴士95M线" and art.paragraphs[1] == "该线于1993年开办。"


def test_question_rows_carry_a_unique_key_and_a_kind(tmp_path: Path) -> None:
    passages = load_squad(squad_file(tmp_path))
    _, rows = convert(passages, tmp_path / "corpus")
    assert [r["kind"] for r in rows] == ["when", "who", "number", "where"]
    for row, (_, context, _, answer) in zip(rows, PASSAGES, strict=True):
        assert row["answers"] == [answer]
        assert answer.replace(" ", "") in row["key"] and row["key"] in context.replace(" ", "").replace(
            "\n", ""
        )
        assert row["issue_file"] == "issue-0001.txt"


def test_subset_is_fixed_by_the_seed(tmp_path: Path) -> None:
    passages = load_squad(squad_file(tmp_path, n=20))
    a, b = subset(passages, 5, seed=1), subset(passages, 5, seed=1)
    assert [p.id for p in a] == [p.id for p in b] and len(a) == 5
    assert [p.id for p in subset(passages, 5, seed=2)] != [p.id for p in a]
    assert subset(passages, None) == passages


def test_squad_files_are_told_from_question_files(tmp_path: Path) -> None:
    assert is_squad_file(squad_file(tmp_path))
    jsonl = tmp_path / "qa.jsonl"
    jsonl.write_text('{"question": "谁", "data": []}\n', "utf-8")
    assert not is_squad_file(jsonl)
    with pytest.raises(BulletinError):
        load_squad(jsonl)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("《伯尔尼条约》是哪一年签署的？", "when"),
        ("《无声狂啸》是谁的短篇小说？", "who"),
        ("十五数字推盘的最优解至多有多少步？", "number"),
        ("HL7496成为了全球第几架报销的客机？", "number"),
        ("涞滩镇隶属于哪个城市？", "where"),
        ("《战国无双3》是由哪两个公司合作开发的？", "what"),
        ("为什么大批工程人员驻扎在位于张广才岭东侧的横道河子镇？", "other"),
        ("地球表面最外層的固體又被稱為什麼圈?", "what"),
        ("生命数耗完即算为什么？", "what"),
        ("誰認為三種語言出自同一門語言？", "who"),
    ],
)
def test_guess_kind(question: str, kind: str) -> None:
    assert guess_kind(question) == kind
